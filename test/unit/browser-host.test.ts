import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createConsoleClient } from '../../common/client.js';
import type { EventChannel, Result } from '../../common/contract.js';
import { ConsoleError } from '../../common/errors.js';
import { HOST_MAX_REQUEST_BYTES, HOST_SUBPROTOCOL, HOST_WS_PATH, tokenSubprotocol } from '../../common/host-protocol.js';
import type { ConsoleBackend } from '../../main/backend.js';
import { startBrowserHost, type BrowserHost } from '../../main/browser-host/server.js';
import type { HostLink } from '../../renderer/src/lib/console-store.js';
import { createWebSocketTransport, type SocketFactory } from '../../renderer/src/lib/ws-transport.js';

const TOKEN = 'test-token-0123456789abcdef';

function fakeBackend() {
  const listeners = new Set<(channel: EventChannel, payload: unknown) => void>();
  const calls: { channel: unknown; payload: unknown }[] = [];
  let hold: Promise<void> | null = null;
  const backend: ConsoleBackend = {
    async dispatch(channel, payload): Promise<Result<unknown>> {
      calls.push({ channel, payload });
      if (hold) await hold;
      if (channel === 'engine.statuses') return { ok: true, value: [] };
      return { ok: false, error: { code: 'unknown_channel', message: `No such request: ${String(channel)}` } };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
  return {
    backend,
    calls,
    listeners,
    emit: (channel: EventChannel, payload: unknown) => listeners.forEach((listener) => listener(channel, payload)),
    holdAnswers: () => {
      let release = () => {};
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = null;
        release();
      };
    },
  };
}

let base: string;
let rendererDir: string;
const hosts: BrowserHost[] = [];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'browser-host-'));
  rendererDir = join(base, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="./assets/app.js"></script>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("app");');
  await writeFile(join(rendererDir, 'assets', 'app.css'), 'body{}');
  await writeFile(join(rendererDir, '.env'), 'SECRET=1');
  await writeFile(join(base, 'secret.txt'), 'outside the renderer');
  await symlink(join(base, 'secret.txt'), join(rendererDir, 'link-out.txt'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.close()));
});

async function start(options: { maxBufferedBytes?: number; port?: number } = {}) {
  const fake = fakeBackend();
  const host = await startBrowserHost({ backend: fake.backend, rendererDir, token: TOKEN, ...options });
  hosts.push(host);
  return { host, ...fake, origin: `http://127.0.0.1:${host.port}` };
}

/** A raw HTTP GET: fetch() would normalize the `..` away before sending. */
function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

type Opened = { socket: WebSocket; messages: unknown[]; next: () => Promise<unknown> };

/** Resolves with the open socket, or with the HTTP status the server refused the upgrade with. */
function openSocket(port: number, options: { token?: string | null; origin?: string | null; path?: string } = {}): Promise<Opened | { status: number }> {
  const protocols = [HOST_SUBPROTOCOL];
  if (options.token !== null) protocols.push(tokenSubprotocol(options.token ?? TOKEN));
  const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? HOST_WS_PATH}`, protocols, {
    ...(options.origin === null ? {} : { origin: options.origin ?? `http://127.0.0.1:${port}` }),
  });
  const messages: unknown[] = [];
  const waiters: ((message: unknown) => void)[] = [];
  socket.on('message', (data) => {
    const message: unknown = JSON.parse(String(data));
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else messages.push(message);
  });
  const next = () => (messages.length > 0 ? Promise.resolve(messages.shift()) : new Promise<unknown>((resolve) => waiters.push(resolve)));
  return new Promise((resolve, reject) => {
    socket.on('open', () => resolve({ socket, messages, next }));
    socket.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.on('error', (error) => {
      if (socket.readyState !== WebSocket.CLOSED) reject(error);
    });
  });
}

async function opened(port: number): Promise<Opened> {
  const result = await openSocket(port);
  if (!('socket' in result)) throw new Error(`refused with ${result.status}`);
  return result;
}

