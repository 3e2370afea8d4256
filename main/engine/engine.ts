import type { AriEvent } from '../../common/ari.js';
import type { EngineStatus, EventBatch, ModelSnapshot, PbxInfo } from '../../common/contract.js';
import { ConsoleError } from '../../common/errors.js';
import { applyEvents, createModel, reconcile, serializeModel, type CallModel, type ConsoleEvent, type ModelConfig, type ModelEvent } from '../../common/model/index.js';
import {
  DEFAULT_BACKOFF,
  INITIAL_SUPERVISOR_STATE,
  transition,
  type BackoffPolicy,
  type SupervisorEffect,
  type SupervisorInput,
  type SupervisorState,
} from '../../common/supervisor.js';
import { systemClock, type Clock } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';
import { connectRest, type AriRest } from './ari-rest.js';
import { Batcher } from './batcher.js';
import { openEventSocket, type EventSocket, type EventSocketClose } from './event-socket.js';

export interface EngineProfile {
  readonly id: string;
  readonly name: string;
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly app: string;
  readonly subscribeAll: boolean;
  readonly caFile?: string;
  /** This profile's cap of the reconnect backoff; without it, the engine's `backoff` (the process default) applies. */
  readonly reconnectMaxMs?: number;
}

export type { Clock } from '../clock.js';

export interface EngineOptions {
  readonly profile: EngineProfile;
  readonly onStatus: (status: EngineStatus) => void;
  readonly onBatch: (batch: EventBatch) => void;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy;
  /** Deadline of every REST call, including the swagger load. */
  readonly requestTimeoutMs?: number;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  /**
   * Events are applied and forwarded at most once per window (default 4 ms),
   * an event after a quiet window in the same turn of the loop (batcher.ts).
   * The renderer paints once per animation frame whatever arrives, so a short
   * window only adds small IPC messages, and a frame-long one added up to a
   * frame of latency to every event (bench/RESULTS.md, dom-latency).
   */
  readonly batchWindowMs?: number;
  /** How an idle batch goes out in the same turn (default queueMicrotask); tests pass their own with `clock`. */
  readonly defer?: (callback: () => void) => void;
  readonly modelConfig?: Partial<Omit<ModelConfig, 'app'>>;
  readonly log?: Logger;
  /** Every raw frame as received, for session recordings and bug reports. */
  readonly onRawEvent?: (event: AriEvent) => void;
}

/**
 * One PBX connection: the supervisor decides, this class performs. Each link
 * attempt has a generation number so a late callback from a dead link (a
 * close, an event, a slow snapshot) can never touch the current one.
 */
export class AriEngine {
  readonly profile: EngineProfile;
  private readonly clock: Clock;
  private readonly random: () => number;
  /** How this engine retries: the process default, capped by its profile's reconnectMaxMs where it has one. */
  readonly backoff: BackoffPolicy;
  private readonly log: Logger;
  private supervisor: SupervisorState = INITIAL_SUPERVISOR_STATE;
  private model: CallModel;
  private seq = 0;
  private generation = 0;
  private socket: EventSocket | null = null;
  private rest: AriRest | null = null;
  private pbx: PbxInfo | null = null;
  private retryTimer: unknown = null;
  private readonly batcher: Batcher<ModelEvent>;
  /** Non-null while a snapshot is in flight: live events wait here. */
  private syncBuffer: ModelEvent[] | null = null;
  private skippedFrames = 0;
  private skippedStatusTimer: unknown = null;
  /** Whether any link ever went live: what a snapshot is reconciled as. */
  private everLive = false;

