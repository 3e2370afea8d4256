/**
 * ARI REST through ari-client, with every call bounded and every failure
 * turned into a ConsoleError.
 *
 * What ari-client 2.2.0 (swagger-client 2.0.26 over shred 0.8.10) gets wrong,
 * and what this module does about it:
 * - Credentials: ari-client registers them in swagger-client's process-global
 *   `authorizations` registry, so two connections with different users would
 *   overwrite each other. We hand ari-client empty credentials, remove its
 *   entry, and register one dispatcher that decorates each request with the
 *   credentials of the call or connect that issued it (tracked below).
 * - Status codes: on an HTTP error ari-client rejects with `new Error(body)`,
 *   dropping the status. The dispatcher wraps shred's response handlers and
 *   records the status itself.
 * - Network errors: shred emits them as `request_error`, which swagger-client
 *   never listens to, so a call to a dead PBX would hang forever. The wrapped
 *   handlers add that listener.
 * - Crashes: swagger-client's load failure path does `throw message` inside an
 *   HTTP callback (an uncaught exception in Electron's main process), and a
 *   non-JSON body throws the same way. The wrapped handlers catch both.
 * - Timeouts: neither swagger-client nor ari-client exposes one. Every call and
 *   the connect run against our own deadline. The unauthenticated reachability
 *   probe ari-client makes with `request` (no timeout, no agent) cannot be
 *   bounded: after our deadline it lingers until the peer closes the socket.
 * - TLS: no CA option exists anywhere. The dispatcher gives shred our own
 *   https.Agent carrying the CA (shred forwards `agent` to https.request).
 *   ari-client's probe still uses Node's default trust store; it only rejects
 *   on ECONNREFUSED/ENOTFOUND/ETIMEDOUT, so a TLS failure there is harmless.
 *   Asterisk's swagger says http:// even over TLS; the dispatcher puts every
 *   request to our own host back on https (see overTls).
 * - Base path: ari-client keeps only protocol and host of the base URL, so an
 *   ARI behind a reverse-proxy path prefix is not reachable over REST (the
 *   events socket, built by ariUrl, does honour a prefix).
 * - Noise: swagger-client console.logs a "deprecated version of Swagger" line
 *   per connect (into its global `log.history`); harmless, left alone.
 */
import { createRequire } from 'node:module';
import http from 'node:http';
import https from 'node:https';
import { ConsoleError } from '../../common/errors.js';
import { mapError } from './ari-errors.js';
import { loadCaFile } from './ca-file.js';
import { toPlainJson as plain, type AriBridge, type AriChannel, type AriDeviceState, type AriEndpoint, type AriPlayback, type AsteriskInfo } from './ari-json.js';
import { ariUrl, basicAuthHeader } from './event-socket.js';

export interface RestOptions {
  baseUrl: string;
  username: string;
  password: string;
  /** Deadline for the connect and for each call; default 5000 ms. */
  timeoutMs?: number;
  caFile?: string;
}

export type MuteDirection = 'in' | 'out' | 'both';

/** Timings in milliseconds, as ARI's sendDTMF takes them. */
export interface DtmfOptions { dtmf: string; before?: number; between?: number; duration?: number; after?: number }

export interface OriginateOptions {
  endpoint: string;
  extension?: string;
  context?: string;
  priority?: number;
  app?: string;
  appArgs?: string;
  callerId?: string;
  timeout?: number;
  channelId?: string;
  /** Id of the second leg of a Local channel (the one running the dialplan). */
  otherChannelId?: string;
  variables?: Record<string, string>;
}

export type SnoopDirection = 'none' | 'both' | 'out' | 'in';

export interface SnoopOptions {
  spy: SnoopDirection;
  whisper: SnoopDirection;
  app: string;
  appArgs?: string;
  snoopId?: string;
}

