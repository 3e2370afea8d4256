import { eventually, uniqueApp } from './harness.js';
import { createServer, connect as tcpConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { isConsoleError, type ErrorCode } from '../../common/errors.js';
import { connectRest, type AriRest } from '../../main/engine/ari-rest.js';
import { openEventSocket, type EventSocket } from '../../main/engine/event-socket.js';

const ari = inject('ari');
const cleanups: Array<() => Promise<unknown> | void> = [];
let rest: AriRest;
let events: EventSocket;
const received: Array<Record<string, unknown>> = [];
let sequence = 0;

const uniqueId = (label: string): string => `it-rest-${label}-${process.pid}-${Date.now()}-${++sequence}`;

async function failure(promise: Promise<unknown>): Promise<{ code: ErrorCode | 'none'; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isConsoleError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'none', message: '' };
}

/** Waits for an event already received or still to come. */
async function eventFor(type: string, match: (event: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const hit = await eventually(() => received.find((event) => event['type'] === type && match(event)), (event) => event !== undefined, `a ${type} event`, timeoutMs, 25);
  return hit as Record<string, unknown>;
}
const channelOf = (event: Record<string, unknown>): { id?: string; name?: string } =>
  (event['channel'] ?? {}) as { id?: string; name?: string };

function hangupLater(channelId: string): void {
  cleanups.push(() => rest.hangup(channelId).catch(() => undefined));
}

async function listen(handler: (socket: Socket) => void): Promise<{ url: string; server: Server; sockets: Set<Socket>; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    handler(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  cleanups.push(stop);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, sockets, stop };
}

/** A TCP relay to the real ARI that can be frozen (accepts, never forwards). */
async function relayToAri(): Promise<{ url: string; freeze(): void; stop(): Promise<void> }> {
  const target = new URL(ari.baseUrl);
  let frozen = false;
  const relay = await listen((client) => {
    if (frozen) return;
    const upstream = tcpConnect(Number(target.port || 80), target.hostname);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  return { url: relay.url, freeze: () => (frozen = true), stop: relay.stop };
}

// An app of this suite's own, so parallel runs on one sandbox do not replace each other.
const app = ari.sandbox ? uniqueApp('rest') : ari.app;

beforeAll(async () => {
  rest = await connectRest({ baseUrl: ari.baseUrl, username: ari.username, password: ari.password });
  events = openEventSocket({
    baseUrl: ari.baseUrl,
    username: ari.username,
    password: ari.password,
    app,
    subscribeAll: false,
    pingIntervalMs: 5000,
    pongTimeoutMs: 5000,
    connectTimeoutMs: 5000,
    onEvent: (raw) => received.push(raw as Record<string, unknown>),
    onClose: () => undefined,
  });
  await events.ready;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => {
  events?.close();
  rest?.close();
});

describe('connectRest against the PBX', () => {
  it('reads info and lists as plain JSON arrays', async () => {
    const info = await rest.info();
    if (ari.sandbox) expect(info.system?.version).toMatch(/^22/);
    const lists = [await rest.listChannels(), await rest.listBridges(), await rest.listEndpoints(), await rest.listDeviceStates()];
    for (const list of lists) {
      expect(Array.isArray(list)).toBe(true);
      // Plain data: no ari-client resource internals, serializable over IPC.
      for (const item of list) expect(Object.keys(item).some((key) => key.startsWith('_'))).toBe(false);
    }
    expect(() => JSON.stringify(lists)).not.toThrow();
  });

  it('maps a wrong password to unauthorized without leaking it', async () => {
    const secret = 'definitely-wrong-password';
    const result = await failure(connectRest({ baseUrl: ari.baseUrl, username: ari.username, password: secret }));
    expect(result.code).toBe('unauthorized');
    expect(result.message).not.toContain(secret);
  });

  it('keeps credentials per connection when connects overlap', async () => {
    const [bad, good] = await Promise.allSettled([
      connectRest({ baseUrl: ari.baseUrl, username: ari.username, password: 'wrong-one' }),
      connectRest({ baseUrl: ari.baseUrl, username: ari.username, password: ari.password }),
    ]);
    expect(bad.status === 'rejected' && isConsoleError(bad.reason) && bad.reason.code).toBe('unauthorized');
    expect(good.status).toBe('fulfilled');
    if (good.status === 'fulfilled') {
      expect(Array.isArray(await good.value.listChannels())).toBe(true);
      good.value.close();
    }
    expect(Array.isArray(await rest.listChannels())).toBe(true);
  });

  it('maps an unreachable port to unavailable', async () => {
    const dead = await listen(() => undefined);
    await dead.stop();
    const result = await failure(connectRest({ baseUrl: dead.url, username: 'u', password: 'p', timeoutMs: 3000 }));
    expect(result.code).toBe('unavailable');
  });

  it('times out a PBX that accepts and never answers, within the deadline', async () => {
    const silent = await listen(() => undefined);
    const result = await failure(connectRest({ baseUrl: silent.url, username: 'u', password: 'p', timeoutMs: 300 }));
    // The 300 ms deadline answered (its message names it), not the socket's own timeout.
    expect(result.code).toBe('timeout');
    expect(result.message).toContain('within 300 ms');
  });

  it('after connecting: a frozen PBX times out, a dead one is unavailable (not a hang)', async () => {
    const relay = await relayToAri();
    const client = await connectRest({ baseUrl: relay.url, username: ari.username, password: ari.password, timeoutMs: 1500 });
    cleanups.push(() => client.close());
    expect(Array.isArray(await client.listBridges())).toBe(true);
    relay.freeze();
    expect((await failure(client.info())).code).toBe('timeout');
    await relay.stop();
    expect((await failure(client.info())).code).toBe('unavailable');
  });

  it('close() rejects calls in flight and later calls with not_connected', async () => {
    const relay = await relayToAri();
    const client = await connectRest({ baseUrl: relay.url, username: ari.username, password: ari.password, timeoutMs: 5000 });
    relay.freeze();
    const pending = failure(client.listChannels());
    client.close();
    expect((await pending).code).toBe('not_connected');
    expect((await failure(client.answer('x'))).code).toBe('not_connected');
  });

  it('treats every DELETE of a missing thing as success; answer as not_found', async () => {
    // Asterisk answers 404 to each of these (checked with curl against the sandbox).
    await rest.hangup('no-such-channel-1700000000.1');
    await rest.destroyBridge('no-such-bridge');
    await rest.ringStop('no-such-channel-1700000000.2');
    await rest.unhold('no-such-channel-1700000000.3');
    await rest.unmute('no-such-channel-1700000000.4', 'both');
    await rest.stopSilence('no-such-channel-1700000000.5');
    await rest.stopMoh('no-such-channel-1700000000.6');
    await rest.stopBridgeMoh('no-such-bridge');
    const result = await failure(rest.answer('1700000000.12'));
    expect(result.code).toBe('not_found');
    expect(result.message).toContain('answer channel 1700000000.12');
    // Asterisk 22 answers 500 ("Unable to create bridge") to an unknown type.
    expect((await failure(rest.createBridge({ type: 'bogus' as 'mixing' }))).code).toBe('pbx_error');
  });

  it('maps a 400 to bad_request with the PBX words', async () => {
    // Neither an extension nor an app: Asterisk answers 400 before looking at the endpoint.
    const result = await failure(rest.originate({ endpoint: 'Local/none@nowhere' }));
    expect(result.code).toBe('bad_request');
    expect(result.message).toContain('Application or extension must be specified');
  });
});

describe.skipIf(!ari.sandbox)('channels on the sandbox dialplan', () => {
  it('refuses commands on a channel outside Stasis as not_in_stasis', async () => {
    const channelId = uniqueId('dialplan');
    hangupLater(channelId);
    const channel = await rest.originate({ endpoint: 'Local/wait@test', context: 'test', extension: 'wait', priority: 1, channelId });
    expect(channel.id).toBe(channelId);
    await expect.poll(async () => (await rest.listChannels()).some((c) => c.id === channelId && c.state === 'Up')).toBe(true);
    const result = await failure(rest.hold(channelId));
    expect(result.code).toBe('not_in_stasis');
    expect(result.message).toContain("not under the console's control");
    await rest.hangup(channelId);
  });

  it('drives an unanswered inbound call through every channel command', async () => {
    const channelId = uniqueId('caller');
    // [console-app] sends Local/<app>@console-app into Stasis(<app>): only this suite's socket sees it.
    const endpoint = ari.sandbox ? `Local/${app}@console-app` : `Local/9${process.pid}${++sequence}@console-in`;
    hangupLater(channelId);
    await rest.originate({ endpoint, context: 'test', extension: 'wait', channelId, callerId: 'IT <555>' });
    const start = await eventFor('StasisStart', (e) => channelOf(e).name?.startsWith(`${endpoint}-`) === true);
    const inbound = channelOf(start).id as string;
    hangupLater(inbound);
    await rest.ring(inbound);
    await rest.ringStop(inbound);
    await rest.answer(inbound);
    await rest.hold(inbound);
    await rest.unhold(inbound);
    for (const direction of ['in', 'out', 'both'] as const) {
      await rest.mute(inbound, direction);
      await rest.unmute(inbound, direction);
    }
    await rest.sendDtmf(inbound, { dtmf: '12#', between: 50, duration: 80 });
    await rest.startSilence(inbound);
    await rest.stopSilence(inbound);
    const playbackId = uniqueId('playback');
    expect(await rest.play(inbound, 'sound:beep', playbackId)).toEqual({ playbackId });
    expect((await rest.play(inbound, 'sound:beep')).playbackId).toMatch(/.+/);
    await rest.continueInDialplan(inbound, { context: 'test', extension: 'wait', priority: 1 });
    await eventFor('StasisEnd', (e) => channelOf(e).id === inbound);
    expect((await failure(rest.answer(inbound))).code).toBe('not_in_stasis');
    await rest.hangup(channelId, 'normal');
  });

  it('bridges a Stasis channel: create, add, remove, destroy', async () => {
    const channelId = uniqueId('bridged');
    hangupLater(channelId);
    const channel = await rest.originate({ endpoint: 'Local/wait@test', app, appArgs: 'it', channelId, variables: { IT_MARK: 'yes' } });
    expect(channel.id).toBe(channelId);
    await eventFor('StasisStart', (e) => channelOf(e).id === channelId);
    const bridgeId = uniqueId('bridge');
    cleanups.push(() => rest.destroyBridge(bridgeId));
    const bridge = await rest.createBridge({ type: 'mixing', name: 'it-rest', bridgeId });
    expect(bridge).toMatchObject({ id: bridgeId, name: 'it-rest', channels: [] });
    await rest.addChannel(bridgeId, channelId);
    await expect.poll(async () => (await rest.listBridges()).find((b) => b.id === bridgeId)?.channels).toEqual([channelId]);
    await rest.removeChannel(bridgeId, channelId);
    expect((await failure(rest.removeChannel(bridgeId, channelId))).code).toMatch(/not_in_stasis|bad_request|not_found/);
    await rest.destroyBridge(bridgeId);
    await rest.destroyBridge(bridgeId);
    expect((await rest.listBridges()).some((b) => b.id === bridgeId)).toBe(false);
    const holding = await rest.createBridge({ type: 'holding' });
    cleanups.push(() => rest.destroyBridge(holding.id));
    expect(holding.bridge_type).toBe('holding');
    await rest.hangup(channelId);
  });
});
