import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_UPDATE_POLICY as P,
  describeUpdateState,
  disabledState,
  INITIAL_UPDATE_STATE,
  retryDelay,
  UPDATE_DISABLED_MESSAGES,
  UPDATE_DISABLED_REASONS,
  updateNotice,
  updateStatusSchema,
  updateTransition,
  type UpdateInput,
  type UpdateState,
} from '../../common/update.js';
import { createBackend } from '../../main/backend-node.js';
import { silentLogger } from '../../main/log.js';
import { createUpdateController, describeUpdateError, fixedUpdateService, type UpdateClock, type UpdaterPort } from '../../main/updates.js';

const HOUR = 60 * 60_000;

/** Runs inputs through the machine from `state`, at the given times, and returns each step. */
function replay(state: UpdateState, steps: [number, UpdateInput][]) {
  return steps.map(([now, input]) => {
    const next = updateTransition(state, input, now);
    state = next.state;
    return next;
  });
}

describe('the update machine', () => {
  it('checks first a little after start, then every few hours while up to date', () => {
    const [start, due, upToDate] = replay(INITIAL_UPDATE_STATE, [
      [0, { type: 'start', enabled: true }],
      [P.firstCheckDelayMs, { type: 'check-due' }],
      [P.firstCheckDelayMs + 2000, { type: 'up-to-date' }],
    ]);
    expect(start?.state).toEqual({ status: 'idle', lastCheckedAt: null, nextCheckAt: P.firstCheckDelayMs });
    expect(start?.effects).toContainEqual({ type: 'schedule-check', delayMs: P.firstCheckDelayMs });
    expect(due?.effects).toEqual([{ type: 'check' }]);
    expect(upToDate?.state).toEqual({ status: 'idle', lastCheckedAt: P.firstCheckDelayMs + 2000, nextCheckAt: P.firstCheckDelayMs + 2000 + P.checkIntervalMs });
    expect(upToDate?.effects).toEqual([{ type: 'schedule-check', delayMs: P.checkIntervalMs }]);
  });

  it('goes available → downloading → ready, and then stops checking until the restart', () => {
    const checking: UpdateState = { status: 'checking', since: 0, failures: 0 };
    const steps = replay(checking, [
      [1, { type: 'update-available', version: '1.2.0' }],
      [2, { type: 'download-progress', percent: 42.5 }],
      [3, { type: 'download-progress', percent: 250 }],
      [4, { type: 'downloaded', version: '1.2.0' }],
      [5, { type: 'check-due' }],
      [6, { type: 'failed', message: 'late error' }],
    ]);
    expect(steps.map((step) => step.state)).toEqual([
      { status: 'available', version: '1.2.0' },
      { status: 'downloading', version: '1.2.0', percent: 42.5 },
      { status: 'downloading', version: '1.2.0', percent: 100 },
      { status: 'ready', version: '1.2.0' },
      { status: 'ready', version: '1.2.0' },
      { status: 'ready', version: '1.2.0' },
    ]);
    expect(steps[3]?.effects).toEqual([{ type: 'cancel-check' }]);
  });

  it('retries a failed check after 15 min, doubling per failure in a row, never waiting longer than the interval', () => {
    expect([1, 2, 3, 4, 5, 10].map((failures) => retryDelay(failures))).toEqual([15 * 60_000, 30 * 60_000, HOUR, 2 * HOUR, 4 * HOUR, 4 * HOUR]);
    let state: UpdateState = { status: 'checking', since: 0, failures: 0 };
    let now = 0;
    const delays: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const failed = updateTransition(state, { type: 'failed', message: 'getaddrinfo ENOTFOUND updates.example.com' }, now);
      expect(failed.state).toMatchObject({ status: 'error', failures: i + 1, at: now });
      const delay = (failed.effects[0] as { delayMs: number }).delayMs;
      delays.push(delay);
      now += delay;
      state = updateTransition(failed.state, { type: 'check-due' }, now).state;
      expect(state).toEqual({ status: 'checking', since: now, failures: i + 1 });
    }
    expect(delays).toEqual([15 * 60_000, 30 * 60_000, HOUR, 2 * HOUR]);
    // One success forgets the failures.
    const ok = updateTransition(state, { type: 'up-to-date' }, now);
    const next = updateTransition(ok.state, { type: 'check-due' }, now + P.checkIntervalMs);
    expect(next.state).toEqual({ status: 'checking', since: now + P.checkIntervalMs, failures: 0 });
  });

  it('turned off: cancels the next check and installs nothing on quit; turned on: looks right away', () => {
    const idle: UpdateState = { status: 'idle', lastCheckedAt: 0, nextCheckAt: HOUR };
    const off = updateTransition(idle, { type: 'set-enabled', enabled: false }, 10);
    expect(off.state).toMatchObject({ status: 'disabled', reason: 'setting' });
    expect(off.effects).toEqual([{ type: 'cancel-check' }, { type: 'install-on-quit', enabled: false }]);
    expect(updateTransition(off.state, { type: 'check-due' }, 20).state).toBe(off.state);
    expect(updateTransition(off.state, { type: 'downloaded', version: '9.9.9' }, 20).state).toBe(off.state);
    const on = updateTransition(off.state, { type: 'set-enabled', enabled: true }, 30);
    expect(on.state).toEqual({ status: 'checking', since: 30, failures: 0 });
    expect(on.effects).toContainEqual({ type: 'check' });
    expect(on.effects).toContainEqual({ type: 'install-on-quit', enabled: true });
    // Turning it on while it is already on changes nothing.
    expect(updateTransition(idle, { type: 'set-enabled', enabled: true }, 40).state).toBe(idle);
  });

  it('starts disabled when the saved setting says so', () => {
    const start = updateTransition(INITIAL_UPDATE_STATE, { type: 'start', enabled: false }, 0);
    expect(start.state).toMatchObject({ status: 'disabled', reason: 'setting' });
    expect(start.effects).not.toContainEqual({ type: 'check' });
  });

  it('never leaves a disabled state that is a fact of the install', () => {
    const fixed: UpdateState = { status: 'disabled', reason: 'no-feed', message: 'no feed' };
    for (const input of [{ type: 'set-enabled', enabled: true }, { type: 'check-due' }, { type: 'start', enabled: true }] as UpdateInput[]) {
      expect(updateTransition(fixed, input, 0)).toEqual({ state: fixed, effects: [] });
    }
  });

  it('produces only states the wire schema accepts', () => {
    const states: UpdateState[] = [INITIAL_UPDATE_STATE];
    let state = INITIAL_UPDATE_STATE;
    for (const [now, input] of [
      [0, { type: 'start', enabled: true }],
      [1, { type: 'check-due' }],
      [2, { type: 'failed', message: 'x' }],
      [3, { type: 'check-due' }],
      [4, { type: 'update-available', version: '2.0.0' }],
      [5, { type: 'download-progress', percent: Number.NaN }],
      [6, { type: 'downloaded', version: '2.0.0' }],
      [7, { type: 'set-enabled', enabled: false }],
    ] as [number, UpdateInput][]) {
      state = updateTransition(state, input, now).state;
      states.push(state);
    }
    for (const each of states) expect(updateStatusSchema.safeParse({ currentVersion: '1.0.0', enabled: true, canChange: true, state: each }).success, JSON.stringify(each)).toBe(true);
  });
});

