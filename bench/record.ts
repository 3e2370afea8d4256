/**
 * Records a real ARI event stream from the Asterisk sandbox for the ingest and
 * soak benches: many calls through ring, answer, hold, mixing bridges,
 * playback and hangup, inbound to the app, outbound from it and dialplan-only,
 * while an events socket with subscribeAll=true writes every frame, as
 * received, with its receive time, to bench/fixtures/ari-events.jsonl.gz.
 *
 * Also saves what the replay stubs serve: the REST snapshot at the start, one
 * mid-recording (real JSON shapes for the resync bench), and ARI's swagger
 * (ari-client needs it to dispatch events).
 *
 *   npx vite build -c bench/vite.config.ts && node out/bench/record.js [seconds]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { basicAuthHeader, eventsUrl } from '../main/engine/event-socket.js';
import { AriHttp, sleep, waitUntil } from './lib/ari-http.js';
import { FIXTURES, assertNoSecrets } from './lib/fixture.js';
import { releaseSandbox, sandbox } from './lib/sandbox.js';

const APP = 'benchrec';
const WORKERS = 12;

interface Recorder {
  lines: string[];
  waiters: Map<string, Array<() => void>>;
  live: Set<string>;
}

function channelOf(event: Record<string, unknown>): string | undefined {
  const channel = event['channel'] as { id?: unknown } | undefined;
  return typeof channel?.id === 'string' ? channel.id : undefined;
}

/** Resolves when `type` is seen for `channelId` (or after timeoutMs, to keep a stuck call from stalling the run). */
function waitEvent(rec: Recorder, type: string, channelId: string, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolveWait) => {
    const key = `${type}:${channelId}`;
    const timer = setTimeout(() => resolveWait(false), timeoutMs);
    const list = rec.waiters.get(key) ?? [];
    list.push(() => {
      clearTimeout(timer);
      resolveWait(true);
    });
    rec.waiters.set(key, list);
  });
}