export interface AriRest {
  info(): Promise<AsteriskInfo>;
  listChannels(): Promise<AriChannel[]>;
  listBridges(): Promise<AriBridge[]>;
  listEndpoints(): Promise<AriEndpoint[]>;
  listDeviceStates(): Promise<AriDeviceState[]>;
  answer(channelId: string): Promise<void>;
  /**
   * A channel that is already gone counts as hung up. Likewise every other
   * DELETE (ringStop, unhold, unmute, stopSilence, stopMoh): on a gone
   * channel what it would remove is gone too, so it is done, not an error.
   */
  hangup(channelId: string, reason?: string): Promise<void>;
  ring(channelId: string): Promise<void>;
  ringStop(channelId: string): Promise<void>;
  hold(channelId: string): Promise<void>;
  unhold(channelId: string): Promise<void>;
  mute(channelId: string, direction: MuteDirection): Promise<void>;
  unmute(channelId: string, direction: MuteDirection): Promise<void>;
  sendDtmf(channelId: string, options: DtmfOptions): Promise<void>;
  startSilence(channelId: string): Promise<void>;
  stopSilence(channelId: string): Promise<void>;
  play(channelId: string, media: string, playbackId?: string): Promise<{ playbackId: string }>;
  originate(options: OriginateOptions): Promise<AriChannel>;
  continueInDialplan(channelId: string, target: { context?: string; extension?: string; priority?: number }): Promise<void>;
  createBridge(options: { type: 'mixing' | 'holding'; name?: string; bridgeId?: string }): Promise<AriBridge>;
  /** A bridge that is already gone counts as destroyed. */
  destroyBridge(bridgeId: string): Promise<void>;
  addChannel(bridgeId: string, channelId: string): Promise<void>;
  removeChannel(bridgeId: string, channelId: string): Promise<void>;
  /** Music on hold to one channel (it must not be in a bridge to hear it alone). */
  startMoh(channelId: string, mohClass?: string): Promise<void>;
  /** A channel that is already gone counts as stopped. */
  stopMoh(channelId: string): Promise<void>;
  startBridgeMoh(bridgeId: string, mohClass?: string): Promise<void>;
  /** A bridge that is already gone counts as stopped. */
  stopBridgeMoh(bridgeId: string): Promise<void>;
  /** A snoop channel on `channelId`, placed in `app`: listen (spy), whisper, or both. */
  snoop(channelId: string, options: SnoopOptions): Promise<AriChannel>;
  /** Adds an event source (`channel:<id>`, `bridge:<id>`) to the app's subscriptions. */
  subscribe(app: string, eventSource: string): Promise<void>;
  /** Rejects calls in flight with not_connected and releases the HTTP agent. */
  close(): void;
}

// ---- The slice of ari-client / swagger-client / shred we touch (untyped JS).

type Handler = (arg: unknown) => unknown;
interface SwaggerHttpObject {
  url: string;
  headers: Record<string, unknown>;
  on: Record<string, Handler>;
  agent?: unknown;
}
interface SwaggerModule {
  authorizations: { add(name: string, auth: { apply(obj: SwaggerHttpObject): boolean }): unknown; remove(name: string): unknown };
}
type Operation = (params: Record<string, unknown>) => PromiseLike<unknown>;
interface AriClientModule {
  connect(url: string, user: string, pass: string): PromiseLike<Record<string, unknown>>;
}

const requireHere = createRequire(import.meta.url);
const ariClientPath = requireHere.resolve('ari-client');
// Resolved from ari-client's own location so we patch the instance it uses.
const swagger = createRequire(ariClientPath)('swagger-client') as SwaggerModule;
const ariClient = requireHere(ariClientPath) as AriClientModule;

const OPERATIONS = {
  asterisk: ['getInfo'],
  channels: ['list', 'answer', 'hangup', 'ring', 'ringStop', 'hold', 'unhold', 'mute', 'unmute', 'sendDTMF', 'startSilence', 'stopSilence', 'play', 'originate', 'continueInDialplan', 'startMoh', 'stopMoh', 'snoopChannel'],
  bridges: ['list', 'create', 'destroy', 'addChannel', 'removeChannel', 'startMoh', 'stopMoh'],
  endpoints: ['list'],
  deviceStates: ['list'],
  applications: ['subscribe'],
} as const;

// ---- Per-request context, for the process-global dispatcher.

interface Transport {
  origin: string;
  authorization: string;
  agent: http.Agent;
}

/** One logical exchange: a REST call, or the swagger load of a connect. */
interface Exchange {
  transport: Transport;
  status?: number;
  networkError?: Error;
  fail(error: unknown): void;
}

// Set only during the synchronous part of a call: swagger applies
// authorizations synchronously inside the operation we invoke.
let calling: Exchange | null = null;
// The one swagger load in progress; connects are serialized for this.
let loading: Exchange | null = null;
let connectQueue: Promise<void> = Promise.resolve();
let dispatcherInstalled = false;

