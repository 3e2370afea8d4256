import {
  describeIssues,
  isRequestChannel,
  requests,
  type EngineStatus,
  type ParsedRequestOf,
  type RequestChannel,
  type ResponseOf,
  type Result,
} from '../common/contract.js';
import { compact } from '../common/compact.js';
import { ConsoleError, toErrorShape } from '../common/errors.js';
import { createModel, serializeModel, type ConsoleEvent } from '../common/model/index.js';
import type { AriEngine } from './engine/engine.js';
import type { EngineManager } from './engine/manager.js';
import { silentLogger, type Logger } from './log.js';
import { sameDestination, type ProfileStore } from './profiles.js';
import { RawEventLog } from './raw-events.js';
import { SessionRecorder } from './recorder.js';
import { APP_VERSION, fixedUpdateService, type UpdateService } from './updates.js';
import { SettingsStore } from './settings.js';
import { workflowHandlers, WorkflowManager } from './workflows/manager.js';
import { testConnection } from './connection-test.js';
import { HistoryStore } from './history/store.js';
import { PhonebookStore } from './phonebook/store.js';
import { pageSettingsSetter, type SnoopConsent } from './snoop-gate.js';

type Handler<C extends RequestChannel> = (request: ParsedRequestOf<C>) => Promise<ResponseOf<C>>;
export type HandlerTable = { [C in RequestChannel]: Handler<C> };

export interface HandlerDeps {
  readonly profiles: ProfileStore;
  readonly engines: EngineManager;
  /** Supplied by the Electron shell; without it (browser host) updates answer "managed by the desktop app". */
  readonly updates?: UpdateService;
  /** Per-channel raw events for the timeline's raw list; without it, lists are empty. */
  readonly rawEvents?: RawEventLog;
  /** Session recordings; without it (or without a folder), recording answers `unavailable`. */
  readonly recorder?: SessionRecorder;
  /** The receptionist's settings; without it, defaults for this run. */
  readonly settings?: SettingsStore;
  /** Transfers, park, snoop; without it, they start on first use with no events fed (tests of other channels). */
  readonly workflows?: WorkflowManager;
  /** Finished calls; without it, history lasts for this run only. */
  readonly history?: HistoryStore;
  /** Contacts; without it, the phonebook lasts for this run only. */
  readonly phonebook?: PhonebookStore;
  /** Asks, outside the page, before the page may turn snoop on (the desktop app); without it the page never can. */
  readonly snoopConsent?: SnoopConsent;
  /** Main's log: snoop changes and starts are recorded here. */
  readonly log?: Logger;
}

type FlagEvent = Extract<ConsoleEvent, { type: 'ConsoleChannelFlag' }>;

/**
 * Runs one channel command and, for the effects ARI does not announce with an
 * event of its own (mute, ring indication, silence), records them in the
 * model only once the PBX has accepted the command.
 */
async function command(
  engine: AriEngine,
  channelId: string,
  run: (rest: ReturnType<AriEngine['requireRest']>) => Promise<unknown>,
  flag?: Omit<FlagEvent, 'type' | 'at' | 'channelId'>,
): Promise<Record<string, never>> {
  await run(engine.requireRest());
  if (flag) engine.note({ type: 'ConsoleChannelFlag', at: Date.now(), channelId, ...flag });
  return {};
}

