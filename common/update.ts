import { z } from 'zod';

/**
 * Automatic updates as a pure state machine, like the connection supervisor:
 * (state, input, now) → (state, effects). The Electron shell feeds it what
 * electron-updater reports and performs the effects; the wire carries the
 * state as is, so the renderer's "update ready — restart" notice reads the
 * same thing this module decides on.
 */

/** Why updates are off. Only `setting` is the operator's choice; the others are facts of the install. */
export const UPDATE_DISABLED_REASONS = [
  'setting', // turned off in the console
  'desktop-only', // the browser host: the desktop app updates itself, a browser tab cannot
  'not-packaged', // a development run (npm run dev / npm start)
  'no-feed', // built without an update feed (ARI_CONSOLE_UPDATE_PROVIDER unset)
  'unsupported', // a Linux install electron-updater cannot replace (an unpacked folder, not AppImage or deb)
] as const;
export type UpdateDisabledReason = (typeof UPDATE_DISABLED_REASONS)[number];

const at = z.number().int().nonnegative();

export const updateStateSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('disabled'), reason: z.enum(UPDATE_DISABLED_REASONS), message: z.string() }).strict(),
  z.object({ status: z.literal('idle'), lastCheckedAt: at.nullable(), nextCheckAt: at.nullable() }).strict(),
  /** `failures`: checks that failed in a row before this one. */
  z.object({ status: z.literal('checking'), since: at, failures: z.number().int().nonnegative() }).strict(),
  z.object({ status: z.literal('available'), version: z.string() }).strict(),
  z.object({ status: z.literal('downloading'), version: z.string(), percent: z.number().min(0).max(100) }).strict(),
  /** Downloaded and verified: restart now, or it installs when the app quits. */
  z.object({ status: z.literal('ready'), version: z.string() }).strict(),
  z.object({ status: z.literal('error'), message: z.string(), at, failures: z.number().int().positive(), nextCheckAt: at }).strict(),
]);

export const updateStatusSchema = z
  .object({
    /** The version running now. */
    currentVersion: z.string(),
    /** The operator's setting, as the toggle shows it. */
    enabled: z.boolean(),
    /** Whether the toggle means anything here: false for the browser host, dev runs and builds without a feed. */
    canChange: z.boolean(),
    state: updateStateSchema,
  })
  .strict();

export type UpdateState = z.output<typeof updateStateSchema>;
export type UpdateStatus = z.output<typeof updateStatusSchema>;

export const UPDATE_DISABLED_MESSAGES: Record<UpdateDisabledReason, string> = {
  setting: 'Automatic updates are turned off.',
  'desktop-only': 'Updates are managed by the desktop app; this browser page updates when the console it comes from does.',
  'not-packaged': 'This is a development build; it does not update itself.',
  'no-feed': 'This build has no update feed; install newer versions by hand.',
  unsupported: 'Only the AppImage and the .deb package update themselves; install newer versions of this one by hand.',
};

export function disabledState(reason: UpdateDisabledReason, message = UPDATE_DISABLED_MESSAGES[reason]): UpdateState {
  return { status: 'disabled', reason, message };
}

/** The in-app notice, or null when there is nothing to tell the operator now. */
export interface UpdateNotice {
  readonly text: string;
  /** Offer the "Restart now" button (update.restartNow). */
  readonly canRestart: boolean;
}

/**
 * Only a finished download interrupts anyone: checks, downloads and failures
 * belong in the settings, not on a receptionist's screen.
 */
export function updateNotice(status: UpdateStatus): UpdateNotice | null {
  if (status.state.status !== 'ready') return null;
  return { text: `Update ready — restart to use version ${status.state.version}. Otherwise it installs when the console quits.`, canRestart: true };
}

/**
 * One line for the settings' Updates section: where the updater stands now.
 * The notice above interrupts; this only answers "is it on, and how is it going".
 */
export function describeUpdateState(state: UpdateState): string {
  switch (state.status) {
    case 'disabled':
      return state.message;
    case 'idle':
      return state.lastCheckedAt === null ? 'Automatic updates are on; no check has run yet.' : 'Up to date.';
    case 'checking':
      return 'Checking for a new version…';
    case 'available':
      return `Version ${state.version} is available; downloading it.`;
    case 'downloading':
      return `Downloading version ${state.version} (${Math.floor(state.percent)} %).`;
    case 'ready':
      return `Version ${state.version} is ready: restart to use it, or it installs when the console quits.`;
    case 'error':
      return `The last check failed: ${state.message} It is tried again later.`;
  }
}

// ---- The machine.

export interface UpdatePolicy {
  /** After start: late enough that the PBX links come up first. */
  readonly firstCheckDelayMs: number;
  readonly checkIntervalMs: number;
  /** After a failure, doubling per consecutive failure up to checkIntervalMs. */
  readonly retryDelayMs: number;
}