const dispatcher = {
  apply(obj: SwaggerHttpObject): boolean {
    if (loading && !calling) obj.url = overTls(obj.url, loading.transport.origin);
    const exchange = calling ?? (loading && originOf(obj.url) === loading.transport.origin ? loading : null);
    delete obj.headers.Authorization;
    if (exchange) {
      obj.url = overTls(obj.url, exchange.transport.origin);
      obj.headers.Authorization = exchange.transport.authorization;
      obj.agent = exchange.transport.agent;
      // shred also copies `agent` into User-Agent; this header wins.
      obj.headers['user-agent'] = 'ari-console';
    }
    // Strays (late requests of an abandoned connect) get no credentials but
    // are still instrumented, so their failures cannot crash the process.
    instrument(obj, exchange);
    return true;
  },
};

/**
 * ShredHttpClient replaces `obj.on` with its own handlers right before handing
 * obj to shred; a setter lets us wrap those and add `request_error`.
 */
function instrument(obj: SwaggerHttpObject, exchange: Exchange | null): void {
  let handlers = obj.on;
  const fail = (error: unknown): void => exchange?.fail(error);
  const wrap = (next: Record<string, Handler>): Record<string, Handler> => {
    const wrapped: Record<string, Handler> = {};
    for (const [name, handler] of Object.entries(next)) {
      wrapped[name] = (response: unknown) => {
        const status = (response as { status?: unknown } | null)?.status;
        if (exchange && typeof status === 'number' && status >= 400) exchange.status ??= status;
        try {
          return handler(response);
        } catch (error) {
          fail(error);
          return undefined;
        }
      };
    }
    wrapped.request_error = (error: unknown) => {
      if (exchange) exchange.networkError ??= error instanceof Error ? error : new Error(String(error));
      fail(error);
    };
    return wrapped;
  };
  Object.defineProperty(obj, 'on', {
    configurable: true,
    enumerable: true,
    get: () => handlers,
    set: (next: Record<string, Handler>) => {
      handlers = wrap(next);
    },
  });
}

/**
 * Asterisk writes its swagger basePath as http://<Host header>/ari even when
 * it is served over TLS, so every api-doc and operation URL swagger builds
 * from it would go to the TLS port in the clear (and hang). A URL naming our
 * own https server with http: goes back to https: — never the other way.
 */
function overTls(url: string, origin: string): string {
  if (!origin.startsWith('https:')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' || parsed.host !== new URL(origin).host) return url;
    parsed.protocol = 'https:';
    return parsed.toString();
  } catch {
    return url;
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

function withoutUndefined(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
}

/** Checked before calling: swagger-client throws a bare string on a missing path parameter. */
function describeTarget(verb: string, kind: 'channel' | 'bridge', id: string): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new ConsoleError('invalid_request', `Cannot ${verb} a ${kind} without its id.`);
  }
  return `${verb} ${kind} ${id}`;
}

// ---- Connect and the client.

/**
 * The compiled swagger of each PBX (by origin) and which PBX run it came from.
 * Loading it is a dozen API documents fetched and compiled, most of a
 * reconnect's time (bench/RESULTS.md, resync); the operations do not depend
 * on the credentials (the dispatcher adds them per call). A PBX restarted,
 * reloaded or upgraded meanwhile may offer other operations: its
 * GET /asterisk/info then differs and the swagger is loaded afresh.
 */
const compiled = new Map<string, { client: Record<string, unknown>; run: string }>();

/** What must be unchanged for a compiled swagger to still describe the PBX. */
function pbxRun(info: AsteriskInfo): string {
  return JSON.stringify([info.system?.version, info.system?.entity_id, info.status?.startup_time, info.status?.last_reload_time]);
}

/** Codes for which a fresh swagger load would fail just the same. */
const FINAL_PROBE_ERRORS = new Set(['unauthorized', 'timeout', 'unavailable']);

