import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_BACKOFF,
  INITIAL_SUPERVISOR_STATE,
  backoffDelay,
  transition,
  type BackoffPolicy,
  type SupervisorContext,
  type SupervisorInput,
  type SupervisorState,
  type Transition,
} from '../../common/supervisor.js';

const T = 1_795_425_153_123;

/** Feeds inputs one after another; every step at `now`, with the same `random`. */
function run(state: SupervisorState, inputs: readonly SupervisorInput[], context: SupervisorContext): Transition {
  let result: Transition = { state, effects: [] };
  for (const input of inputs) result = transition(result.state, input, context);
  return result;
}

const ctx = (now: number, random = 0, policy?: BackoffPolicy): SupervisorContext => (policy ? { now, random, policy } : { now, random });

function liveState(now = T): SupervisorState {
  return run(INITIAL_SUPERVISOR_STATE, [{ type: 'start' }, { type: 'live' }], ctx(now)).state;
}

describe('connecting', () => {
  it('start opens the link for attempt 1', () => {
    expect(transition(INITIAL_SUPERVISOR_STATE, { type: 'start' }, ctx(T))).toEqual({
      state: { status: 'connecting', attempt: 1, since: T, lastError: null },
      effects: [{ type: 'cancel-retry' }, { type: 'open-link', attempt: 1 }],
    });
  });

  it('live marks the time it came up', () => {
    const connecting = transition(INITIAL_SUPERVISOR_STATE, { type: 'start' }, ctx(T)).state;
    expect(transition(connecting, { type: 'live' }, ctx(T + 40))).toEqual({ state: { status: 'live', since: T + 40 }, effects: [] });
  });
});

describe('backoff', () => {
  it.each([
    [0, 100],
    [0.5, 75],
    [0.999_999, 50],
  ])('a live link that fails waits a jittered first delay (random %f → %i ms)', (random, delay) => {
    const next = transition(liveState(), { type: 'failed', error: 'socket closed (1006)' }, ctx(T + 5_000, random));
    expect(next).toEqual({
      state: { status: 'backoff', attempt: 1, lastError: 'socket closed (1006)', nextRetryAt: T + 5_000 + delay },
      effects: [{ type: 'close-link' }, { type: 'schedule-retry', delayMs: delay }],
    });
  });

  it('keeps the first delay within [50, 100] ms for any random', () => {
    for (let i = 0; i < 1_000; i++) {
      const random = i / 1_000;
      const next = transition(liveState(), { type: 'failed', error: 'x' }, ctx(T, random));
      if (next.state.status !== 'backoff') throw new Error(`expected backoff, got ${next.state.status}`);
      const delay = next.state.nextRetryAt - T;
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThanOrEqual(100);
      expect(next.effects).toContainEqual({ type: 'schedule-retry', delayMs: delay });
    }
  });

  it('retry-due opens the link for the next attempt and keeps the last error', () => {
    const backoff = transition(liveState(), { type: 'failed', error: 'ECONNREFUSED' }, ctx(T)).state;
    expect(transition(backoff, { type: 'retry-due' }, ctx(T + 100))).toEqual({
      state: { status: 'connecting', attempt: 2, since: T + 100, lastError: 'ECONNREFUSED' },
      effects: [{ type: 'open-link', attempt: 2 }],
    });
  });

  /** The delays of `count` consecutive failures, starting from a live link. */
  function delays(count: number, random: number, policy?: BackoffPolicy): number[] {
    let state = liveState();
    let now = T;
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const failed = transition(state, { type: 'failed', error: 'ECONNREFUSED' }, ctx(now, random, policy));
      const schedule = failed.effects.find((effect) => effect.type === 'schedule-retry');
      if (!schedule || schedule.type !== 'schedule-retry') throw new Error('no retry scheduled');
      out.push(schedule.delayMs);
      now += schedule.delayMs;
      state = transition(failed.state, { type: 'retry-due' }, ctx(now, random, policy)).state;
    }
    return out;
  }

  it('doubles the delay on each failure, then caps it at one second', () => {
    expect(delays(8, 0)).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000]);
  });

  it('never waits longer than maxDelayMs, whatever the random', () => {
    for (const random of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999_999]) {
      for (const delay of delays(12, random)) {
        expect(delay).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxDelayMs);
        expect(delay).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.initialDelayMs * (1 - DEFAULT_BACKOFF.jitter));
      }
    }
    for (let attempt = 1; attempt <= 40; attempt++) {
      for (let i = 0; i < 100; i++) expect(backoffDelay(attempt, i / 100)).toBeLessThanOrEqual(1_000);
    }
  });

  it('follows a custom policy', () => {
    const slow: BackoffPolicy = { initialDelayMs: 1_000, factor: 3, maxDelayMs: 30_000, jitter: 0 };
    expect(delays(6, 0.7, slow)).toEqual([1_000, 3_000, 9_000, 27_000, 30_000, 30_000]);
    const jittered: BackoffPolicy = { ...slow, jitter: 0.2 };
    expect(delays(6, 0.5, jittered)).toEqual([900, 2_700, 8_100, 24_300, 27_000, 27_000]);
  });

  it('a failure while connecting keeps counting attempts', () => {
    const connecting = transition(INITIAL_SUPERVISOR_STATE, { type: 'start' }, ctx(T)).state;
    const failed = transition(connecting, { type: 'failed', error: 'ENOTFOUND' }, ctx(T + 30));
    expect(failed.state).toEqual({ status: 'backoff', attempt: 1, lastError: 'ENOTFOUND', nextRetryAt: T + 130 });
  });

  it('a link that was live starts over from the first delay', () => {
    const slowRetries = run(liveState(), [
      { type: 'failed', error: 'a' },
      { type: 'retry-due' },
      { type: 'failed', error: 'b' },
      { type: 'retry-due' },
      { type: 'failed', error: 'c' },
      { type: 'retry-due' },
      { type: 'live' },
      { type: 'failed', error: 'd' },
    ], ctx(T));
    expect(slowRetries.state).toEqual({ status: 'backoff', attempt: 1, lastError: 'd', nextRetryAt: T + 100 });
  });
});

