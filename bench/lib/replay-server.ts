/**
 * A loopback stand-in for Asterisk's ARI: the events WebSocket (/ari/events,
 * Basic auth header or ari-client's api_key query) replays a recording, and a
 * REST stub answers what a client asks on connect - swagger (/ari/api-docs),
 * /asterisk/info and the four lists - from fixtures.
 *
 * The WebSocket side is a minimal RFC 6455 server written here rather than
 * `ws`'s WebSocketServer: replay writes pre-framed laps straight to the TCP
 * socket (one memcpy per event), so on a 2-core machine the server never
 * becomes the bottleneck of the ingest figure it is meant to feed.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { basicAuthHeader } from '../../main/engine/event-socket.js';
import { loadJson, type Replay } from './fixture.js';

export interface Snapshot {
  channels: unknown[];
  bridges: unknown[];
  endpoints: unknown[];
  deviceStates: unknown[];
  info?: unknown;
}

export interface EventsConnection {
  readonly app: string;
  readonly subscribeAll: boolean;
  readonly socket: Socket;
  /** Writes pre-framed bytes; resolves once the socket can take more. */
  write(bytes: Buffer): Promise<void>;
  /** A clean close frame, then the TCP end. */
  close(code?: number): void;
  readonly closed: Promise<void>;
}

export interface ReplayServerOptions {
  readonly username: string;
  readonly password: string;
  /** The lists the REST stub answers; read on every request, so a bench can swap them. */
  snapshot: () => Snapshot;
  onConnection?: (connection: EventsConnection) => void;
}

export interface ReplayServer {
  readonly baseUrl: string;
  readonly connections: Set<EventsConnection>;
  /** Resolves with the next events connection. */
  nextConnection(): Promise<EventsConnection>;
  close(): Promise<void>;
}

/** The stub's own credentials: loopback only, nothing to do with any PBX. */
export const REPLAY_USER = 'bench';
export const REPLAY_PASSWORD = 'replay-only';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

let docsCache: Map<string, Record<string, unknown>> | null = null;

function apiDocs(): Map<string, Record<string, unknown>> {
  if (docsCache) return docsCache;
  const resources = loadJson<{ apis: { path: string }[] }>('ari-api-docs/resources.json');
  docsCache = new Map([['resources.json', resources]]);
  for (const api of resources.apis) {
    const name = api.path.replace('/api-docs/', '').replace('{format}', 'json');
    docsCache.set(name, loadJson(`ari-api-docs/${name}`));
  }
  return docsCache;
}

export async function startReplayServer(options: ReplayServerOptions): Promise<ReplayServer> {
  const expected = basicAuthHeader(options.username, options.password);
  const apiKey = `${options.username}:${options.password}`;
  const connections = new Set<EventsConnection>();
  const sockets = new Set<Socket>();
  let waiting: Array<(connection: EventsConnection) => void> = [];
  let origin = '';

  const authorized = (request: IncomingMessage, url: URL): boolean =>
    request.headers.authorization === expected || url.searchParams.get('api_key') === apiKey;

  // Lists are serialized once per snapshot object: the stub must not add its own cost to the client's.
  const texts = new WeakMap<object, string>();
  const json = (response: ServerResponse, status: number, body: unknown): void => {
    let text = typeof body === 'object' && body !== null ? texts.get(body) : undefined;
    if (text === undefined) {
      text = JSON.stringify(body);
      if (typeof body === 'object' && body !== null) texts.set(body, text);
    }
    response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    if (!authorized(request, url)) return json(response, 401, { message: 'Authentication required' });
    const path = url.pathname.replace(/^\/ari\/?/, '');
    if (path.startsWith('api-docs/')) {
      const doc = apiDocs().get(path.slice('api-docs/'.length));
      // Swagger's basePath names the server that was asked, as Asterisk does.
      return doc ? json(response, 200, { ...doc, basePath: `${origin}/ari` }) : json(response, 404, { message: 'no such doc' });
    }
    const snapshot = options.snapshot();
    if (request.method === 'GET') {
      const lists: Record<string, unknown> = {
        channels: snapshot.channels,
        bridges: snapshot.bridges,
        endpoints: snapshot.endpoints,
        deviceStates: snapshot.deviceStates,
        'asterisk/info': snapshot.info ?? { system: { version: 'replay', entity_id: '00:00:00:00:00:00' }, config: { name: 'replay' } },
      };
      if (path in lists) return json(response, 200, lists[path]);
    }
    if (request.method === 'POST' && /^applications\/[^/]+\/subscription$/.test(path)) return json(response, 200, {});
    return json(response, 404, { message: `replay stub has no ${request.method} /${path}` });
  });

  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    const url = new URL(request.url ?? '/', origin);
    const key = request.headers['sec-websocket-key'];
    if (url.pathname !== '/ari/events' || typeof key !== 'string') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!authorized(request, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.setNoDelay(true);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    const connection = openConnection(socket, url);
    connections.add(connection);
    void connection.closed.then(() => connections.delete(connection));
    options.onConnection?.(connection);
    const wake = waiting;
    waiting = [];
    for (const resolveNext of wake) resolveNext(connection);
  });

  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', () => resolveListen()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: origin,
    connections,
    nextConnection: () => new Promise((resolveNext) => waiting.push(resolveNext)),
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolveClose());
      }),
  };
}

