import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';
import { STATUS_CODES, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { describeIssues, type Result } from '../../common/contract.js';
import { toErrorShape, type ErrorCode } from '../../common/errors.js';
import {
  HOST_MAX_FRAME_BYTES,
  HOST_MAX_REQUEST_BYTES,
  HOST_SUBPROTOCOL,
  HOST_TOKEN_HASH_PARAM,
  HOST_TOKEN_SUBPROTOCOL_PREFIX,
  HOST_WS_PATH,
  hostRequestSchema,
  idOf,
  isValidHostToken,
  readLeadingId,
} from '../../common/host-protocol.js';
import type { ConsoleBackend } from '../backend.js';
import { silentLogger, type Logger } from '../log.js';

/**
 * Serves the built renderer to an ordinary browser and carries the IPC
 * contract over a WebSocket, for machines where Electron cannot run. The same
 * ConsoleBackend answers both transports. Anything on the machine can reach a
 * loopback port, so the socket demands the per-run token and our own Origin.
 */

export interface BrowserHostOptions {
  backend: ConsoleBackend;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** Loopback only: the host has no TLS and no login beyond the token. */
  host?: '127.0.0.1';
  /** 0 (the default) picks a free port. */
  port?: number;
  token?: string;
  logger?: Logger;
  /** A socket whose unsent data exceeds this is dropped (its client resynchronizes on reconnect). */
  maxBufferedBytes?: number;
}

export interface BrowserHost {
  /** Opens the console; carries the token in the fragment. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** The address actually bound. */
  readonly address: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Requests one socket may have in flight; more is a runaway page, not an operator. */
const MAX_IN_FLIGHT = 256;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function securityHeaders(origin: string): Record<string, string> {
  const wsOrigin = origin.replace(/^http:/, 'ws:');
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src ${wsOrigin}`,
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
}

/**
 * The file a request path names inside root, or null. Works on the raw path
 * (before any URL normalization could hide a `..`), refuses dotfiles, and
 * checks the real path too so a symlink cannot lead out.
 */
async function resolveStatic(root: string, rawUrl: string | undefined): Promise<string | null> {
  if (!rawUrl?.startsWith('/')) return null;
  const rawPath = rawUrl.split(/[?#]/, 1)[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.slice(1);
  const segments = relative.split('/');
  if (segments.some((segment) => segment === '' || segment.startsWith('.'))) return null;
  const candidate = resolve(root, relative);
  if (!candidate.startsWith(root + sep)) return null;
  try {
    const real = await realpath(candidate);
    if (!real.startsWith(root + sep)) return null;
    return (await stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}

function tokenDigest(value: string): Buffer {
  // Equal-length digests let timingSafeEqual compare without leaking the length.
  return createHash('sha256').update(value).digest();
}

function presentedToken(req: IncomingMessage): string | null {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return null;
  const offered = header.split(',').map((item) => item.trim());
  const entry = offered.find((item) => item.startsWith(HOST_TOKEN_SUBPROTOCOL_PREFIX));
  return entry ? entry.slice(HOST_TOKEN_SUBPROTOCOL_PREFIX.length) : null;
}

function refuseUpgrade(socket: Duplex, status: number): void {
  const text = STATUS_CODES[status] ?? 'Refused';
  socket.on('error', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
}

function failure(code: ErrorCode, message: string): Result<unknown> {
  return { ok: false, error: { code, message } };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const { backend } = options;
  const logger = options.logger ?? silentLogger;
  const bindAddress = options.host ?? '127.0.0.1';
  if (bindAddress !== '127.0.0.1') throw new Error('The browser host binds 127.0.0.1 only.');
  const token = options.token ?? randomBytes(24).toString('base64url');
  if (!isValidHostToken(token)) throw new Error('The host token must be 16-256 base64url characters.');
  const expectedToken = tokenDigest(token);
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;

  let root: string;
  try {
    root = await realpath(options.rendererDir);
    await stat(resolve(root, 'index.html'));
  } catch {
    throw new Error(`No built renderer in ${options.rendererDir} (expected index.html): run the build first.`);
  }

  // Known once listening; every check below compares against the bound port.
  let origin = '';
  let hostHeader = '';
  const sockets = new Set<WebSocket>();

  const send = (socket: WebSocket, text: string): void => {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(text);
    if (socket.bufferedAmount > maxBufferedBytes) {
      // Growing without bound would take the host down with one stuck tab;
      // the tab reconnects and resnapshots instead.
      logger.warn('Dropping a browser client that stopped reading', { bufferedBytes: socket.bufferedAmount });
      socket.terminate();
    }
  };

  const reply = (socket: WebSocket, id: number, result: Result<unknown>): void => {
    let text: string;
    try {
      text = JSON.stringify({ id, result });
    } catch (error) {
      text = JSON.stringify({ id, result: failure('internal', `Unserializable answer: ${toErrorShape(error).message}`) });
    }
    send(socket, text);
  };

  const onConnection = (socket: WebSocket): void => {
    sockets.add(socket);
    let inFlight = 0;
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (error) => logger.debug('Browser socket error', { error }));
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const buffer = toBuffer(data);
      if (buffer.byteLength > HOST_MAX_REQUEST_BYTES) {
        const id = readLeadingId(buffer.subarray(0, 64).toString('utf8'));
        if (id !== null) reply(socket, id, failure('invalid_request', `Request larger than ${HOST_MAX_REQUEST_BYTES} bytes`));
        return;
      }
      const text = buffer.toString('utf8');
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        const id = readLeadingId(text);
        if (id !== null) reply(socket, id, failure('invalid_request', 'Request is not valid JSON'));
        return;
      }
      const parsed = hostRequestSchema.safeParse(raw);
      if (!parsed.success) {
        const id = idOf(raw);
        if (id !== null) reply(socket, id, failure('invalid_request', `Malformed request: ${describeIssues(parsed.error)}`));
        return;
      }
      const { id, channel, payload } = parsed.data;
      if (inFlight >= MAX_IN_FLIGHT) {
        reply(socket, id, failure('unavailable', 'Too many requests at once; try again.'));
        return;
      }
      inFlight += 1;
      // dispatch promises never to throw; a bug there must still cost one answer, not the host.
      backend
        .dispatch(channel, payload)
        .catch((error: unknown): Result<unknown> => ({ ok: false, error: toErrorShape(error) }))
        .then((result) => {
          inFlight -= 1;
          reply(socket, id, result);
        });
    });
  };

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: HOST_MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(HOST_SUBPROTOCOL) ? HOST_SUBPROTOCOL : false),
  });

  const serveStatic = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = securityHeaders(origin);
    const plain = (status: number): void => {
      const text = STATUS_CODES[status] ?? '';
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    // A foreign Host means DNS rebinding or a misdirected proxy, never our page.
    if (req.headers.host !== hostHeader) return plain(403);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405);
    const file = await resolveStatic(root, req.url);
    if (!file) return plain(404);
    const body = await readFile(file);
    res.writeHead(200, {
      ...headers,
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body.byteLength,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    serveStatic(req, res).catch((error: unknown) => {
      logger.warn('Could not serve a renderer file', { error });
      if (!res.headersSent) res.writeHead(500, securityHeaders(origin));
      res.end();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== HOST_WS_PATH) return refuseUpgrade(socket, 404);
    if (req.headers.host !== hostHeader || req.headers.origin !== origin) {
      logger.warn('Refused a WebSocket from a foreign origin', { origin: req.headers.origin ?? null });
      return refuseUpgrade(socket, 403);
    }
    const presented = presentedToken(req);
    if (presented === null || !timingSafeEqual(tokenDigest(presented), expectedToken)) {
      logger.warn('Refused a WebSocket without the console token');
      return refuseUpgrade(socket, 401);
    }
    wss.handleUpgrade(req, socket, head, onConnection);
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen({ host: bindAddress, port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  server.on('error', (error) => logger.error('Browser host server error', { error }));
  const address = server.address() as AddressInfo;
  origin = `http://${bindAddress}:${address.port}`;
  hostHeader = `${bindAddress}:${address.port}`;

  const unsubscribe = backend.subscribe((channel, payload) => {
    let text: string;
    try {
      text = JSON.stringify({ event: channel, payload });
    } catch (error) {
      logger.error('Could not serialize an event for browsers', { channel, error });
      return;
    }
    for (const socket of sockets) send(socket, text);
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unsubscribe();
      const closed = [...sockets].map((socket) => new Promise<void>((done) => socket.once('close', () => done())));
      for (const socket of sockets) socket.close(1001, 'Console host shutting down');
      // A client that ignores the close handshake must not hold shutdown hostage.
      const timer = setTimeout(() => sockets.forEach((socket) => socket.terminate()), 500);
      await Promise.all(closed);
      clearTimeout(timer);
      wss.close();
      const stopped = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await stopped;
    })();
    return closing;
  };

  return {
    url: `${origin}/#${HOST_TOKEN_HASH_PARAM}=${token}`,
    port: address.port,
    token,
    address: address.address,
    close,
  };
}