const rand = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 75);
  const pbx = await sandbox();
  const ari = new AriHttp(pbx);
  const secrets = [pbx.password, basicAuthHeader(pbx.username, pbx.password).slice('Basic '.length)];
  mkdirSync(FIXTURES, { recursive: true });

  // Swagger, as ari-client loads it (resources.json, then each API's file).
  const docsDir = resolve(FIXTURES, 'ari-api-docs');
  mkdirSync(docsDir, { recursive: true });
  const resources = await ari.get<{ apis: { path: string }[] }>('api-docs/resources.json');
  writeFileSync(resolve(docsDir, 'resources.json'), JSON.stringify(resources));
  for (const api of resources.apis) {
    const name = api.path.replace('/api-docs/', '').replace('{format}', 'json');
    writeFileSync(resolve(docsDir, name), JSON.stringify(await ari.get(`api-docs/${name}`)));
  }

  const rec: Recorder = { lines: [], waiters: new Map(), live: new Set() };
  const ws = new WebSocket(eventsUrl(pbx.baseUrl, APP, true), { headers: { Authorization: basicAuthHeader(pbx.username, pbx.password) } });
  await new Promise<void>((resolveOpen, reject) => {
    ws.once('open', () => resolveOpen());
    ws.once('error', reject);
  });
  const t0 = performance.now();
  ws.on('message', (data: Buffer) => {
    const text = data.toString('utf8');
    rec.lines.push(`{"t":${(performance.now() - t0).toFixed(3)},"e":${text}}`);
    const event = JSON.parse(text) as Record<string, unknown>;
    const id = channelOf(event);
    if (id) {
      if (event['type'] === 'ChannelCreated') rec.live.add(id);
      if (event['type'] === 'ChannelDestroyed') rec.live.delete(id);
      const waiters = rec.waiters.get(`${String(event['type'])}:${id}`);
      rec.waiters.delete(`${String(event['type'])}:${id}`);
      for (const wake of waiters ?? []) wake();
    }
  });

  const snapshot = async () => ({
    channels: await ari.get<unknown[]>('channels'),
    bridges: await ari.get<unknown[]>('bridges'),
    endpoints: await ari.get<unknown[]>('endpoints'),
    deviceStates: await ari.get<unknown[]>('deviceStates'),
    info: await ari.get<unknown>('asterisk/info'),
  });
  const start = await snapshot();
  writeFileSync(resolve(FIXTURES, 'snapshot-start.json'), JSON.stringify(start));

  let counter = 0;
  let bridgeCounter = 0;
  const deadline = Date.now() + seconds * 1000;
  const pairQueue: Array<(partner: string | null) => void> = [];

  /** An inbound call ringing at the app: ;1 (`-a`) is the caller, ;2 (`-b`) is in Stasis. */
  async function inbound(): Promise<{ a: string; b: string } | null> {
    const n = ++counter;
    const a = `rec${n}-a`;
    const b = `rec${n}-b`;
    const entered = waitEvent(rec, 'StasisStart', b);
    await ari.post('channels', {
      endpoint: `Local/${APP}@console-app`,
      context: 'test',
      extension: 'wait',
      callerId: `Caller ${n} <2${String(n).padStart(3, '0')}>`,
      timeout: -1,
      channelId: a,
      otherChannelId: b,
    });
    return (await entered) ? { a, b } : null;
  }

  async function bridgePair(b1: string, b2: string): Promise<void> {
    const id = `recbr${++bridgeCounter}`;
    await ari.post('bridges', { type: 'mixing', bridgeId: id, name: `desk-${bridgeCounter}` });
    await ari.post(`bridges/${id}/addChannel`, { channel: `${b1},${b2}` });
    await sleep(rand(300, 1200));
    await ari.post(`channels/${b1}/hold`);
    if (bridgeCounter % 3 === 0) await ari.post(`bridges/${id}/play`, { media: 'sound:beep' });
    await sleep(rand(200, 800));
    await ari.remove(`channels/${b1}/hold`);
    await ari.post(`channels/${b2}/dtmf`, { dtmf: '12#', duration: 100 });
    await sleep(rand(300, 1500));
    await ari.post(`bridges/${id}/removeChannel`, { channel: b1 });
    await ari.remove(`bridges/${id}`);
  }

  /** One inbound call handled the way a receptionist would, in one of several endings. */
  async function handleInbound(kind: number): Promise<void> {
    const call = await inbound();
    if (!call) return;
    const { a, b } = call;
    await ari.post(`channels/${b}/ring`);
    await sleep(rand(200, 1500));
    if (kind === 0) {
      // Abandoned while ringing.
      await ari.remove(`channels/${a}`);
      return;
    }
    await ari.post(`channels/${b}/answer`);
    await sleep(rand(100, 600));
    switch (kind) {
      case 1: {
        await ari.post(`channels/${b}/play`, { media: 'sound:beep' });
        await sleep(rand(700, 1500));
        await ari.post(`channels/${b}/hold`);
        await sleep(rand(300, 1000));
        await ari.remove(`channels/${b}/hold`);
        await ari.remove(`channels/${b}`);
        return;
      }
      case 2:
        await ari.post(`channels/${b}/silence`);
        await sleep(rand(300, 1200));
        await ari.remove(`channels/${b}/silence`);
        await ari.remove(`channels/${a}`);
        return;
      case 3:
        await ari.post(`channels/${b}/continue`, { context: 'test', extension: 'playback', priority: 1 });
        await sleep(rand(500, 1500));
        await ari.remove(`channels/${a}`);
        return;
      default: {
        // Bridged with the next call that wants a partner.
        const partner = pairQueue.shift();
        if (partner) {
          partner(b);
          await waitEvent(rec, 'ChannelDestroyed', b, 20_000);
          return;
        }
        const other = await new Promise<string | null>((resolvePair) => {
          pairQueue.push(resolvePair);
          setTimeout(() => {
            // Nobody came: leave the queue, so no later call waits on us.
            const index = pairQueue.indexOf(resolvePair);
            if (index >= 0) pairQueue.splice(index, 1);
            resolvePair(null);
          }, 5000);
        });
        if (other) await bridgePair(b, other).catch(() => undefined);
        await ari.remove(`channels/${a}`);
        if (other) await ari.remove(`channels/${other}`);
        return;
      }
    }
  }

  /** Calls the app places itself, and calls that never meet it. */
  async function other(kind: number): Promise<void> {
    const n = ++counter;
    const id = `rec${n}-o`;
    switch (kind) {
      case 0: {
        const entered = waitEvent(rec, 'StasisStart', id);
        await ari.post('channels', { endpoint: 'Local/wait@test', app: APP, channelId: id, otherChannelId: `${id}2`, callerId: 'Reception <100>' });
        if (await entered) await sleep(rand(500, 1500));
        await ari.remove(`channels/${id}`);
        return;
      }
      case 1:
        await ari.post('channels', { endpoint: `Local/${['busy', 'congestion', 'ringback'][n % 3]}@test`, app: APP, channelId: id, otherChannelId: `${id}2`, timeout: 2 });
        await waitEvent(rec, 'ChannelDestroyed', id, 8000);
        return;
      case 2:
        // Dialplan only: never enters any app; subscribeAll still sees it all.
        await ari.post('channels', { endpoint: 'Local/playback@test', context: 'test', extension: 'wait', channelId: id, otherChannelId: `${id}2` });
        await sleep(rand(1000, 3000));
        await ari.remove(`channels/${id}`);
        return;
      default:
        // Dial() to a phone that is not registered: Dial events and a failure cause.
        await ari.post('channels', { endpoint: `Local/10${1 + (n % 4)}@from-phones`, context: 'test', extension: 'wait', channelId: id, otherChannelId: `${id}2`, timeout: 3 });
        await waitEvent(rec, 'ChannelDestroyed', id, 8000);
    }
  }

  let midSaved = false;
  const worker = async (index: number): Promise<void> => {
    let round = 0;
    while (Date.now() < deadline) {
      round += 1;
      try {
        if (index === 0) await other(round % 4);
        else await handleInbound((index + round) % 6);
      } catch (error) {
        process.stderr.write(`[record] worker ${index}: ${(error as Error).message}\n`);
        await sleep(500);
      }
      if (!midSaved && Date.now() > deadline - (seconds * 1000) / 2) {
        midSaved = true;
        const mid = await snapshot();
        writeFileSync(resolve(FIXTURES, 'snapshot-mid.json'), JSON.stringify(mid));
        process.stderr.write(`[record] mid snapshot: ${mid.channels.length} channels, ${mid.bridges.length} bridges\n`);
      }
    }
  };
  process.stderr.write(`[record] recording ${seconds} s with ${WORKERS} workers\n`);
  await Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index)));

  // Let every call end, so the recording is whole calls from create to destroy.
  for (const channel of await ari.get<{ id: string }[]>('channels')) await ari.remove(`channels/${channel.id}`);
  for (const bridge of await ari.get<{ id: string }[]>('bridges')) await ari.remove(`bridges/${bridge.id}`);
  await waitUntil(() => rec.live.size === 0, 20_000, 'all recorded channels destroyed', 100).catch(() => undefined);
  await sleep(500);
  ws.close();

  const text = `${rec.lines.join('\n')}\n`;
  assertNoSecrets(text, secrets);
  const gz = gzipSync(text, { level: 9 });
  writeFileSync(resolve(FIXTURES, 'ari-events.jsonl.gz'), gz);
  const types = new Map<string, number>();
  for (const line of rec.lines) {
    const type = /"type":"([A-Za-z]+)"/.exec(line)?.[1] ?? '?';
    types.set(type, (types.get(type) ?? 0) + 1);
  }
  process.stderr.write(
    `[record] ${rec.lines.length} events from ${counter} calls, ${(text.length / 1e6).toFixed(1)} MB raw, ${(gz.length / 1e6).toFixed(2)} MB gzipped\n` +
      `[record] ${[...types].sort((x, y) => y[1] - x[1]).map(([type, count]) => `${type} ${count}`).join(', ')}\n`,
  );
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`[record] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => releaseSandbox());
