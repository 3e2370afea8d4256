import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isConsoleError } from '../../common/errors.js';
import { connectRest, type AriRest } from '../../main/engine/ari-rest.js';
import { ariUrl, basicAuthHeader } from '../../main/engine/event-socket.js';

const ari = inject('ari');

/**
 * An HTTP relay to the real ARI that counts what passes: the swagger's API
 * documents and GET /asterisk/info. Its own origin gives it a cache entry of
 * its own, so other suites' connects cannot interfere.
 */
let relay: Server;
let relayUrl = '';
const seen = { apiDocs: 0, info: 0, infoAnswered: 0 };
const clients: AriRest[] = [];

beforeAll(async () => {
  const target = new URL(ari.baseUrl);
  relay = createServer((incoming, outgoing) => {
    const path = incoming.url ?? '';
    if (path.includes('/api-docs/')) seen.apiDocs += 1;
    const isInfo = path.startsWith('/ari/asterisk/info');
    if (isInfo) seen.info += 1;
    const upstream = request(
      { host: target.hostname, port: Number(target.port || 80), method: incoming.method, path, headers: incoming.headers },
      (answer: IncomingMessage) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on('end', () => {
          if (isInfo) seen.infoAnswered += 1;
        });
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await new Promise<void>((resolve) => relay.close(() => resolve()));
});

async function connect(password = ari.password): Promise<AriRest> {
  const client = await connectRest({ baseUrl: relayUrl, username: ari.username, password });
  clients.push(client);
  return client;
}

/** The first connect learns which PBX run it loaded in the background: wait until that answer has passed. */
async function infoSettled(count: number): Promise<void> {
  while (seen.infoAnswered < count) await new Promise((resolve) => setTimeout(resolve, 20));
  // The answer has left the relay; let the client read it.
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the compiled swagger between links to one PBX', () => {
  it('loads it on the first connect, reuses it on the next, and still works', async () => {
    const first = await connect();
    const docsAfterFirst = seen.apiDocs;
    expect(docsAfterFirst).toBeGreaterThan(0);
    await infoSettled(1);

    const second = await connect();
    expect(seen.apiDocs).toBe(docsAfterFirst);
    expect(Array.isArray(await second.listChannels())).toBe(true);
    expect((await second.info()).system?.version).toBeTruthy();
    expect(Array.isArray(await first.listBridges())).toBe(true);
  });

  it('still refuses wrong credentials on the cached path', async () => {
    const docsBefore = seen.apiDocs;
    let code = 'none';
    try {
      await connect('not-the-password');
    } catch (error) {
      code = isConsoleError(error) ? error.code : 'other';
    }
    expect(code).toBe('unauthorized');
    expect(seen.apiDocs).toBe(docsBefore);
  });

  // Reloads a module: only on the sandbox, never on a PBX the suite was pointed at.
  it.runIf(ari.sandbox)('loads it afresh once the PBX reloaded (GET /asterisk/info differs)', async () => {
    const before = await connect();
    const reloadTimeBefore = (await before.info()).status?.last_reload_time;
    // A real reload of a harmless module moves Asterisk's last_reload_time.
    const reload = await fetch(ariUrl(ari.baseUrl, 'asterisk/modules/res_musiconhold.so'), {
      method: 'PUT',
      headers: { Authorization: basicAuthHeader(ari.username, ari.password) },
    });
    expect(reload.status).toBeLessThan(300);
    while ((await before.info()).status?.last_reload_time === reloadTimeBefore) await new Promise((resolve) => setTimeout(resolve, 50));

    const docsBefore = seen.apiDocs;
    const after = await connect();
    expect(seen.apiDocs).toBeGreaterThan(docsBefore);
    expect(Array.isArray(await after.listChannels())).toBe(true);
  });
});
