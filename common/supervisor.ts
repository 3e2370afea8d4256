/**
 * The connection supervisor as a pure state machine: (state, input) → (state,
 * effects). It never touches a socket or a timer; the engine performs the
 * effects and feeds back what happened. Time and randomness come in with each
 * input so the whole retry schedule is testable with fake time.
 */

export interface BackoffPolicy {
  /** First retry delay. */
  readonly initialDelayMs: number;
  readonly factor: number;
  /** No retry waits longer than this: a receptionist must be back within a second of the PBX. */
  readonly maxDelayMs: number;
  /** Fraction of each delay that is randomized (0 = none, 0.5 = between 50% and 100%). */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 100, factor: 2, maxDelayMs: 1000, jitter: 0.5 };

export type StopReason = 'user' | 'replaced' | 'unauthorized';

export type SupervisorState =
  | { readonly status: 'idle' }
  | { readonly status: 'connecting'; readonly attempt: number; readonly since: number; readonly lastError: string | null }
  | { readonly status: 'live'; readonly since: number }
  | {
      readonly status: 'backoff';
      readonly attempt: number;
      readonly lastError: string;
      readonly nextRetryAt: number;
    }
  | { readonly status: 'stopped'; readonly reason: StopReason; readonly lastError: string | null; readonly since: number };

export type SupervisorInput =
  | { readonly type: 'start' }
  /** The link is open and the snapshot reconciled. */
  | { readonly type: 'live' }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'retry-due' }
  | { readonly type: 'stop' }
  /** Another client took the same Stasis app name: fighting it would loop forever. */
  | { readonly type: 'replaced' }
  /** Wrong credentials do not fix themselves; retrying would only lock the account. */
  | { readonly type: 'unauthorized'; readonly error: string };

export type SupervisorEffect =
  | { readonly type: 'open-link'; readonly attempt: number }
  | { readonly type: 'close-link' }
  | { readonly type: 'schedule-retry'; readonly delayMs: number }
  | { readonly type: 'cancel-retry' };

export interface SupervisorContext {
  readonly now: number;
  /** A number in [0, 1), e.g. Math.random(). */
  readonly random: number;
  readonly policy?: BackoffPolicy;
}

export interface Transition {
  readonly state: SupervisorState;
  readonly effects: readonly SupervisorEffect[];
}

export const INITIAL_SUPERVISOR_STATE: SupervisorState = { status: 'idle' };

/** Delay before retry number `attempt` (1-based), jittered and capped. */
export function backoffDelay(attempt: number, random: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, attempt - 1);
  const raw = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** exponent);
  const jittered = raw * (1 - policy.jitter * random);
  return Math.max(0, Math.round(jittered));
}

const unchanged = (state: SupervisorState): Transition => ({ state, effects: [] });

export function transition(state: SupervisorState, input: SupervisorInput, context: SupervisorContext): Transition {
  const { now } = context;
  switch (input.type) {
    case 'start':
      if (state.status === 'connecting' || state.status === 'live') return unchanged(state);
      return {
        state: { status: 'connecting', attempt: 1, since: now, lastError: null },
        effects: [{ type: 'cancel-retry' }, { type: 'open-link', attempt: 1 }],
      };
    case 'live':
      if (state.status !== 'connecting') return unchanged(state);
      return { state: { status: 'live', since: now }, effects: [] };
    case 'failed': {
      if (state.status !== 'connecting' && state.status !== 'live') return unchanged(state);
      // A link that was live counts from the first retry again: it had recovered.
      const attempt = state.status === 'live' ? 1 : state.attempt;
      const delayMs = backoffDelay(attempt, context.random, context.policy);
      return {
        state: { status: 'backoff', attempt, lastError: input.error, nextRetryAt: now + delayMs },
        effects: [{ type: 'close-link' }, { type: 'schedule-retry', delayMs }],
      };
    }
    case 'retry-due': {
      if (state.status !== 'backoff') return unchanged(state);
      const attempt = state.attempt + 1;
      return {
        state: { status: 'connecting', attempt, since: now, lastError: state.lastError },
        effects: [{ type: 'open-link', attempt }],
      };
    }
    case 'stop':
      if (state.status === 'stopped' || state.status === 'idle') return unchanged(state);
      return {
        state: { status: 'stopped', reason: 'user', lastError: null, since: now },
        effects: [{ type: 'cancel-retry' }, { type: 'close-link' }],
      };
    case 'replaced':
      if (state.status === 'stopped' || state.status === 'idle') return unchanged(state);
      return {
        state: {
          status: 'stopped',
          reason: 'replaced',
          lastError: 'Another console connected with the same application name and took over its calls.',
          since: now,
        },
        effects: [{ type: 'cancel-retry' }, { type: 'close-link' }],
      };
    case 'unauthorized':
      if (state.status === 'stopped' || state.status === 'idle') return unchanged(state);
      return {
        state: { status: 'stopped', reason: 'unauthorized', lastError: input.error, since: now },
        effects: [{ type: 'cancel-retry' }, { type: 'close-link' }],
      };
  }
}