/** The client side only ever sends small control frames to us: answer pings, honour close. */
function openConnection(socket: Socket, url: URL): EventsConnection {
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolveDone) => (resolveClosed = resolveDone));
  socket.on('close', () => resolveClosed());
  socket.on('error', () => socket.destroy());
  let pending: Buffer = Buffer.alloc(0);

  const control = (opcode: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);

  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 2) {
      const opcode = (pending[0] as number) & 0x0f;
      const masked = ((pending[1] as number) & 0x80) !== 0;
      let length = (pending[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (pending.length < 4) return;
        length = pending.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (pending.length < 10) return;
        length = Number(pending.readBigUInt64BE(2));
        offset = 10;
      }
      const mask = masked ? pending.subarray(offset, offset + 4) : null;
      offset += masked ? 4 : 0;
      if (pending.length < offset + length) return;
      const payload = Buffer.from(pending.subarray(offset, offset + length));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
      pending = pending.subarray(offset + length);
      if (opcode === 0x9) socket.write(control(0xa, payload));
      else if (opcode === 0x8) {
        socket.end(control(0x8, payload.subarray(0, 2)));
        return;
      }
    }
  });

  return {
    app: url.searchParams.get('app') ?? '',
    subscribeAll: url.searchParams.get('subscribeAll') === 'true',
    socket,
    write: (bytes) =>
      new Promise<void>((resolveWrite) => {
        if (socket.destroyed || socket.writableEnded) return resolveWrite();
        if (socket.write(bytes)) return resolveWrite();
        // A client that leaves mid-lap never drains: its close ends the wait too.
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolveWrite();
        };
        socket.once('drain', done);
        socket.once('close', done);
      }),
    close: (code = 1000) => {
      if (socket.destroyed) return;
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      socket.end(control(0x8, payload));
    },
    closed,
  };
}

/** Default stub lists: the PBX as it was when the recording began. */
export function startSnapshot(): Snapshot {
  return loadJson<Snapshot>('snapshot-start.json');
}

/**
 * Streams `laps` re-keyed laps as fast as the socket takes them. The next lap
 * is framed while the current one drains, so the client never waits on us.
 */
export async function streamLaps(connection: EventsConnection, replay: Replay, laps: number, firstLap = 1): Promise<void> {
  let next: Buffer | null = replay.wsLap(firstLap);
  for (let lap = firstLap; next; lap++) {
    const sent = connection.write(next);
    next = lap + 1 < firstLap + laps ? replay.wsLap(lap + 1) : null;
    await sent;
  }
}

/**
 * Streams `events` events at `rate` per second (laps re-keyed as above), in
 * 5 ms ticks: for latency benches that need a steady, realistic load.
 */
export async function streamPaced(connection: EventsConnection, replay: Replay, rate: number, events: number, firstLap = 1): Promise<void> {
  const perLap = replay.eventsPerLap;
  const started = performance.now();
  let sent = 0;
  while (sent < events && !connection.socket.destroyed) {
    const due = Math.min(events, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    while (sent < due) {
      const lap = firstLap + Math.floor(sent / perLap);
      const from = sent % perLap;
      const to = Math.min(perLap, from + (due - sent));
      await connection.write(replay.wsLap(lap, from, to));
      sent += to - from;
    }
    await new Promise((resolveTick) => setTimeout(resolveTick, 5));
  }
}
