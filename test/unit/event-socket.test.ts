import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import { isConsoleError } from '../../common/errors.js';
import { openEventSocket, type EventSocket, type EventSocketClose, type EventSocketOptions } from '../../main/engine/event-socket.js';
import { freePort } from '../free-port.js';

const USER = 'console';
const PASSWORD = 'p@ss:word';
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface FakeAri {
  baseUrl: string;
  upgrades: IncomingMessage[];
  clients: WebSocket[];
  connected: Promise<WebSocket>;
}

async function fakeAri(options: ServerOptions = {}): Promise<FakeAri> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const upgrades: IncomingMessage[] = [];
  const clients: WebSocket[] = [];
  const connected = new Promise<WebSocket>((resolve) => {
    wss.on('connection', (ws, request) => {
      upgrades.push(request);
      clients.push(ws);
      resolve(ws);
    });
  });
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.terminate();
        wss.close(() => resolve());
      }),
  );
  const { port } = wss.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, upgrades, clients, connected };
}

/** Accepts TCP and never answers the HTTP upgrade. */
async function silentServer(): Promise<string> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Harness {
  socket: EventSocket;
  events: unknown[];
  malformed: Error[];
  closes: EventSocketClose[];
  closed: Promise<EventSocketClose>;
}

function open(baseUrl: string, overrides: Partial<EventSocketOptions> = {}): Harness {
  const events: unknown[] = [];
  const malformed: Error[] = [];
  const closes: EventSocketClose[] = [];
  let resolveClosed!: (reason: EventSocketClose) => void;
  const closed = new Promise<EventSocketClose>((resolve) => (resolveClosed = resolve));
  const socket = openEventSocket({
    baseUrl,
    username: USER,
    password: PASSWORD,
    app: 'console',
    subscribeAll: true,
    pingIntervalMs: 20,
    pongTimeoutMs: 60,
    connectTimeoutMs: 2000,
    onEvent: (raw) => events.push(raw),
    onMalformed: (error) => malformed.push(error),
    onClose: (reason) => {
      closes.push(reason);
      resolveClosed(reason);
    },
    ...overrides,
  });
  cleanups.push(() => socket.close());
  return { socket, events, malformed, closes, closed };
}

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function readyError(socket: EventSocket): Promise<unknown> {
  try {
    await socket.ready;
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('openEventSocket', () => {
  it('authenticates with a Basic header only and asks for the app and subscribeAll', async () => {
    const ari = await fakeAri();
    const link = open(`${ari.baseUrl}/ari/`);
    await link.socket.ready;
    const request = ari.upgrades[0];
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
    expect(request?.url).toBe('/ari/events?app=console&subscribeAll=true');
    expect(request?.url).not.toContain('api_key');
    expect(request?.url).not.toContain(encodeURIComponent(PASSWORD));
  });

  it('delivers parsed events and skips a malformed frame without closing', async () => {
    const ari = await fakeAri();
    const link = open(ari.baseUrl);
    await link.socket.ready;
    const server = await ari.connected;
    server.send(JSON.stringify({ type: 'StasisStart', channel: { id: '1.1' } }));
    server.send('{"type": "broken"');
    server.send(Buffer.from([1, 2, 3]), { binary: true });
    server.send(JSON.stringify({ type: 'StasisEnd', channel: { id: '1.1' } }));
    await expect.poll(() => link.events.length).toBe(2);
    expect(link.events).toEqual([
      { type: 'StasisStart', channel: { id: '1.1' } },
      { type: 'StasisEnd', channel: { id: '1.1' } },
    ]);
    expect(link.malformed).toHaveLength(2);
    expect(link.closes).toEqual([]);
  });

  it('survives a throwing onEvent handler', async () => {
    const ari = await fakeAri();
    const link = open(ari.baseUrl, {
      onEvent: () => {
        throw new Error('consumer bug');
      },
    });
    await link.socket.ready;
    (await ari.connected).send('{"type":"Dial"}');
    await expect.poll(() => link.malformed.length).toBe(1);
    expect(link.malformed[0]?.message).toContain('consumer bug');
    expect(link.closes).toEqual([]);
  });

  it('stays up while the PBX answers pings', async () => {
    const ari = await fakeAri();
    const link = open(ari.baseUrl, { pingIntervalMs: 10, pongTimeoutMs: 250 });
    await link.socket.ready;
    await settle(400);
    expect(link.closes).toEqual([]);
  });

  it('detects a PBX that stops answering pings (frozen) as heartbeat, once', async () => {
    const ari = await fakeAri({ autoPong: false });
    const link = open(ari.baseUrl);
    await link.socket.ready;
    const reason = await link.closed;
    expect(reason.code).toBe('heartbeat');
    await settle(100);
    expect(link.closes).toHaveLength(1);
  });

  it('reports a PBX that closes the link as closed, once', async () => {
    const ari = await fakeAri();
    const link = open(ari.baseUrl);
    await link.socket.ready;
    (await ari.connected).close(1001, 'shutting down');
    const reason = await link.closed;
    expect(reason.code).toBe('closed');
    expect(reason.message).toContain('1001');
    await settle(100);
    expect(link.closes).toHaveLength(1);
  });

  it('gives up on an upgrade that never comes: connect_timeout', async () => {
    const baseUrl = await silentServer();
    const link = open(baseUrl, { connectTimeoutMs: 50 });
    const reason = await link.closed;
    expect(reason.code).toBe('connect_timeout');
    const error = await readyError(link.socket);
    expect(isConsoleError(error) && error.code).toBe('timeout');
    await settle(100);
    expect(link.closes).toHaveLength(1);
  });

  it('maps a 401 on upgrade to unauthorized without leaking the password', async () => {
    const ari = await fakeAri({ verifyClient: (_info, done) => done(false, 401, 'Unauthorized') });
    const link = open(ari.baseUrl);
    const reason = await link.closed;
    expect(reason.code).toBe('unauthorized');
    expect(reason.message).not.toContain(PASSWORD);
    const error = await readyError(link.socket);
    expect(isConsoleError(error) && error.code).toBe('unauthorized');
    await settle(50);
    expect(link.closes).toHaveLength(1);
  });

  it.each([
    [401, /wrong ARI username or password/],
    // Asterisk's answer when the ARI user's permit/deny excludes this computer: the password is not the problem.
    [403, /HTTP 403\): the ARI user's permit\/deny in ari\.conf does not allow this computer/],
  ] as const)('says what a %i on upgrade means', async (status, words) => {
    const ari = await fakeAri({ verifyClient: (_info, done) => done(false, status, 'No') });
    const reason = await open(ari.baseUrl).closed;
    expect(reason.code).toBe('unauthorized');
    expect(reason.message).toMatch(words);
  });

  it('reports a refused connection as error', async () => {
    const link = open(`http://127.0.0.1:${await freePort()}`);
    expect((await link.closed).code).toBe('error');
    expect(isConsoleError(await readyError(link.socket))).toBe(true);
  });

  it('close() is silent and idempotent, open or still connecting', async () => {
    const ari = await fakeAri();
    const link = open(ari.baseUrl);
    await link.socket.ready;
    link.socket.close();
    link.socket.close();
    const early = open(await silentServer());
    early.socket.close();
    expect(isConsoleError(await readyError(early.socket))).toBe(true);
    await settle(150);
    expect(link.closes).toEqual([]);
    expect(early.closes).toEqual([]);
    await expect.poll(() => ari.clients[0]?.readyState).toBe(3);
  });

  it('close() says goodbye with a close frame, so the PBX ends the session in order', async () => {
    const ari = await fakeAri();
    const link = open(ari.baseUrl);
    await link.socket.ready;
    const server = await ari.connected;
    const seen = new Promise<number>((resolve) => server.once('close', (code) => resolve(code)));
    server.send(JSON.stringify({ type: 'StasisEnd' }));
    link.socket.close();
    // 1000 is a close frame the client sent; a cut TCP connection reads as 1006.
    expect(await seen).toBe(1000);
    expect(link.closes).toEqual([]);
  });

  it('a link that died (no pong) is cut without waiting for a goodbye', async () => {
    const ari = await fakeAri({ autoPong: false });
    const link = open(ari.baseUrl);
    await link.socket.ready;
    const server = await ari.connected;
    const seen = new Promise<number>((resolve) => server.once('close', (code) => resolve(code)));
    expect((await link.closed).code).toBe('heartbeat');
    expect(await seen).toBe(1006);
  });

  it('cuts a deliberate close the PBX never answers, after a grace', async () => {
    // A PBX that completes the upgrade and then never reads again (too wedged
    // to answer a close frame): the console must not hold the socket for
    // ws's own 30 s close timeout.
    const gone = new Promise<void>((resolve) => {
      const server = createServer((socket) => {
        socket.once('data', (head) => {
          const key = /sec-websocket-key: *(\S+)/i.exec(head.toString('latin1'))?.[1] ?? '';
          const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
          socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
          socket.on('data', () => undefined);
        });
        socket.once('close', () => resolve());
      });
      server.listen(0, '127.0.0.1', () => {
        const link = open(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { pingIntervalMs: 60_000 });
        void link.socket.ready.then(() => link.socket.close());
      });
      cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
    });
    await gone;
  });

  it('reports an unreadable CA file through onClose, after returning the handle', async () => {
    const link = open('https://127.0.0.1:1', { caFile: '/nonexistent/ca.pem' });
    expect(link.closes).toEqual([]);
    const reason = await link.closed;
    expect(reason.code).toBe('error');
    expect(reason.message).toContain('/nonexistent/ca.pem');
  });
});