/** Every request channel's handler; `satisfies` makes a missing one a compile error. */
export function createHandlers({
  profiles,
  engines,
  updates = fixedUpdateService('desktop-only', APP_VERSION),
  rawEvents = new RawEventLog(),
  recorder = new SessionRecorder({ dir: null }),
  settings = new SettingsStore(null),
  workflows,
  history = new HistoryStore(null),
  phonebook = new PhonebookStore(null),
  snoopConsent,
  log = silentLogger,
}: HandlerDeps): HandlerTable {
  const idleStatus = (profileId: string): EngineStatus => {
    const summary = profiles.list().find((profile) => profile.id === profileId);
    return { profileId, profileName: summary?.name ?? profileId, supervisor: { status: 'idle' }, pbx: null, skippedFrames: 0 };
  };
  const engineFor = (profileId: string) => engines.require(profileId);
  const calls = workflows ?? new WorkflowManager({ engines, settings: () => settings.get(), emit: () => undefined, log });

  return {
    'profiles.list': async () => profiles.list(),
    'profiles.save': async (input) => profiles.save(input),
    'profiles.problems': async () => [...profiles.problems()],
    'profiles.remove': async ({ profileId }) => {
      // Store first: a refused removal (the built-in profile) must not cost its live engine.
      await profiles.remove(profileId);
      engines.forget(profileId);
      calls.forget(profileId);
      return {};
    },
    'engine.connect': async ({ profileId }) => engines.connect(profileId),
    'engine.disconnect': async ({ profileId }) => engines.disconnect(profileId),
    'engine.statuses': async () => profiles.list().map((profile) => engines.get(profile.id)?.status() ?? idleStatus(profile.id)),
    'model.snapshot': async ({ profileId }) => {
      const engine = engines.get(profileId);
      if (engine) return engine.snapshot();
      // Not connected yet: an empty model with the profile's real bounds, so a
      // renderer that starts from it keeps ended calls once batches arrive.
      const { app } = profiles.resolve(profileId);
      return { profileId, seq: 0, model: serializeModel(createModel({ app })) };
    },

    'call.answer': async ({ profileId, channelId }) => command(engineFor(profileId), channelId, (rest) => rest.answer(channelId)),
    'call.hangup': async ({ profileId, channelId, reason }) => command(engineFor(profileId), channelId, (rest) => rest.hangup(channelId, reason)),
    'call.ring': async ({ profileId, channelId }) => command(engineFor(profileId), channelId, (rest) => rest.ring(channelId), { flag: 'ring' }),
    'call.ringStop': async ({ profileId, channelId }) =>
      command(engineFor(profileId), channelId, (rest) => rest.ringStop(channelId), { flag: 'ring-stop' }),
    // ARI raises no ChannelHold for a hold the console indicates itself: record it once accepted.
    'call.hold': async ({ profileId, channelId }) => command(engineFor(profileId), channelId, (rest) => rest.hold(channelId), { flag: 'hold' }),
    'call.unhold': async ({ profileId, channelId }) => command(engineFor(profileId), channelId, (rest) => rest.unhold(channelId), { flag: 'unhold' }),
    'call.mute': async ({ profileId, channelId, direction }) =>
      command(engineFor(profileId), channelId, (rest) => rest.mute(channelId, direction), { flag: 'mute', direction }),
    'call.unmute': async ({ profileId, channelId, direction }) =>
      command(engineFor(profileId), channelId, (rest) => rest.unmute(channelId, direction), { flag: 'unmute', direction }),
    'call.sendDtmf': async ({ profileId, channelId, dtmf, between, duration }) =>
      command(engineFor(profileId), channelId, (rest) =>
        rest.sendDtmf(channelId, compact({ dtmf, between, duration })),
      ),
    'call.startSilence': async ({ profileId, channelId }) =>
      command(engineFor(profileId), channelId, (rest) => rest.startSilence(channelId), { flag: 'silence' }),
    'call.stopSilence': async ({ profileId, channelId }) =>
      command(engineFor(profileId), channelId, (rest) => rest.stopSilence(channelId), { flag: 'silence-stop' }),
    'call.play': async ({ profileId, channelId, media }) => engineFor(profileId).requireRest().play(channelId, media),
    'call.originate': async ({ profileId, ...options }) => {
      const channel = await engineFor(profileId).requireRest().originate(compact(options));
      return { channelId: channel.id };
    },
    'call.continue': async ({ profileId, channelId, context, extension, priority }) =>
      command(engineFor(profileId), channelId, (rest) =>
        rest.continueInDialplan(channelId, compact({ context, extension, priority })),
      ),
    'bridge.create': async ({ profileId, type, name }) => {
      const engine = engineFor(profileId);
      const bridge = await engine.requireRest().createBridge(compact({ type, name }));
      engine.watch(`bridge:${bridge.id}`);
      // Without subscribeAll no BridgeCreated ever comes: the PBX's answer is the announcement.
      engine.note({ type: 'ConsoleBridgeSeen', at: Date.now(), bridge });
      return { bridgeId: bridge.id };
    },
    'bridge.destroy': async ({ profileId, bridgeId }) => {
      await engineFor(profileId).requireRest().destroyBridge(bridgeId);
      return {};
    },
    'bridge.addChannel': async ({ profileId, bridgeId, channelId }) => {
      await engineFor(profileId).requireRest().addChannel(bridgeId, channelId);
      return {};
    },
    'bridge.removeChannel': async ({ profileId, bridgeId, channelId }) => {
      await engineFor(profileId).requireRest().removeChannel(bridgeId, channelId);
      return {};
    },

    ...workflowHandlers(calls, settings, pageSettingsSetter(settings, snoopConsent ?? null, log)),

    'update.get': async () => updates.status(),
    'update.setEnabled': async ({ enabled }) => updates.setEnabled(enabled),
    'update.restartNow': async () => updates.restartNow(),

    'channel.rawEvents': async ({ profileId, channelId }) => {
      profiles.resolve(profileId);
      return rawEvents.get(profileId, channelId);
    },
    'recording.start': async ({ profileId }) => {
      const engine = engineFor(profileId);
      return recorder.start(profileId, {
        profileName: engine.profile.name,
        app: engine.profile.app,
        pbx: engine.status().pbx,
        snapshot: () => {
          // Pending events go into the snapshot now (their batch is not recorded), so none is counted twice.
          engine.flush();
          return engine.snapshot().model;
        },
      });
    },
    'recording.stop': async ({ profileId }) => {
      profiles.resolve(profileId);
      return recorder.stop(profileId);
    },
    'recording.status': async ({ profileId }) => {
      profiles.resolve(profileId);
      return recorder.status(profileId);
    },

    'profiles.test': async ({ id, baseUrl, username, password, app, caFile }) => {
      // Testing a saved profile while editing it: the password field left empty means "the stored one".
      let secret = password;
      if (secret === undefined && id !== undefined) {
        const stored = profiles.resolve(id);
        // The stored password goes only where it was meant to go: otherwise a
        // page could learn it by "testing" the profile against its own server.
        if (!sameDestination(stored, { baseUrl, username })) {
          throw new ConsoleError('invalid_request', 'The address or user changed: enter the ARI password to test the connection.');
        }
        secret = stored.password;
      }
      if (secret === undefined) throw new ConsoleError('invalid_request', 'Enter the ARI password to test the connection.');
      return testConnection({ baseUrl, username, password: secret, app, ...(caFile ? { caFile } : {}) });
    },
    // Not waiting for the load: while 100,000 calls are read the page says "loading" (history.added follows).
    'history.query': async (query) => ({ ...history.query(query), ...history.state() }),
    'history.export': async ({ offset: _offset, ...request }) => {
      await history.ready();
      return history.exportPage(request);
    },
    'phonebook.search': async ({ text, limit }) => phonebook.search(text, limit),
    'phonebook.save': async (input) => phonebook.save(input),
    'phonebook.remove': async ({ id }) => {
      await phonebook.remove(id);
      return {};
    },
    'phonebook.import': async ({ contacts }) => {
      const result = await phonebook.import(contacts);
      return { ...result, problems: [...result.problems] };
    },
    'phonebook.lookup': async ({ number }) => {
      const match = phonebook.lookup(number);
      return match ? { contact: match.contact, number: match.number, label: match.label } : null;
    },
  } satisfies HandlerTable;
}


/**
 * The single entry point of both transports: takes anything, parses it
 * against the contract, answers a Result. It never throws and never lets a
 * stack trace or a raw exception cross to the renderer.
 */
export function createDispatcher(handlers: HandlerTable, log: Logger): (channel: unknown, payload: unknown) => Promise<Result<unknown>> {
  return async (channel, payload) => {
    if (!isRequestChannel(channel)) {
      return { ok: false, error: { code: 'unknown_channel', message: 'There is no such request channel.' } };
    }
    const parsed = requests[channel].request.safeParse(payload);
    if (!parsed.success) {
      return { ok: false, error: { code: 'invalid_request', message: `Invalid ${channel} request: ${describeIssues(parsed.error)}` } };
    }
    try {
      const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      if (!(error instanceof ConsoleError)) log.error(`${channel} failed unexpectedly`, { error });
      return { ok: false, error: toErrorShape(error) };
    }
  };
}
