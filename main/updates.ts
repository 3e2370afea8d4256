import { readFile } from 'node:fs/promises';
import {
  DEFAULT_UPDATE_POLICY,
  INITIAL_UPDATE_STATE,
  disabledState,
  updateTransition,
  type UpdateDisabledReason,
  type UpdateEffect,
  type UpdateInput,
  type UpdatePolicy,
  type UpdateState,
  type UpdateStatus,
} from '../common/update.js';
import { ConsoleError } from '../common/errors.js';
import { writeFileAtomically } from './store-file.js';
import { systemClock, type Clock } from './clock.js';
import { redactText, silentLogger, type Logger } from './log.js';
// Only `version` is bundled (vite's JSON named exports), not the whole manifest.
import { version } from '../package.json';

/** The console's version, as package.json (and so Electron's app.getVersion()) says. */
export const APP_VERSION: string = version;

/**
 * What the handlers and the event stream need from automatic updates. The
 * Electron shell supplies a live one (main/shell/updater.ts); the browser host
 * and dev runs a fixed `disabled` one.
 */
export interface UpdateService {
  status(): UpdateStatus;
  setEnabled(enabled: boolean): Promise<UpdateStatus>;
  /** Quits and installs when an update is ready; otherwise changes nothing. */
  restartNow(): Promise<UpdateStatus>;
  subscribe(listener: (status: UpdateStatus) => void): () => void;
  dispose(): void;
}

/** The few things done to electron-updater; events come back through `feed`. */
export interface UpdaterPort {
  /** Starts a check; the outcome arrives as inputs (up-to-date, update-available, failed). */
  check(): void;
  installOnQuit(enabled: boolean): void;
  /** Quits the app and runs the installer. */
  quitAndInstall(): void;
}

export type { Clock as UpdateClock } from './clock.js';

/** A service for installs that cannot update: the browser host, dev runs, builds without a feed. */
export function fixedUpdateService(reason: Exclude<UpdateDisabledReason, 'setting'>, currentVersion: string, message?: string): UpdateService {
  const status: UpdateStatus = { currentVersion, enabled: false, canChange: false, state: disabledState(reason, message) };
  return {
    status: () => status,
    setEnabled: async () => status,
    restartNow: async () => status,
    subscribe: () => () => undefined,
    dispose: () => undefined,
  };
}

interface StoredSettings {
  enabled: boolean;
}

/** The one setting, in its own small file next to profiles.json; unreadable means "on". */
export async function loadUpdateSettings(file: string, log: Logger = silentLogger): Promise<StoredSettings> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { enabled?: unknown }).enabled === 'boolean') {
      return { enabled: (parsed as StoredSettings).enabled };
    }
    log.warn('update settings file is malformed; updates stay on', { file });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('cannot read update settings; updates stay on', { file, error });
  }
  return { enabled: true };
}

async function saveUpdateSettings(file: string, settings: StoredSettings): Promise<void> {
  await writeFileAtomically(file, `${JSON.stringify(settings)}\n`);
}

export interface UpdateControllerOptions {
  readonly port: UpdaterPort;
  readonly currentVersion: string;
  /** Where the on/off setting persists. */
  readonly settingsFile: string;
  readonly clock?: Clock;
  readonly policy?: UpdatePolicy;
  readonly log?: Logger;
}

export interface UpdateController extends UpdateService {
  /** What electron-updater reported. */
  feed(input: UpdateInput): void;
}

// An updater error can carry a whole HTTP response or a stack: the operator gets its first line.
const MAX_MESSAGE = 300;

export function describeUpdateError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split('\n').find((line) => line.trim() !== '') ?? 'unknown error';
  const clipped = firstLine.length > MAX_MESSAGE ? `${firstLine.slice(0, MAX_MESSAGE - 1)}…` : firstLine;
  return redactText(clipped.trim());
}

/** Drives the pure machine: performs its effects, persists the setting, tells subscribers. */
export async function createUpdateController(options: UpdateControllerOptions): Promise<UpdateController> {
  const { port, currentVersion, settingsFile } = options;
  const clock = options.clock ?? systemClock;
  const policy = options.policy ?? DEFAULT_UPDATE_POLICY;
  const log = options.log ?? silentLogger;
  const listeners = new Set<(status: UpdateStatus) => void>();
  let state: UpdateState = INITIAL_UPDATE_STATE;
  let timer: unknown = null;
  let disposed = false;
  let restarting = false;

  const status = (): UpdateStatus => ({ currentVersion, enabled: state.status !== 'disabled', canChange: true, state });

  const perform = (effect: UpdateEffect): void => {
    switch (effect.type) {
      case 'check':
        try {
          port.check();
        } catch (error) {
          // Re-entrant on purpose: the failure is an input like any other.
          queueMicrotask(() => feed({ type: 'failed', message: describeUpdateError(error) }));
        }
        return;
      case 'schedule-check':
        if (timer !== null) clock.clearTimeout(timer);
        timer = clock.setTimeout(() => {
          timer = null;
          feed({ type: 'check-due' });
        }, effect.delayMs);
        return;
      case 'cancel-check':
        if (timer !== null) clock.clearTimeout(timer);
        timer = null;
        return;
      case 'install-on-quit':
        port.installOnQuit(effect.enabled);
        return;
    }
  };

  function feed(input: UpdateInput): void {
    if (disposed) return;
    const before = state;
    const next = updateTransition(state, input.type === 'failed' ? { ...input, message: describeUpdateError(input.message) } : input, clock.now(), policy);
    state = next.state;
    if (before.status !== state.status) log.info(`updates ${before.status} → ${state.status}`, { input: input.type });
    if (state.status === 'error' && before !== state) log.warn('update check failed', { message: state.message, failures: state.failures });
    for (const effect of next.effects) perform(effect);
    if (before !== state) {
      const snapshot = status();
      for (const listener of listeners) {
        try {
          listener(snapshot);
        } catch (error) {
          log.error('update listener failed', { error });
        }
      }
    }
  }

  const settings = await loadUpdateSettings(settingsFile, log);
  feed({ type: 'start', enabled: settings.enabled });
  let saved = settings.enabled;

  return {
    feed,
    status,
    // Callable by the page (the operator's own switch in the console's UI, sender-checked and
    // schema-checked before it gets here): a change is logged, a repeat writes nothing.
    async setEnabled(enabled) {
      if (typeof enabled !== 'boolean') throw new ConsoleError('invalid_request', 'Updates are turned on or off with true or false.');
      if (enabled === saved) return status();
      log.warn(enabled ? 'automatic updates turned on from the console' : 'automatic updates turned off from the console: this install stays on its version', { version: currentVersion });
      await saveUpdateSettings(settingsFile, { enabled });
      saved = enabled;
      feed({ type: 'set-enabled', enabled });
      return status();
    },
    async restartNow() {
      if (state.status === 'ready' && !restarting) {
        restarting = true;
        log.info('restarting to install the update', { version: state.version });
        // After this answer has left: the renderer gets its reply before the app quits.
        clock.setTimeout(() => port.quitAndInstall(), 250);
      }
      return status();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      disposed = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      listeners.clear();
    },
  };
}