describe('the in-app notice', () => {
  const status = (state: UpdateState) => ({ currentVersion: '1.0.0', enabled: true, canChange: true, state });

  it('speaks up only when an update is ready, and offers the restart', () => {
    expect(updateNotice(status({ status: 'ready', version: '1.1.0' }))).toEqual({
      text: 'Update ready — restart to use version 1.1.0. Otherwise it installs when the console quits.',
      canRestart: true,
    });
    for (const state of [
      INITIAL_UPDATE_STATE,
      { status: 'checking', since: 0, failures: 0 },
      { status: 'downloading', version: '1.1.0', percent: 50 },
      { status: 'error', message: 'offline', at: 0, failures: 1, nextCheckAt: 1 },
    ] as UpdateState[]) {
      expect(updateNotice(status(state))).toBeNull();
    }
  });

  it('describes every state in words for the settings, the disabled ones with their own reason', () => {
    expect(describeUpdateState(INITIAL_UPDATE_STATE)).toBe('Automatic updates are on; no check has run yet.');
    expect(describeUpdateState({ status: 'idle', lastCheckedAt: 5, nextCheckAt: 10 })).toBe('Up to date.');
    expect(describeUpdateState({ status: 'downloading', version: '1.1.0', percent: 49.7 })).toBe('Downloading version 1.1.0 (49 %).');
    expect(describeUpdateState({ status: 'ready', version: '1.1.0' })).toContain('restart to use it');
    expect(describeUpdateState({ status: 'error', message: 'The update server did not answer.', at: 0, failures: 1, nextCheckAt: 1 })).toBe(
      'The last check failed: The update server did not answer. It is tried again later.',
    );
    for (const reason of UPDATE_DISABLED_REASONS) expect(describeUpdateState(disabledState(reason))).toBe(UPDATE_DISABLED_MESSAGES[reason]);
  });
});