export async function connectRest(options: RestOptions): Promise<AriRest> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const origin = new URL(ariUrl(options.baseUrl, '')).origin;
  const authorization = basicAuthHeader(options.username, options.password);
  const secrets = [options.password, authorization.slice('Basic '.length)];
  const ca = await loadCaFile(options.caFile, origin);
  // keepAlive off: Asterisk drops idle sockets after 15 s and a POST racing
  // that close would fail with ECONNRESET; a fresh LAN connection is cheap.
  const agent = origin.startsWith('https:') ? new https.Agent({ keepAlive: false, ...(ca ? { ca } : {}) }) : new http.Agent({ keepAlive: false });
  const transport: Transport = { origin, authorization, agent };

  const cached = compiled.get(origin);
  if (cached) {
    // One GET checks the credentials and that it is the same PBX run.
    const rest = createRest(cached.client, transport, timeoutMs, secrets);
    try {
      if (pbxRun(await rest.probe('connect to ARI')) === cached.run) return rest;
    } catch (error) {
      if (error instanceof ConsoleError && FINAL_PROBE_ERRORS.has(error.code)) {
        rest.close();
        throw error;
      }
    }
    // Changed (or answering oddly): load the swagger afresh below, on the
    // same transport (the probe left nothing in flight on it).
    if (compiled.get(origin) === cached) compiled.delete(origin);
  }

  // The deadline starts when our turn comes: it measures the PBX, not the queue.
  const previous = connectQueue;
  let release!: () => void;
  connectQueue = new Promise<void>((resolve) => (release = resolve));
  await previous;
  let client: Record<string, unknown>;
  try {
    client = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const what = 'connect to ARI';
      let done = false;
      const settle = (action: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (loading === exchange) loading = null;
        action();
      };
      const exchange: Exchange = { transport, fail: (error) => settle(() => reject(mapError(what, error, exchange, secrets))) };
      const timer = setTimeout(() => settle(() => reject(new ConsoleError('timeout', `${what}: the PBX did not answer within ${timeoutMs} ms.`))), timeoutMs);
      loading = exchange;
      try {
        const pending = ariClient.connect(origin, '', '');
        // ari-client just registered its (empty) credentials globally.
        swagger.authorizations.remove('basic-auth');
        if (!dispatcherInstalled) swagger.authorizations.add('ari-console', dispatcher);
        dispatcherInstalled = true;
        pending.then((value) => settle(() => resolve(value)), exchange.fail);
      } catch (error) {
        exchange.fail(error);
      }
    });
    for (const [resource, operations] of Object.entries(OPERATIONS)) {
      for (const operation of operations) {
        if (typeof (client[resource] as Record<string, unknown> | undefined)?.[operation] !== 'function') {
          throw new ConsoleError('pbx_error', `connect to ARI: the PBX's ARI does not offer ${resource}.${operation}.`);
        }
      }
    }
  } catch (error) {
    agent.destroy();
    throw error;
  } finally {
    release();
  }
  const rest = createRest(client, transport, timeoutMs, secrets);
  // Remembered once we know which PBX run it describes; in the background,
  // so a first connect waits for nothing more than before. A PBX that will
  // not say is simply loaded afresh next time.
  rest.probe('read PBX info').then(
    (info) => compiled.set(origin, { client, run: pbxRun(info) }),
    () => undefined,
  );
  return rest;
}