describe('stopping', () => {
  it('replaced stops with a clear message and no retry', () => {
    const next = transition(liveState(), { type: 'replaced' }, ctx(T + 9));
    expect(next.state).toEqual({
      status: 'stopped',
      reason: 'replaced',
      lastError: 'Another console connected with the same application name and took over its calls.',
      since: T + 9,
    });
    expect(next.effects).toEqual([{ type: 'cancel-retry' }, { type: 'close-link' }]);
  });

  it('after replaced, failures and due retries do nothing (no fight over the app)', () => {
    const stopped = transition(liveState(), { type: 'replaced' }, ctx(T)).state;
    for (const input of [{ type: 'failed', error: 'socket closed' }, { type: 'retry-due' }, { type: 'live' }, { type: 'replaced' }, { type: 'stop' }] as const) {
      const next = transition(stopped, input, ctx(T + 1));
      expect(next.state).toBe(stopped);
      expect(next.effects).toEqual([]);
    }
  });

  it('unauthorized stops with the error and does not retry', () => {
    const connecting = transition(INITIAL_SUPERVISOR_STATE, { type: 'start' }, ctx(T)).state;
    const next = transition(connecting, { type: 'unauthorized', error: 'The PBX refused the ARI username or password.' }, ctx(T + 20));
    expect(next.state).toEqual({ status: 'stopped', reason: 'unauthorized', lastError: 'The PBX refused the ARI username or password.', since: T + 20 });
    expect(next.effects).toEqual([{ type: 'cancel-retry' }, { type: 'close-link' }]);
    expect(transition(next.state, { type: 'retry-due' }, ctx(T + 200)).state).toBe(next.state);
  });

  it('stop during backoff cancels the retry and closes the link', () => {
    const backoff = transition(liveState(), { type: 'failed', error: 'x' }, ctx(T)).state;
    expect(transition(backoff, { type: 'stop' }, ctx(T + 10))).toEqual({
      state: { status: 'stopped', reason: 'user', lastError: null, since: T + 10 },
      effects: [{ type: 'cancel-retry' }, { type: 'close-link' }],
    });
  });

  it.each(['replaced', 'unauthorized', 'user'] as const)('start after a stop (%s) begins again at attempt 1', (reason) => {
    const input: SupervisorInput = reason === 'user' ? { type: 'stop' } : reason === 'replaced' ? { type: 'replaced' } : { type: 'unauthorized', error: '401' };
    const stopped = transition(liveState(), input, ctx(T)).state;
    expect(transition(stopped, { type: 'start' }, ctx(T + 60_000))).toEqual({
      state: { status: 'connecting', attempt: 1, since: T + 60_000, lastError: null },
      effects: [{ type: 'cancel-retry' }, { type: 'open-link', attempt: 1 }],
    });
  });

  it('start during backoff retries now, from attempt 1', () => {
    const backoff = run(liveState(), [{ type: 'failed', error: 'a' }, { type: 'retry-due' }, { type: 'failed', error: 'b' }], ctx(T)).state;
    expect(transition(backoff, { type: 'start' }, ctx(T + 5)).state).toEqual({ status: 'connecting', attempt: 1, since: T + 5, lastError: null });
  });
});