describe('browser host: static files', () => {
  it('serves index.html for / with a strict CSP and our own ws origin', async () => {
    const { host } = await start();
    const response = await get(host.port, '/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<title>console</title>');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src ws://127.0.0.1:${host.port}`);
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves assets with their content types', async () => {
    const { host } = await start();
    expect((await get(host.port, '/assets/app.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(host.port, '/assets/app.css?v=1')).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await get(host.port, '/assets/app.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/..%5csecret.txt',
    '/assets/app.js%00.png',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/link-out.txt',
    '/.env',
    '/assets/',
    '/nope.html',
    '/%E0%A4%A',
  ])('refuses %s with 404', async (path) => {
    const { host } = await start();
    const response = await get(host.port, path);
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('outside the renderer');
  });

  it('refuses a foreign Host header (DNS rebinding) and methods other than GET/HEAD', async () => {
    const { host } = await start();
    expect((await get(host.port, '/', { Host: `evil.example:${host.port}` })).status).toBe(403);
    expect((await get(host.port, '/', {}, 'POST')).status).toBe(405);
  });

  it('refuses to start without a built renderer, or with a weak token', async () => {
    const { backend } = fakeBackend();
    await expect(startBrowserHost({ backend, rendererDir: join(base, 'missing') })).rejects.toThrow(/No built renderer/);
    await expect(startBrowserHost({ backend, rendererDir, token: 'short' })).rejects.toThrow(/token/);
  });

  it('listens on 127.0.0.1 only and hands out a URL with the token in the fragment', async () => {
    const { host } = await start();
    expect(host.address).toBe('127.0.0.1');
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/#token=${TOKEN}`);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: external.address, port: host.port });
        socket.on('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.on('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });

  it('generates a fresh token when none is given', async () => {
    const { backend } = fakeBackend();
    const host = await startBrowserHost({ backend, rendererDir });
    hosts.push(host);
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(host.token).not.toBe(TOKEN);
  });
});

describe('browser host: WebSocket', () => {
  it.each([
    ['no token', { token: null }, 401],
    ['a wrong token', { token: 'wrong-token-0123456789abcdef' }, 401],
    ['a foreign Origin', { origin: 'http://evil.example' }, 403],
    ['a localhost Origin', { origin: 'http://localhost:1' }, 403],
    ['no Origin', { origin: null }, 403],
    ['another path', { path: '/other' }, 404],
  ] as const)('refuses a socket with %s', async (_name, options, status) => {
    const { host } = await start();
    expect(await openSocket(host.port, options)).toEqual({ status });
  });

  it('accepts the token and our Origin, selecting the protocol without echoing the token', async () => {
    const { host } = await start();
    const { socket } = await opened(host.port);
    expect(socket.protocol).toBe(HOST_SUBPROTOCOL);
    socket.close();
  });

  it('round-trips a request to dispatch and pushes events', async () => {
    const { host, calls, emit } = await start();
    const { socket, next } = await opened(host.port);
    socket.send(JSON.stringify({ id: 7, channel: 'engine.statuses', payload: {} }));
    expect(await next()).toEqual({ id: 7, result: { ok: true, value: [] } });
    expect(calls).toEqual([{ channel: 'engine.statuses', payload: {} }]);
    emit('engine.status', { profileId: 'pbx' });
    expect(await next()).toEqual({ event: 'engine.status', payload: { profileId: 'pbx' } });
    socket.close();
  });

  it('answers malformed messages that carry an id, drops the rest, and keeps working', async () => {
    const { host, calls } = await start();
    const { socket, next, messages } = await opened(host.port);
    socket.send('not json at all');
    socket.send('[1,2,3]');
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    socket.send(JSON.stringify({ id: 5, channel: 42 }));
    expect(await next()).toMatchObject({ id: 5, result: { ok: false, error: { code: 'invalid_request' } } });
    socket.send('{"id":6, "channel": "engine.statuses", broken');
    expect(await next()).toMatchObject({ id: 6, result: { ok: false, error: { code: 'invalid_request' } } });
    socket.send(`{"id":8,"channel":"engine.statuses","payload":"${'x'.repeat(HOST_MAX_REQUEST_BYTES)}"}`);
    expect(await next()).toMatchObject({ id: 8, result: { ok: false, error: { code: 'invalid_request', message: expect.stringContaining('larger') } } });
    socket.send(JSON.stringify({ id: 9, channel: 'no.such', payload: {} }));
    expect(await next()).toMatchObject({ id: 9, result: { ok: false, error: { code: 'unknown_channel' } } });
    socket.send(JSON.stringify({ id: 10, channel: 'engine.statuses', payload: {} }));
    expect(await next()).toEqual({ id: 10, result: { ok: true, value: [] } });
    expect(messages).toEqual([]);
    expect(calls.map((call) => call.channel)).toEqual(['no.such', 'engine.statuses']);
    socket.close();
  });

  it('drops a client that stops reading instead of buffering without bound', async () => {
    const { host, emit } = await start({ maxBufferedBytes: 256 * 1024 });
    const slow = await opened(host.port);
    const healthy = await opened(host.port);
    const slowClosed = new Promise<void>((resolve) => slow.socket.on('close', () => resolve()));
    // Stop reading at the TCP level: the kernel buffers fill, then the host's.
    (slow.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(128 * 1024);
    for (let i = 0; i < 400; i += 1) {
      emit('engine.events', { i, big });
      await new Promise((resolve) => setImmediate(resolve));
    }
    (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    await slowClosed;
    emit('engine.status', { after: true });
    // The healthy socket got everything, then the next event too.
    let last: unknown;
    do last = await healthy.next();
    while (!(typeof last === 'object' && last !== null && 'event' in last && (last as { event: string }).event === 'engine.status'));
    expect(last).toEqual({ event: 'engine.status', payload: { after: true } });
    healthy.socket.close();
  });

  it('closes sockets and unsubscribes from the backend on close()', async () => {
    const { host, listeners } = await start();
    const { socket } = await opened(host.port);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    expect(listeners.size).toBe(1);
    await host.close();
    expect(await closed).toBe(1001);
    expect(listeners.size).toBe(0);
  });
});

describe('renderer WebSocket transport against the host', () => {
  const wsFactory =
    (origin: string): SocketFactory =>
    (url, protocols, handlers) => {
      const socket = new WebSocket(url, protocols, { origin });
      socket.on('open', () => handlers.open());
      socket.on('message', (data, isBinary) => handlers.message(isBinary ? data : String(data)));
      socket.on('close', () => handlers.close());
      socket.on('error', () => {});
      return { send: (text) => socket.send(text), close: () => socket.close() };
    };

  it('carries the typed client, events, and reconnects after the host comes back', async () => {
    const first = await start();
    const transport = createWebSocketTransport({ url: `ws://127.0.0.1:${first.host.port}${HOST_WS_PATH}`, token: TOKEN, connect: wsFactory(first.origin), backoffMs: [20] });
    const links: HostLink['state'][] = [];
    transport.onLink((link) => links.push(link.state));
    const client = createConsoleClient(transport);
    try {
      // Sent before the socket is open: waits for it.
      expect(await client.request('engine.statuses', {})).toEqual([]);
      await expect(client.request('profiles.list', {})).rejects.toMatchObject({ code: 'unknown_channel' });

      const events: unknown[] = [];
      client.on('engine.status', (event) => events.push(event));
      first.emit('engine.status', { profileId: 'pbx' });
      await expect.poll(() => events).toEqual([{ profileId: 'pbx' }]);

      // A request in flight when the link drops fails fast, saying so.
      const release = first.holdAnswers();
      const inFlight = client.request('engine.statuses', {}).catch((error: unknown) => error);
      await expect.poll(() => first.calls.length).toBe(3);
      const port = first.host.port;
      await first.host.close();
      release();
      const error = await inFlight;
      expect(error).toBeInstanceOf(ConsoleError);
      expect(error).toMatchObject({ code: 'unavailable' });

      // Same port and token: the transport finds it again, listeners intact.
      const second = await start({ port });
      await expect.poll(() => links.at(-1), { timeout: 3000 }).toBe('open');
      expect(links).toContain('waiting');
      second.emit('engine.status', { profileId: 'again' });
      await expect.poll(() => events).toEqual([{ profileId: 'pbx' }, { profileId: 'again' }]);
      expect(await client.request('engine.statuses', {})).toEqual([]);
    } finally {
      transport.close();
    }
  });

  it('refuses oversized requests locally', async () => {
    const { host, origin, calls } = await start();
    const transport = createWebSocketTransport({ url: `ws://127.0.0.1:${host.port}${HOST_WS_PATH}`, token: TOKEN, connect: wsFactory(origin) });
    const client = createConsoleClient(transport);
    try {
      const huge = 'x'.repeat(HOST_MAX_REQUEST_BYTES);
      await expect(client.request('profiles.remove', { profileId: huge })).rejects.toMatchObject({ code: 'invalid_request' });
      expect(calls).toEqual([]);
    } finally {
      transport.close();
    }
  });
});