export const DEFAULT_UPDATE_POLICY: UpdatePolicy = {
  firstCheckDelayMs: 30_000,
  checkIntervalMs: 4 * 60 * 60_000,
  retryDelayMs: 15 * 60_000,
};

export type UpdateInput =
  | { readonly type: 'start'; readonly enabled: boolean }
  | { readonly type: 'set-enabled'; readonly enabled: boolean }
  | { readonly type: 'check-due' }
  | { readonly type: 'update-available'; readonly version: string }
  | { readonly type: 'up-to-date' }
  | { readonly type: 'download-progress'; readonly percent: number }
  | { readonly type: 'downloaded'; readonly version: string }
  | { readonly type: 'failed'; readonly message: string };

export type UpdateEffect =
  | { readonly type: 'check' }
  | { readonly type: 'schedule-check'; readonly delayMs: number }
  | { readonly type: 'cancel-check' }
  /** Whether a downloaded update installs when the app quits. */
  | { readonly type: 'install-on-quit'; readonly enabled: boolean };

export interface UpdateTransition {
  readonly state: UpdateState;
  readonly effects: readonly UpdateEffect[];
}

export const INITIAL_UPDATE_STATE: UpdateState = { status: 'idle', lastCheckedAt: null, nextCheckAt: null };

/** Delay before the next check after `failures` consecutive failures (1-based). */
export function retryDelay(failures: number, policy: UpdatePolicy = DEFAULT_UPDATE_POLICY): number {
  return Math.min(policy.checkIntervalMs, policy.retryDelayMs * 2 ** Math.max(0, failures - 1));
}

const unchanged = (state: UpdateState): UpdateTransition => ({ state, effects: [] });
const versionOf = (state: UpdateState): string | null => ('version' in state ? state.version : null);

export function updateTransition(state: UpdateState, input: UpdateInput, now: number, policy: UpdatePolicy = DEFAULT_UPDATE_POLICY): UpdateTransition {
  // A disabled state other than the setting is a fact of the install: nothing leaves it.
  if (state.status === 'disabled' && state.reason !== 'setting') return unchanged(state);
  const idleUntil = (delayMs: number, lastCheckedAt: number | null): UpdateTransition => ({
    state: { status: 'idle', lastCheckedAt, nextCheckAt: now + delayMs },
    effects: [{ type: 'schedule-check', delayMs }],
  });

  switch (input.type) {
    case 'start':
    case 'set-enabled': {
      if (!input.enabled) {
        if (state.status === 'disabled') return unchanged(state);
        return { state: disabledState('setting'), effects: [{ type: 'cancel-check' }, { type: 'install-on-quit', enabled: false }] };
      }
      if (input.type === 'start') {
        const { state: next, effects } = idleUntil(policy.firstCheckDelayMs, null);
        return { state: next, effects: [{ type: 'install-on-quit', enabled: true }, ...effects] };
      }
      if (state.status !== 'disabled') return unchanged(state);
      // Turned back on: the operator expects it to look now, not in four hours.
      return {
        state: { status: 'checking', since: now, failures: 0 },
        effects: [{ type: 'install-on-quit', enabled: true }, { type: 'cancel-check' }, { type: 'check' }],
      };
    }
    case 'check-due':
      if (state.status !== 'idle' && state.status !== 'error') return unchanged(state);
      return { state: { status: 'checking', since: now, failures: state.status === 'error' ? state.failures : 0 }, effects: [{ type: 'check' }] };
    case 'update-available':
      if (state.status !== 'checking') return unchanged(state);
      return { state: { status: 'available', version: input.version }, effects: [] };
    case 'download-progress': {
      const version = versionOf(state);
      if ((state.status !== 'available' && state.status !== 'downloading') || version === null) return unchanged(state);
      const percent = Math.min(100, Math.max(0, Number.isFinite(input.percent) ? input.percent : 0));
      return { state: { status: 'downloading', version, percent }, effects: [] };
    }
    case 'up-to-date':
      if (state.status !== 'checking') return unchanged(state);
      return idleUntil(policy.checkIntervalMs, now);
    case 'downloaded':
      if (state.status === 'disabled' || state.status === 'ready') return unchanged(state);
      // Nothing newer can matter until the operator restarts into this one.
      return { state: { status: 'ready', version: input.version }, effects: [{ type: 'cancel-check' }] };
    case 'failed': {
      if (state.status !== 'checking' && state.status !== 'available' && state.status !== 'downloading') return unchanged(state);
      const failures = (state.status === 'checking' ? state.failures : 0) + 1;
      const delayMs = retryDelay(failures, policy);
      return {
        state: { status: 'error', message: input.message, at: now, failures, nextCheckAt: now + delayMs },
        effects: [{ type: 'schedule-check', delayMs }],
      };
    }
  }
}
