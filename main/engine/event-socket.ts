/**
 * One events WebSocket to ARI (/ari/events), with our own heartbeat and
 * connect deadline. Deliberately not ari-client's socket: that one puts the
 * password in the URL (?api_key=user:pass), reconnects on its own, and throws
 * on a malformed frame. Reconnection policy lives in the supervisor; this
 * module is exactly one link and reports exactly one end.
 */
import WebSocket from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { ConsoleError, type ErrorCode } from '../../common/errors.js';
import { loadCaFile } from './ca-file.js';
import { networkProblem } from './net-errors.js';

export type EventSocketCloseCode = 'closed' | 'heartbeat' | 'error' | 'unauthorized' | 'connect_timeout';

export interface EventSocketClose {
  code: EventSocketCloseCode;
  message: string;
}

export interface EventSocketOptions {
  baseUrl: string;
  username: string;
  password: string;
  app: string;
  subscribeAll: boolean;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  connectTimeoutMs: number;
  caFile?: string;
  onEvent(raw: unknown): void;
  onClose(reason: EventSocketClose): void;
  /** A frame that could not be parsed or delivered; it is skipped. */
  onMalformed?(error: Error): void;
}

export interface EventSocket {
  /** Resolves once the socket is open; rejects (with a ConsoleError) if it ends first. */
  ready: Promise<void>;
  /** Idempotent; never fires onClose, because the caller asked for it. */
  close(): void;
}

/**
 * Absolute http(s) URL of an ARI resource. Users paste the base address in
 * many shapes (with or without a trailing slash, with or without /ari, behind
 * a reverse-proxy prefix); all of them name the same API. Any user:pass in the
 * address is dropped: credentials travel only in the Authorization header.
 */
export function ariUrl(baseUrl: string, path: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl.trim());
  } catch {
    throw new ConsoleError('invalid_request', 'The ARI address is not a valid URL (expected http://host:8088).');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConsoleError('invalid_request', `The ARI address must start with http:// or https://, not ${url.protocol}//.`);
  }
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  let prefix = url.pathname.replace(/\/{2,}/g, '/').replace(/\/+$/, '');
  if (prefix.endsWith('/ari')) prefix = prefix.slice(0, -'/ari'.length);
  const rest = path.replace(/^\/+/, '');
  url.pathname = `${prefix}/ari${rest ? `/${rest}` : ''}`;
  return url.toString();
}

/** ws(s) URL of the events socket for one Stasis app. */
export function eventsUrl(baseUrl: string, app: string, subscribeAll: boolean): string {
  const url = new URL(ariUrl(baseUrl, 'events'));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  // encodeURIComponent, not URLSearchParams: a '+' for space is not decoded everywhere.
  url.search = `app=${encodeURIComponent(app)}&subscribeAll=${subscribeAll ? 'true' : 'false'}`;
  return url.toString();
}

export function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

const READY_ERROR: Record<EventSocketCloseCode, ErrorCode> = {
  closed: 'unavailable',
  heartbeat: 'timeout',
  error: 'unavailable',
  unauthorized: 'unauthorized',
  connect_timeout: 'timeout',
};