  constructor(private readonly options: EngineOptions) {
    this.profile = options.profile;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = withCap(options.backoff ?? DEFAULT_BACKOFF, options.profile.reconnectMaxMs);
    this.log = options.log ?? silentLogger;
    this.model = createModel({ ...options.modelConfig, app: options.profile.app });
    const { clock } = this;
    this.batcher = new Batcher<ModelEvent>(
      { now: () => clock.now(), setTimeout: (callback, ms) => clock.setTimeout(callback, ms), clearTimeout: (handle) => clock.clearTimeout(handle), defer: options.defer ?? queueMicrotask },
      { windowMs: options.batchWindowMs ?? DEFAULT_BATCH_WINDOW_MS, maxEvents: MAX_BATCH_EVENTS },
      (events) => this.forward(events),
    );
  }

  start(): void {
    this.dispatch({ type: 'start' });
  }

  stop(): void {
    this.dispatch({ type: 'stop' });
  }

  status(): EngineStatus {
    return {
      profileId: this.profile.id,
      profileName: this.profile.name,
      supervisor: this.supervisor,
      pbx: this.pbx,
      skippedFrames: this.skippedFrames,
    };
  }

  /** The model with every batch up to `seq` applied: what a renderer starts from. */
  snapshot(): ModelSnapshot {
    return { profileId: this.profile.id, seq: this.seq, model: serializeModel(this.model) };
  }

  get currentModel(): CallModel {
    return this.model;
  }

  /** The REST client for commands; refuses when no link was ever made. */
  requireRest(): AriRest {
    if (this.rest && this.supervisor.status !== 'stopped' && this.supervisor.status !== 'idle') return this.rest;
    throw new ConsoleError('not_connected', `${this.profile.name} is not connected to the PBX.`);
  }

  /**
   * Without subscribeAll, Asterisk sends an app nothing about its channels
   * once they leave Stasis - not even ChannelDestroyed - and nothing about
   * bridges it did not see created. Subscribing to each one we meet keeps
   * hangups from being missed. No-op with subscribeAll, which sees it all.
   */
  watch(eventSource: string): void {
    if (this.profile.subscribeAll || !this.rest) return;
    this.rest.subscribe(this.profile.app, eventSource).catch((error: unknown) => {
      // Gone already (404) is fine: its end reached us or the snapshot will say.
      if (!(error instanceof ConsoleError && error.code === 'not_found')) {
        this.log.warn(`could not subscribe to ${eventSource}`, { profile: this.profile.id, error });
      }
    });
  }

  /** Records what ARI does not announce by itself (mute, ring indication, silence). */
  note(event: ConsoleEvent): void {
    this.enqueue(event);
  }

  private dispatch(input: SupervisorInput): void {
    const before = this.supervisor;
    const { state, effects } = transition(before, input, { now: this.clock.now(), random: this.random(), policy: this.backoff });
    this.supervisor = state;
    for (const effect of effects) this.perform(effect);
    if (state !== before) {
      this.log.info(`supervisor ${before.status} → ${state.status}`, { profile: this.profile.id, input: input.type });
      this.options.onStatus(this.status());
    }
  }

