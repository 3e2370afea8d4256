import { profileInputSchema, RECONNECT_MAX_MS, type EventChannel } from '../common/contract.js';
import type { ConsoleBackend } from './backend.js';
import { EngineManager, type EngineTuning } from './engine/manager.js';
import { withCap, type EngineProfile } from './engine/engine.js';
import { createDispatcher, createHandlers } from './handlers.js';
import { createLogger, type Logger } from './log.js';
import { memoryOnlyVault, ProfileStore, type CredentialVault } from './profiles.js';
import { RawEventLog } from './raw-events.js';
import { SessionRecorder } from './recorder.js';
import { APP_VERSION, type UpdateService } from './updates.js';
import { SettingsStore } from './settings.js';
import { WorkflowManager } from './workflows/manager.js';
import type { SettingsPatch } from '../common/settings.js';
import { join } from 'node:path';
import { createHistoryFeed, workflowFacts } from './history/feed.js';
import { retentionOf } from './history/retention.js';
import { HistoryStore } from './history/store.js';
import { lockDataDir } from './data-lock.js';
import { PhonebookStore } from './phonebook/store.js';
import type { SnoopConsent } from './snoop-gate.js';
import { DEFAULT_BACKOFF } from '../common/supervisor.js';

export interface BackendOptions {
  /** Where saved profiles live; null keeps them for this run only. */
  readonly profilesFile?: string | null;
  readonly vault?: CredentialVault;
  /** Profiles that come with this run (e.g. the Asterisk sandbox), connected at start. */
  readonly builtInProfiles?: readonly EngineProfile[];
  readonly tuning?: EngineTuning;
  readonly log?: Logger;
  /** The Electron shell's updater; the browser host has none and answers "managed by the desktop app". */
  readonly updates?: UpdateService;
  /** The Electron shell's native confirmation; without it the page can never turn snoop on (main/snoop-gate.ts). */
  readonly snoopConsent?: SnoopConsent;
  /** Where session recordings are written; without one, recording answers `unavailable`. */
  readonly recordingsDir?: string | null;
  /** Where call history (history/) and the phonebook (phonebook.json) are kept; null keeps them for this run only. */
  readonly dataDir?: string | null;
  /** Settings for this run on top of the saved ones (tests, the sandbox): e.g. the operator's phone. Never written to settings.json. */
  readonly settings?: SettingsPatch;
}

export interface NodeBackend {
  readonly backend: ConsoleBackend;
  readonly profiles: ProfileStore;
  readonly engines: EngineManager;
  readonly history: HistoryStore;
  readonly phonebook: PhonebookStore;
  readonly settings: SettingsStore;
  readonly workflows: WorkflowManager;
  dispose(): Promise<void>;
}

/**
 * The console's main side without Electron: profiles, engines, the handler
 * table and the event stream. The Electron shell and the browser host both
 * wrap this one object.
 */
