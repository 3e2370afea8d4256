import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The sandbox's readiness probe (test/asterisk/sandbox.mjs) against stand-ins for the three PBX states it
// must tell apart. sandbox.mjs reads its port when it loads, so each case loads it afresh.
type Upgrade = 'accept' | 'hang' | 'refuse';

const servers: Server[] = [];
const upgraded: Duplex[] = [];
afterEach(async () => {
  for (const socket of upgraded.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** REST answers (an app is listed once its socket opened); the events upgrade does what `upgrade` says. */
async function pbx(upgrade: Upgrade): Promise<number> {
  const registered = new Set<string>();
  const server = createServer((request, response) => {
    const app = /^\/ari\/applications\/([^/?]+)/.exec(request.url ?? '')?.[1];
    response.writeHead(app && registered.has(app) ? 200 : 404).end();
  });
  server.on('upgrade', (request, socket) => {
    upgraded.push(socket);
    if (upgrade === 'hang') return;
    if (upgrade === 'refuse') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    registered.add(new URL(request.url ?? '', 'http://x').searchParams.get('app') ?? '');
    const accept = createHash('sha1').update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.on('data', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

async function probeAt(port: number, timeoutMs: number) {
  process.env['ARI_SANDBOX_PORT'] = String(port);
  vi.resetModules();
  const { probeEvents } = await import('../asterisk/sandbox.mjs');
  return probeEvents(timeoutMs);
}

describe('the sandbox probe: can an app open its events link?', () => {
  const savedPort = process.env['ARI_SANDBOX_PORT'];
  afterEach(() => {
    if (savedPort === undefined) delete process.env['ARI_SANDBOX_PORT'];
    else process.env['ARI_SANDBOX_PORT'] = savedPort;
  });

  it('yes, when the socket opens and ARI then lists the app', async () => {
    expect(await probeAt(await pbx('accept'), 2000)).toMatchObject({ ok: true });
  });

  it('no, when REST answers but the handshake never does (the wedged registry)', async () => {
    const result = await probeAt(await pbx('hang'), 300);
    expect(result).toMatchObject({ ok: false, error: 'no answer to the events WebSocket handshake within 300 ms' });
  });

  it('no, when the PBX refuses the events link, and says what it answered', async () => {
    const result = await probeAt(await pbx('refuse'), 2000);
    expect(result).toMatchObject({ ok: false, error: 'events WebSocket answered "HTTP/1.1 404 Not Found"' });
  });
});