describe('inputs that do not apply leave the state identical', () => {
  const idle = INITIAL_SUPERVISOR_STATE;
  const connecting = transition(idle, { type: 'start' }, ctx(T)).state;
  const live = liveState();
  const backoff = transition(live, { type: 'failed', error: 'x' }, ctx(T)).state;
  const stopped = transition(live, { type: 'stop' }, ctx(T)).state;

  it.each<[string, SupervisorState, SupervisorInput]>([
    ['idle', idle, { type: 'live' }],
    ['idle', idle, { type: 'failed', error: 'x' }],
    ['idle', idle, { type: 'retry-due' }],
    ['idle', idle, { type: 'stop' }],
    ['idle', idle, { type: 'replaced' }],
    ['idle', idle, { type: 'unauthorized', error: 'x' }],
    ['connecting', connecting, { type: 'start' }],
    ['connecting', connecting, { type: 'retry-due' }],
    ['live', live, { type: 'start' }],
    ['live', live, { type: 'live' }],
    ['live', live, { type: 'retry-due' }],
    ['backoff', backoff, { type: 'live' }],
    ['backoff', backoff, { type: 'failed', error: 'late' }],
    ['stopped', stopped, { type: 'live' }],
    ['stopped', stopped, { type: 'failed', error: 'x' }],
    ['stopped', stopped, { type: 'retry-due' }],
    ['stopped', stopped, { type: 'stop' }],
    ['stopped', stopped, { type: 'unauthorized', error: 'x' }],
  ])('%s ignores %j', (_name, state, input) => {
    const next = transition(state, input, ctx(T + 1_000, 0.5));
    expect(next.state).toBe(state);
    expect(next.effects).toEqual([]);
  });
});

describe('a PBX outage, in fake time', () => {
  /** How long the fake PBX takes to accept or refuse a link. */
  const LINK_OPEN_MS = 30;

  afterEach(() => {
    vi.useRealTimers();
  });

  /**
   * The engine's job in miniature: performs effects with timers and feeds back
   * what the fake link did. The link succeeds iff the PBX is up when it
   * finishes opening.
   */
  function drive(outageMs: number, randoms: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF) {
    vi.useFakeTimers({ now: T });
    const pbxDownAt = Date.now();
    const pbxBackAt = pbxDownAt + outageMs;
    let state: SupervisorState = INITIAL_SUPERVISOR_STATE;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let link = 0; // bumps on close so a stale open cannot report
    let liveAt: number | null = null;
    let opens = 0;
    let pbxUp = true;

    const feed = (input: SupervisorInput): void => {
      const next = transition(state, input, { now: Date.now(), random: randoms(), policy });
      state = next.state;
      if (state.status === 'live' && liveAt === null && Date.now() >= pbxBackAt) liveAt = Date.now();
      for (const effect of next.effects) {
        switch (effect.type) {
          case 'open-link': {
            opens += 1;
            const mine = ++link;
            setTimeout(() => {
              if (mine !== link) return;
              feed(pbxUp ? { type: 'live' } : { type: 'failed', error: 'ECONNREFUSED' });
            }, LINK_OPEN_MS);
            break;
          }
          case 'close-link':
            link += 1;
            break;
          case 'schedule-retry':
            clearTimeout(retryTimer);
            retryTimer = setTimeout(() => feed({ type: 'retry-due' }), effect.delayMs);
            break;
          case 'cancel-retry':
            clearTimeout(retryTimer);
            break;
        }
      }
    };

    feed({ type: 'start' });
    vi.advanceTimersByTime(LINK_OPEN_MS);
    expect(state.status).toBe('live');

    // The PBX goes away: the socket closes, and it refuses links until it is back.
    pbxUp = false;
    setTimeout(() => {
      pbxUp = true;
    }, outageMs);
    feed({ type: 'failed', error: 'socket closed (1006)' });

    vi.advanceTimersByTime(outageMs + policy.maxDelayMs + LINK_OPEN_MS);
    return { state, liveAt, pbxBackAt, opens };
  }

  /** A small deterministic generator so each run jitters differently but repeatably. */
  function seeded(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
      return s / 2 ** 32;
    };
  }

  it.each([
    [6_000, 'always the longest delay', () => () => 0],
    [6_000, 'seeded jitter', () => seeded(1)],
    [60_000, 'always the longest delay', () => () => 0],
    [60_000, 'seeded jitter', () => seeded(42)],
    [60_000, 'always the shortest delay', () => () => 0.999_999],
  ])('after a %i ms outage (%s) it is live within a second of the PBX coming back', (outageMs, _label, makeRandom) => {
    const { state, liveAt, pbxBackAt, opens } = drive(outageMs, makeRandom());
    expect(state.status).toBe('live');
    if (liveAt === null) throw new Error('never live after the PBX came back');
    expect(liveAt - pbxBackAt).toBeGreaterThanOrEqual(0);
    expect(liveAt - pbxBackAt).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxDelayMs + LINK_OPEN_MS);
    // Capped backoff keeps retrying through a long outage without hammering the PBX.
    expect(opens).toBeGreaterThan(outageMs / (DEFAULT_BACKOFF.maxDelayMs + LINK_OPEN_MS));
    expect(opens).toBeLessThan(outageMs / (DEFAULT_BACKOFF.maxDelayMs / 2 + LINK_OPEN_MS) + 10);
  });

  it('a slow policy takes as long as it says, no longer', () => {
    const slow: BackoffPolicy = { initialDelayMs: 1_000, factor: 2, maxDelayMs: 30_000, jitter: 0 };
    const { state, liveAt, pbxBackAt } = drive(60_000, () => 0, slow);
    expect(state.status).toBe('live');
    if (liveAt === null) throw new Error('never live after the PBX came back');
    expect(liveAt - pbxBackAt).toBeLessThanOrEqual(slow.maxDelayMs + LINK_OPEN_MS);
  });
});