export function openEventSocket(options: EventSocketOptions): EventSocket {
  let resolveReady!: () => void;
  let rejectReady!: (error: ConsoleError) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Callers often only listen to onClose; a rejected `ready` nobody awaits
  // must not become an unhandled rejection.
  ready.catch(() => undefined);

  let ended = false;
  let opened = false;
  // Filled once the socket exists; `end` may run before that (bad CA file).
  const link: { ws?: WebSocket } = {};
  let connectTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let pongTimer: NodeJS.Timeout | undefined;

  const stopTimers = (): void => {
    clearTimeout(connectTimer);
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
    connectTimer = pingTimer = pongTimer = undefined;
  };

  // Single exit: everything that ends the link goes through here once.
  const end = (reason: EventSocketClose | null): void => {
    if (ended) return;
    ended = true;
    stopTimers();
    if (link.ws) letGo(link.ws, reason === null);
    if (!opened) {
      rejectReady(
        reason
          ? new ConsoleError(READY_ERROR[reason.code], reason.message)
          : new ConsoleError('not_connected', 'The events link was closed before it opened.'),
      );
    }
    if (reason) options.onClose(reason);
  };

  const malformed = (error: Error): void => {
    try {
      options.onMalformed?.(error);
    } catch {
      // A failing diagnostics hook must not take the link down.
    }
  };

  let url: string;
  try {
    url = eventsUrl(options.baseUrl, options.app, options.subscribeAll);
  } catch (error) {
    const message = error instanceof ConsoleError ? error.message : `The events link cannot start: ${errorText(error)}`;
    // Deferred so the caller holds the handle before onClose runs.
    queueMicrotask(() => end({ code: 'error', message }));
    return { ready, close: () => end(null) };
  }

  // Armed before the CA file is read: a slow disk counts against the same deadline.
  connectTimer = setTimeout(() => {
    end({ code: 'connect_timeout', message: `The PBX did not open the events link within ${options.connectTimeoutMs} ms.` });
  }, options.connectTimeoutMs);

  // Always settles after this function returns, so the caller holds the handle before onClose runs.
  loadCaFile(options.caFile, url).then(
    (ca) => {
      if (ended) return;
      try {
        const ws = new WebSocket(url, {
          headers: { Authorization: basicAuthHeader(options.username, options.password) },
          ...(ca ? { ca } : {}),
        });
        link.ws = ws;
        attach(ws);
      } catch (error) {
        end({ code: 'error', message: `The events link cannot start: ${errorText(error)}` });
      }
    },
    (error: unknown) => end({ code: 'error', message: error instanceof ConsoleError ? error.message : `The events link cannot start: ${errorText(error)}` }),
  );

  function attach(ws: WebSocket): void {
    // Any traffic proves the PBX is alive; only silence arms the watchdog.
    const sawTraffic = (): void => {
      clearTimeout(pongTimer);
      pongTimer = undefined;
    };

    const sendPing = (): void => {
      if (ended || ws.readyState !== WebSocket.OPEN) return;
      if (pongTimer === undefined) {
        pongTimer = setTimeout(() => {
          end({ code: 'heartbeat', message: `The PBX stopped answering (no pong within ${options.pongTimeoutMs} ms).` });
        }, options.pongTimeoutMs);
      }
      try {
        ws.ping();
      } catch (error) {
        end({ code: 'error', message: `Events link failed: ${errorText(error)}` });
      }
    };

    ws.on('open', () => {
      if (ended) return;
      opened = true;
      clearTimeout(connectTimer);
      connectTimer = undefined;
      pingTimer = setInterval(sendPing, options.pingIntervalMs);
      resolveReady();
    });

    ws.on('unexpected-response', (_request: ClientRequest, response: IncomingMessage) => {
      const status = response.statusCode ?? 0;
      response.resume();
      if (status === 401) {
        end({ code: 'unauthorized', message: 'The PBX refused the events link: wrong ARI username or password.' });
      } else if (status === 403) {
        end({ code: 'unauthorized', message: "The PBX refused the events link (HTTP 403): the ARI user's permit/deny in ari.conf does not allow this computer." });
      } else {
        end({ code: 'error', message: `The PBX refused the events link with HTTP ${status}.` });
      }
    });

    ws.on('pong', sawTraffic);
    ws.on('ping', sawTraffic);

    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      sawTraffic();
      if (ended) return;
      if (isBinary) {
        malformed(new Error('Skipped a binary frame on the events link.'));
        return;
      }
      const text = rawText(data);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        malformed(new Error(`Skipped a frame that is not JSON (${errorText(error)}): ${text.slice(0, 200)}`));
        return;
      }
      try {
        options.onEvent(parsed);
      } catch (error) {
        // A throwing consumer must not unwind into ws's parser.
        malformed(new Error(`The event handler failed: ${errorText(error)}`));
      }
    });

    ws.on('error', (error: Error) => {
      // The same words as the REST client's for the same failure: the UI shows whichever came first.
      const problem = networkProblem((error as NodeJS.ErrnoException).code);
      end({ code: 'error', message: problem ? `The events link cannot reach the PBX (${problem}).` : `Events link failed: ${errorText(error)}` });
    });

    ws.on('close', (code: number, reason: Buffer) => {
      const why = reason.length > 0 ? `: ${reason.toString('utf8')}` : '';
      end({ code: 'closed', message: `The PBX closed the events link (code ${code}${why}).` });
    });
  }

  return { ready, close: () => end(null) };
}

/**
 * A link the console closes itself (quit, profile off, replaced) says goodbye
 * with a close frame and lets the PBX finish its side; a dead or failing one
 * is cut at once. Why not always cut: Asterisk 22.10 writes the app's pending
 * events (a StasisEnd, say) on one thread while another reads the socket, and
 * when the TCP connection vanishes under both, both tear the session down.
 * Seen here after a console closed right behind a hangup: the write failed,
 * the teardown stalled, and from then on no app could open its events link
 * until Asterisk was restarted (test/asterisk/README.md). If the PBX does not
 * finish the close handshake within CLOSE_GRACE_MS, the socket is cut anyway.
 */
function letGo(ws: WebSocket, deliberate: boolean): void {
  if (!deliberate || ws.readyState !== WebSocket.OPEN) {
    ws.terminate();
    return;
  }
  const cut = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
  cut.unref?.();
  ws.once('close', () => clearTimeout(cut));
  ws.close(1000, 'console closing');
}

const CLOSE_GRACE_MS = 2000;

function rawText(data: WebSocket.RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