// ---- The controller, with a fake clock and a fake electron-updater.

function fakeClock() {
  let now = 0;
  let timers: { at: number; callback: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: UpdateClock = {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, callback, id });
      return id;
    },
    clearTimeout: (handle) => {
      timers = timers.filter((timer) => timer.id !== handle);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((timer) => timer !== due);
      now = due.at;
      due.callback();
    }
    now = until;
  };
  return { clock, advance, pending: () => timers.length };
}

function fakePort() {
  const calls: string[] = [];
  const port: UpdaterPort = {
    check: () => void calls.push('check'),
    installOnQuit: (enabled) => void calls.push(`install-on-quit:${enabled}`),
    quitAndInstall: () => void calls.push('quit-and-install'),
  };
  return { port, calls };
}

const scratch = mkdtempSync(join(tmpdir(), 'updates-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let files = 0;
const settingsFile = () => {
  const dir = join(scratch, `${(files += 1)}`);
  mkdirSync(dir);
  return join(dir, 'updates.json');
};

describe('the update controller', () => {
  it('checks on schedule, reports each step to subscribers, and restarts only into a ready update', async () => {
    const time = fakeClock();
    const { port, calls } = fakePort();
    const controller = await createUpdateController({ port, currentVersion: '1.0.0', settingsFile: settingsFile(), clock: time.clock, log: silentLogger });
    const seen: string[] = [];
    controller.subscribe((status) => seen.push(status.state.status));

    await controller.restartNow();
    time.advance(P.firstCheckDelayMs - 1);
    expect(calls).toEqual(['install-on-quit:true']);
    time.advance(1);
    expect(calls).toEqual(['install-on-quit:true', 'check']);

    controller.feed({ type: 'update-available', version: '1.1.0' });
    controller.feed({ type: 'download-progress', percent: 50 });
    controller.feed({ type: 'downloaded', version: '1.1.0' });
    expect(controller.status()).toEqual({ currentVersion: '1.0.0', enabled: true, canChange: true, state: { status: 'ready', version: '1.1.0' } });
    expect(seen).toEqual(['checking', 'available', 'downloading', 'ready']);
    expect(time.pending()).toBe(0);

    await controller.restartNow();
    await controller.restartNow();
    expect(calls).not.toContain('quit-and-install');
    time.advance(1000);
    // Once, after the answer has gone back, however often the button is pressed.
    expect(calls.filter((call) => call === 'quit-and-install')).toHaveLength(1);
    controller.dispose();
  });

  it('persists the setting, starts as it was left, and cancels the scheduled check when turned off', async () => {
    const file = settingsFile();
    const time = fakeClock();
    const { port, calls } = fakePort();
    const first = await createUpdateController({ port, currentVersion: '1.0.0', settingsFile: file, clock: time.clock });
    const off = await first.setEnabled(false);
    expect(off).toMatchObject({ enabled: false, canChange: true, state: { status: 'disabled', reason: 'setting' } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ enabled: false });
    expect(time.pending()).toBe(0);
    time.advance(24 * HOUR);
    expect(calls).not.toContain('check');
    first.dispose();

    const second = await createUpdateController({ port, currentVersion: '1.0.0', settingsFile: file, clock: time.clock });
    expect(second.status().enabled).toBe(false);
    await second.setEnabled(true);
    expect(calls.at(-1)).toBe('check');
    expect(second.status().state.status).toBe('checking');
    second.dispose();
  });

  it('treats a malformed settings file as "on" and a throwing check as a failed one', async () => {
    const file = settingsFile();
    writeFileSync(file, '{"enabled": "sometimes"}');
    const time = fakeClock();
    const port: UpdaterPort = {
      check: () => {
        throw new Error('net::ERR_NAME_NOT_RESOLVED\n    at stack frame');
      },
      installOnQuit: () => undefined,
      quitAndInstall: () => undefined,
    };
    const controller = await createUpdateController({ port, currentVersion: '1.0.0', settingsFile: file, clock: time.clock });
    expect(controller.status().enabled).toBe(true);
    time.advance(P.firstCheckDelayMs);
    await Promise.resolve();
    expect(controller.status().state).toEqual({ status: 'error', message: 'net::ERR_NAME_NOT_RESOLVED', at: P.firstCheckDelayMs, failures: 1, nextCheckAt: P.firstCheckDelayMs + 15 * 60_000 });
    controller.dispose();
  });

  it('keeps updater errors short and free of credentials', () => {
    expect(describeUpdateError(new Error('HttpError: 404 \n"method: GET url: https://user:secret@updates.example.com/latest.yml"'))).toBe('HttpError: 404');
    expect(describeUpdateError('x'.repeat(1000))).toHaveLength(300);
    expect(describeUpdateError(new Error('Cannot download https://bot:t0ken@example.com/a.zip'))).not.toContain('t0ken');
  });
});

describe('update.* without the desktop app (the browser host)', () => {
  it('answers a disabled status saying the desktop app manages updates, and changes nothing', async () => {
    const { backend, dispose } = await createBackend({ log: silentLogger });
    for (const [channel, payload] of [
      ['update.get', {}],
      ['update.setEnabled', { enabled: true }],
      ['update.restartNow', {}],
    ] as const) {
      const result = await backend.dispatch(channel, payload);
      expect(result.ok).toBe(true);
      const status = updateStatusSchema.parse((result as { value: unknown }).value);
      expect(status).toMatchObject({ enabled: false, canChange: false, state: { status: 'disabled', reason: 'desktop-only' } });
      expect(status.currentVersion).toMatch(/^\d+\.\d+\.\d+/);
    }
    expect(await backend.dispatch('update.setEnabled', { enabled: 'yes' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    await dispose();
  });

  it('forwards a live updater to the event stream as update.status', async () => {
    const time = fakeClock();
    const { port } = fakePort();
    const updates = await createUpdateController({ port, currentVersion: '1.0.0', settingsFile: settingsFile(), clock: time.clock });
    const { backend, dispose } = await createBackend({ log: silentLogger, updates });
    const events: [string, unknown][] = [];
    backend.subscribe((channel, payload) => events.push([channel, payload]));
    time.advance(P.firstCheckDelayMs);
    expect(events).toEqual([['update.status', updates.status()]]);
    expect((await backend.dispatch('update.get', {})) as unknown).toEqual({ ok: true, value: updates.status() });
    await dispose();
    updates.dispose();
  });

  it('update.setEnabled from the page: checked before it reaches the updater, each change logged, a repeat writes nothing', async () => {
    const file = settingsFile();
    const time = fakeClock();
    const { port } = fakePort();
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    const updates = await createUpdateController({ port, currentVersion: '1.0.0', settingsFile: file, clock: time.clock, log });
    const { backend, dispose } = await createBackend({ log: silentLogger, updates });
    for (const payload of [{ enabled: 'false' }, { enabled: 0 }, { enabled: false, feed: 'https://evil.example/' }, {}, null]) {
      expect(await backend.dispatch('update.setEnabled', payload)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    expect(updates.status().enabled).toBe(true);
    expect(existsSync(file)).toBe(false);

    expect(await backend.dispatch('update.setEnabled', { enabled: false })).toMatchObject({ ok: true, value: { enabled: false } });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ enabled: false });
    expect(warnings).toEqual(['automatic updates turned off from the console: this install stays on its version']);
    // A page looping on the same answer touches neither the disk nor the log.
    rmSync(file);
    for (let i = 0; i < 5; i += 1) await backend.dispatch('update.setEnabled', { enabled: false });
    expect(existsSync(file)).toBe(false);
    expect(warnings).toHaveLength(1);
    await backend.dispatch('update.setEnabled', { enabled: true });
    expect(warnings.at(-1)).toBe('automatic updates turned on from the console');
    await dispose();
    updates.dispose();
  });

  it('offers fixed services for installs that cannot update', () => {
    const status = fixedUpdateService('no-feed', '1.0.0').status();
    expect(status).toMatchObject({ enabled: false, canChange: false, state: { status: 'disabled', reason: 'no-feed' } });
    expect(updateStatusSchema.safeParse(status).success).toBe(true);
  });
});