  private perform(effect: SupervisorEffect): void {
    switch (effect.type) {
      case 'open-link':
        void this.openLink(effect.attempt);
        return;
      case 'close-link':
        this.closeLink();
        return;
      case 'schedule-retry':
        this.cancelRetry();
        this.retryTimer = this.clock.setTimeout(() => {
          this.retryTimer = null;
          this.dispatch({ type: 'retry-due' });
        }, effect.delayMs);
        return;
      case 'cancel-retry':
        this.cancelRetry();
        return;
    }
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async openLink(attempt: number): Promise<void> {
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    const { profile } = this;
    const timeoutMs = this.options.requestTimeoutMs ?? 5000;
    this.syncBuffer = [];
    this.log.debug('opening link', { profile: profile.id, attempt });

    const socket = openEventSocket({
      baseUrl: profile.baseUrl,
      username: profile.username,
      password: profile.password,
      app: profile.app,
      subscribeAll: profile.subscribeAll,
      pingIntervalMs: this.options.pingIntervalMs ?? 5000,
      pongTimeoutMs: this.options.pongTimeoutMs ?? 5000,
      connectTimeoutMs: timeoutMs,
      ...(profile.caFile ? { caFile: profile.caFile } : {}),
      onEvent: (raw) => {
        if (current()) this.receive(raw);
      },
      onMalformed: (error) => this.frameSkipped('skipped a malformed frame', { error: error.message }),
      onClose: (reason) => {
        if (current()) this.linkClosed(reason);
      },
    });
    this.socket = socket;

    try {
      // The REST client is rebuilt on every link: the PBX may have been
      // upgraded while we were away, and its swagger with it.
      const [rest] = await Promise.all([
        connectRest({
          baseUrl: profile.baseUrl,
          username: profile.username,
          password: profile.password,
          timeoutMs,
          ...(profile.caFile ? { caFile: profile.caFile } : {}),
        }),
        socket.ready,
      ]);
      if (!current()) {
        rest.close();
        return;
      }
      const [info, channels, bridges, endpoints, deviceStates] = await Promise.all([
        rest.info(),
        rest.listChannels(),
        rest.listBridges(),
        rest.listEndpoints(),
        rest.listDeviceStates(),
      ]);
      if (!current()) {
        rest.close();
        return;
      }
      this.rest?.close();
      this.rest = rest;
      this.pbx = {
        version: info.system?.version ?? 'unknown',
        entityId: info.system?.entity_id ?? '',
        systemName: info.config?.name ?? '',
      };
      // Everything received before the snapshot was requested is already in
      // the model; reconcile against it, then replay what arrived meanwhile.
      this.flush();
      const buffered = this.syncBuffer ?? [];
      this.syncBuffer = null;
      const snapshot = { channels, bridges, endpoints, deviceStates };
      const restored = reconcile(this.model, snapshot, this.clock.now(), this.everLive ? 'reconnect' : 'connect');
      this.batcher.addUnscheduled(restored);
      this.batcher.addUnscheduled(buffered);
      this.flush();
      this.everLive = true;
      // A new socket starts with no subscriptions beyond the app itself.
      for (const channel of this.model.channels.values()) if (channel.inStasis) this.watch(`channel:${channel.id}`);
      for (const bridge of this.model.bridges.values()) this.watch(`bridge:${bridge.id}`);
      this.dispatch({ type: 'live' });
    } catch (error) {
      if (!current()) return;
      this.linkFailed(error);
    }
  }

  private linkFailed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof ConsoleError && error.code === 'unauthorized') {
      this.log.warn('PBX refused our credentials', { profile: this.profile.id });
      this.dispatch({ type: 'unauthorized', error: message });
      return;
    }
    this.log.info('link attempt failed', { profile: this.profile.id, error: message });
    this.dispatch({ type: 'failed', error: message });
  }

  private linkClosed(reason: EventSocketClose): void {
    if (reason.code === 'unauthorized') {
      this.dispatch({ type: 'unauthorized', error: reason.message });
      return;
    }
    if (this.supervisor.status === 'live') {
      // Not batched: the operator must see "link lost" now, not a frame later.
      this.enqueue({ type: 'ConsoleLinkLost', at: this.clock.now(), reason: describeClose(reason) });
      this.flush();
    }
    this.dispatch({ type: 'failed', error: describeClose(reason) });
  }

  private closeLink(): void {
    this.generation += 1;
    this.syncBuffer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    if (this.supervisor.status === 'stopped') {
      // Stopped for good (user, replaced, refused): the model must say so too.
      if (this.everLive && this.model.linkLostAt === null) {
        const reason = this.supervisor.reason === 'user' ? 'disconnected by the operator' : (this.supervisor.lastError ?? this.supervisor.reason);
        this.enqueue({ type: 'ConsoleLinkLost', at: this.clock.now(), reason });
      }
      this.rest?.close();
      this.rest = null;
      this.flush();
    }
  }

  private receive(raw: unknown): void {
    if (typeof raw !== 'object' || raw === null || typeof (raw as { type?: unknown }).type !== 'string') {
      this.frameSkipped('skipped a frame that is not an ARI event', { frame: Array.isArray(raw) ? 'array' : typeof raw });
      return;
    }
    const event = raw as AriEvent;
    // The "Console" prefix is ours; a PBX frame claiming it is forged or broken.
    if (event.type.startsWith('Console')) {
      this.frameSkipped('skipped a frame posing as a console event', { type: event.type.slice(0, 80) });
      return;
    }
    this.options.onRawEvent?.(event);
    if (event.type === 'ApplicationReplaced') {
      this.log.warn('another client took over the application', { profile: this.profile.id, app: this.profile.app });
      this.flush();
      this.dispatch({ type: 'replaced' });
      return;
    }
    if (event.type === 'StasisStart' && typeof event.channel?.id === 'string') this.watch(`channel:${event.channel.id}`);
    if (this.syncBuffer) this.syncBuffer.push(event);
    else this.enqueue(event);
  }

  /**
   * Counts a frame the engine could not use and lets the UI see the count.
   * A PBX (or proxy) sending garbage may send a lot of it: the log keeps the
   * first fifty and then one in a thousand, and the status goes out at most
   * every quarter second rather than once per frame.
   */
  private frameSkipped(message: string, fields: Record<string, unknown>): void {
    this.skippedFrames += 1;
    if (this.skippedFrames <= 50 || this.skippedFrames % 1000 === 0) {
      this.log.warn(message, { profile: this.profile.id, skippedFrames: this.skippedFrames, ...fields });
    }
    if (this.skippedStatusTimer !== null) return;
    this.skippedStatusTimer = this.clock.setTimeout(() => {
      this.skippedStatusTimer = null;
      this.options.onStatus(this.status());
    }, SKIPPED_STATUS_INTERVAL_MS);
  }

  private enqueue(event: ModelEvent): void {
    this.batcher.add(event);
  }

  /** Applies pending events to the model and forwards them as one batch, now. */
  flush(): void {
    this.batcher.flush();
  }

  private forward(events: ModelEvent[]): void {
    const skippedBefore = this.model.eventsSkipped;
    this.model = applyEvents(this.model, events, this.clock.now());
    const skipped = this.model.eventsSkipped - skippedBefore;
    if (skipped > 0) {
      // Unknown types, missing fields, channels never seen: nothing to apply, but worth a trace.
      this.log.info('the call model skipped events it could not use', { profile: this.profile.id, skipped, of: events.length });
    }
    this.seq += 1;
    this.options.onBatch({ profileId: this.profile.id, seq: this.seq, events });
  }

  dispose(): void {
    this.stop();
    this.cancelRetry();
    if (this.skippedStatusTimer !== null) {
      this.clock.clearTimeout(this.skippedStatusTimer);
      this.skippedStatusTimer = null;
    }
    this.flush();
    this.rest?.close();
    this.rest = null;
  }
}

const SKIPPED_STATUS_INTERVAL_MS = 250;
const DEFAULT_BATCH_WINDOW_MS = 4;
/** Events per batch at most; see batcher.ts. */
const MAX_BATCH_EVENTS = 256;

function describeClose(reason: EventSocketClose): string {
  switch (reason.code) {
    case 'heartbeat':
      return `PBX stopped answering heartbeats (${reason.message})`;
    case 'connect_timeout':
      return `PBX did not accept the events connection in time (${reason.message})`;
    default:
      return reason.message || reason.code;
  }
}

/**
 * The backoff policy with another cap: the first retry never waits longer than
 * the cap either, so a cap under the default first delay is still honoured.
 */
export function withCap(policy: BackoffPolicy, maxDelayMs: number | undefined): BackoffPolicy {
  if (maxDelayMs === undefined) return policy;
  return { ...policy, maxDelayMs, initialDelayMs: Math.min(policy.initialDelayMs, maxDelayMs) };
}