function createRest(client: Record<string, unknown>, transport: Transport, timeoutMs: number, secrets: string[]): AriRest & { probe(what: string): Promise<AsteriskInfo> } {
  let closed = false;
  const inFlight = new Set<(error: ConsoleError) => void>();

  const invoke = (what: string, resource: string, operation: string, params: Record<string, unknown>): Promise<unknown> =>
    new Promise<unknown>((resolve, reject) => {
      if (closed) return reject(new ConsoleError('not_connected', `${what}: the ARI connection is closed.`));
      let done = false;
      const settle = (action: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        inFlight.delete(abort);
        action();
      };
      const abort = (error: ConsoleError): void => settle(() => reject(error));
      const exchange: Exchange = { transport, fail: (error) => abort(mapError(what, error, exchange, secrets)) };
      const timer = setTimeout(() => abort(new ConsoleError('timeout', `${what}: the PBX did not answer within ${timeoutMs} ms.`)), timeoutMs);
      inFlight.add(abort);
      const run = (client[resource] as Record<string, Operation>)[operation] as Operation;
      calling = exchange;
      try {
        run(withoutUndefined(params)).then((value) => settle(() => resolve(value)), exchange.fail);
      } catch (error) {
        exchange.fail(error);
      } finally {
        calling = null;
      }
    });

  const command = async (what: string, resource: string, operation: string, params: Record<string, unknown>, goneIsFine = false): Promise<void> => {
    try {
      await invoke(what, resource, operation, params);
    } catch (error) {
      if (!(goneIsFine && error instanceof ConsoleError && error.code === 'not_found')) throw error;
    }
  };
  const onChannel = async (verb: string, channelId: string, operation: string, params: Record<string, unknown> = {}, goneIsFine = false): Promise<void> =>
    command(describeTarget(verb, 'channel', channelId), 'channels', operation, { channelId, ...params }, goneIsFine);
  const membership = async (verb: 'add' | 'remove', bridgeId: string, channelId: string, operation: string): Promise<void> => {
    describeTarget(verb, 'channel', channelId);
    describeTarget(verb, 'bridge', bridgeId);
    const what = `${verb} channel ${channelId} ${verb === 'add' ? 'to' : 'from'} bridge ${bridgeId}`;
    return command(what, 'bridges', operation, { bridgeId, channel: channelId });
  };

  return {
    info: async () => plain<AsteriskInfo>(await invoke('read PBX info', 'asterisk', 'getInfo', {})),
    probe: async (what) => plain<AsteriskInfo>(await invoke(what, 'asterisk', 'getInfo', {})),
    listChannels: async () => plain<AriChannel[]>(await invoke('list channels', 'channels', 'list', {})),
    listBridges: async () => plain<AriBridge[]>(await invoke('list bridges', 'bridges', 'list', {})),
    listEndpoints: async () => plain<AriEndpoint[]>(await invoke('list endpoints', 'endpoints', 'list', {})),
    listDeviceStates: async () => plain<AriDeviceState[]>(await invoke('list device states', 'deviceStates', 'list', {})),
    answer: (id) => onChannel('answer', id, 'answer'),
    hangup: (id, reason) => onChannel('hang up', id, 'hangup', { reason }, true),
    ring: (id) => onChannel('ring', id, 'ring'),
    ringStop: (id) => onChannel('stop ringing on', id, 'ringStop', {}, true),
    hold: (id) => onChannel('hold', id, 'hold'),
    unhold: (id) => onChannel('take off hold', id, 'unhold', {}, true),
    mute: (id, direction) => onChannel('mute', id, 'mute', { direction }),
    unmute: (id, direction) => onChannel('unmute', id, 'unmute', { direction }, true),
    sendDtmf: (id, dtmf) => onChannel('send DTMF to', id, 'sendDTMF', { ...dtmf }),
    startSilence: (id) => onChannel('start silence on', id, 'startSilence'),
    stopSilence: (id) => onChannel('stop silence on', id, 'stopSilence', {}, true),
    continueInDialplan: (id, target) => onChannel('continue in dialplan', id, 'continueInDialplan', { ...target }),
    play: async (channelId, media, playbackId) => {
      const what = describeTarget(`play ${media} on`, 'channel', channelId);
      return { playbackId: plain<AriPlayback>(await invoke(what, 'channels', 'play', { channelId, media, playbackId })).id };
    },
    originate: async (target) => {
      const what = `originate a call to ${target.endpoint}`;
      if (!target.endpoint) throw new ConsoleError('invalid_request', 'Cannot originate a call without an endpoint.');
      return plain<AriChannel>(await invoke(what, 'channels', 'originate', { ...target }));
    },
    createBridge: async ({ type, name, bridgeId }) =>
      plain<AriBridge>(await invoke(`create a ${type} bridge`, 'bridges', 'create', { type, name, bridgeId })),
    destroyBridge: async (bridgeId) => command(describeTarget('destroy', 'bridge', bridgeId), 'bridges', 'destroy', { bridgeId }, true),
    addChannel: (bridgeId, channelId) => membership('add', bridgeId, channelId, 'addChannel'),
    removeChannel: (bridgeId, channelId) => membership('remove', bridgeId, channelId, 'removeChannel'),
    startMoh: (id, mohClass) => onChannel('start music on hold on', id, 'startMoh', { mohClass }),
    stopMoh: (id) => onChannel('stop music on hold on', id, 'stopMoh', {}, true),
    startBridgeMoh: (bridgeId, mohClass) => command(describeTarget('start music on hold on', 'bridge', bridgeId), 'bridges', 'startMoh', { bridgeId, mohClass }),
    stopBridgeMoh: (bridgeId) => command(describeTarget('stop music on hold on', 'bridge', bridgeId), 'bridges', 'stopMoh', { bridgeId }, true),
    snoop: async (channelId, options) => {
      const what = describeTarget('snoop on', 'channel', channelId);
      return plain<AriChannel>(await invoke(what, 'channels', 'snoopChannel', { channelId, ...options }));
    },
    subscribe: (app, eventSource) => command(`subscribe ${app} to ${eventSource}`, 'applications', 'subscribe', { applicationName: app, eventSource }),
    close: () => {
      if (closed) return;
      closed = true;
      for (const abort of [...inFlight]) abort(new ConsoleError('not_connected', 'The ARI connection was closed while a request was in flight.'));
      transport.agent.destroy();
    },
  };
}