export async function createBackend(options: BackendOptions = {}): Promise<NodeBackend> {
  const log = options.log ?? createLogger('console');
  const profiles = new ProfileStore(options.profilesFile ?? null, options.vault ?? memoryOnlyVault);
  for (const profile of options.builtInProfiles ?? []) profiles.addBuiltIn(profile);
  await profiles.load();
  for (const problem of profiles.problems()) log.warn(problem);

  // One console per data folder: a second one (a browser host beside the app) reads but never
  // writes, settings included, so the lock comes before any store is opened.
  const dataDir = options.dataDir ?? null;
  const lock = dataDir === null ? null : await lockDataDir(dataDir);
  const readOnly = lock?.readOnly ?? null;
  if (readOnly) log.error(readOnly);
  // Run-only overrides apply on top of the saved settings and are never written (main/settings.ts).
  const settings = new SettingsStore(dataDir === null ? null : join(dataDir, 'settings.json'), { readOnly, ...(options.settings ? { runOnly: options.settings } : {}) });
  await settings.load();
  for (const problem of settings.problems()) log.warn(problem);

  // Settings before history: its retention applies from its first read.
  const history = new HistoryStore(dataDir === null ? null : join(dataDir, 'history'), { retention: retentionOf(settings.get()), readOnly });
  const phonebook = new PhonebookStore(dataDir === null ? null : join(dataDir, 'phonebook.json'), readOnly);
  await phonebook.load();
  for (const problem of phonebook.problems()) log.warn(problem);

  const listeners = new Set<(channel: EventChannel, payload: unknown) => void>();
  const emit = (channel: EventChannel, payload: unknown) => {
    for (const listener of listeners) {
      try {
        listener(channel, payload);
      } catch (error) {
        log.error('event listener failed', { channel, error });
      }
    }
  };
  // Not awaited: 100,000 calls take seconds to read and the console must not wait for them; meanwhile
  // history.query answers "loading" (main/handlers.ts), and calls that end are kept (add waits for the read).
  history.load().then(
    (report) => {
      // The page asked while the disk was read and was told "loading": now it asks again.
      emit('history.added', { count: report.records, total: history.size });
      report.problems.forEach((problem) => log.warn(problem));
      if (report.expired > 0) log.info('call history past its retention dropped', { calls: report.expired });
    },
    (error: unknown) => log.error('could not read the call history', { error }),
  );
  // Fed from the batches, not the engine's onRawEvent: batches carry every ARI
  // event the engine accepted plus the console's own (link lost, mute, hold),
  // which a raw list and a faithful replay both need, in the order applied.
  const rawEvents = new RawEventLog();
  const recorder = new SessionRecorder({
    dir: options.recordingsDir ?? null,
    onStatus: (status) => emit('recording.status', status),
    log,
    consoleVersion: APP_VERSION,
  });
  const engines = new EngineManager(
    profiles,
    {
      status: (status) => emit('engine.status', status),
      batch: (batch) => {
        // To the renderers first: what follows is bookkeeping no page waits for, and every
        // request a page makes about this batch arrives after this turn anyway.
        emit('engine.events', batch);
        rawEvents.add(batch.profileId, batch.events, Date.now());
        recorder.add(batch);
        workflows.onBatch(batch);
        feedHistory(batch);
      },
    },
    log,
    options.tuning,
  );
  const feedHistory = createHistoryFeed({
    history,
    phonebook,
    modelOf: (profileId) => engines.get(profileId)?.currentModel,
    // Transfers and park slots of the call, from the workflows (fed this batch just before).
    workflowOf: (profileId, channelId) => workflowFacts(workflows.view(profileId), channelId),
    onAdded: (count, total) => emit('history.added', { count, total }),
    log,
  });
  const workflows = new WorkflowManager({ engines, settings: () => settings.get(), emit: (view) => emit('workflows.state', view), log });
  settings.subscribe((next) => {
    emit('settings.changed', next);
    workflows.settingsChanged();
    history.setRetention(retentionOf(next)).catch((error: unknown) => log.error('could not apply the call history retention', { error }));
  });
  const dispatch = createDispatcher(
    createHandlers({
      profiles,
      engines,
      rawEvents,
      recorder,
      history,
      phonebook,
      settings,
      workflows,
      log,
      ...(options.updates ? { updates: options.updates } : {}),
      ...(options.snoopConsent ? { snoopConsent: options.snoopConsent } : {}),
    }),
    log,
  );
  const stopUpdateEvents = options.updates?.subscribe((status) => emit('update.status', status));

  for (const profile of options.builtInProfiles ?? []) engines.connect(profile.id);

  return {
    backend: {
      dispatch,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    profiles,
    engines,
    history,
    phonebook,
    settings,
    workflows,
    async dispose() {
      stopUpdateEvents?.();
      workflows.dispose();
      engines.dispose();
      await recorder.dispose();
      listeners.clear();
      await lock?.release();
    },
  };
}

/**
 * A built-in profile from ARI_URL / ARI_USER / ARI_PASSWORD / ARI_APP: how
 * `npm start` hands the sandbox (or any PBX) to the console without a
 * password ever touching a file or a command line.
 */
/**
 * Engine settings an administrator may change without a rebuild. Today one:
 * ARI_RECONNECT_MAX_MS, the cap of the reconnect backoff (default 1000 ms). A
 * console on a PBX that many consoles share may want to come back less
 * eagerly; it still reconnects forever. A bad value stops the start, naming it.
 * It is the default of every profile: a profile's own `reconnectMaxMs` wins.
 */
export function tuningFromEnv(env: NodeJS.ProcessEnv): EngineTuning {
  const raw = env['ARI_RECONNECT_MAX_MS'];
  if (raw === undefined || raw === '') return {};
  const maxDelayMs = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || maxDelayMs < RECONNECT_MAX_MS.min || maxDelayMs > RECONNECT_MAX_MS.max) {
    throw new Error(`ARI_RECONNECT_MAX_MS: a whole number of milliseconds from ${RECONNECT_MAX_MS.min} to ${RECONNECT_MAX_MS.max} (got "${raw}").`);
  }
  return { backoff: withCap(DEFAULT_BACKOFF, maxDelayMs) };
}

export function profileFromEnv(env: NodeJS.ProcessEnv): EngineProfile | null {
  const baseUrl = env['ARI_URL'];
  const username = env['ARI_USER'];
  const password = env['ARI_PASSWORD'];
  if (!baseUrl && !username && !password) return null;
  // Half a profile is a typo, not a wish to run without one: say which variable is missing.
  const missing = (['ARI_URL', 'ARI_USER', 'ARI_PASSWORD'] as const).filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`${missing.join(', ')} must be set too (ARI_URL, ARI_USER and ARI_PASSWORD go together).`);
  const checked = profileInputSchema.safeParse({
    name: env['ARI_PROFILE_NAME'] ?? 'Asterisk sandbox',
    baseUrl,
    username,
    password,
    app: env['ARI_APP'] ?? 'console',
    subscribeAll: env['ARI_SUBSCRIBE_ALL'] !== 'false',
    ...(env['ARI_CA_FILE'] ? { caFile: env['ARI_CA_FILE'] } : {}),
  });
  if (!checked.success) {
    const variables: Record<string, string> = { baseUrl: 'ARI_URL', username: 'ARI_USER', password: 'ARI_PASSWORD', app: 'ARI_APP', name: 'ARI_PROFILE_NAME', caFile: 'ARI_CA_FILE' };
    const issue = checked.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    throw new Error(`${variables[field] ?? field}: ${issue?.message ?? 'invalid'}.`);
  }
  const { name, app, subscribeAll, caFile } = checked.data;
  return { id: 'sandbox', name, baseUrl: checked.data.baseUrl, username: checked.data.username, password: checked.data.password ?? '', app, subscribeAll, ...(caFile ? { caFile } : {}) };
}
