import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { REQUEST_CHANNELS, requests, resultSchema, type RequestChannel, type Result } from '../../common/contract.js';
import { HOST_SUBPROTOCOL, HOST_WS_PATH, tokenSubprotocol } from '../../common/host-protocol.js';
import { createBackend, type NodeBackend } from '../../main/backend-node.js';
import { startBrowserHost, type BrowserHost } from '../../main/browser-host/server.js';
import { bindIpc } from '../../main/ipc.js';
import { createLogger } from '../../main/log.js';
import { plaintextVault } from '../../main/profiles.js';
import { createUpdateController, type UpdateController } from '../../main/updates.js';
import { bogusChannels, MEGABYTE_STRING, prototypeIsClean, requestArbitrary, validExamples } from './fuzz/payloads.js';
import { freePort } from '../free-port.js';

/**
 * Property-based fuzzing of every contract channel over both transports: the
 * Electron IPC handlers (bindIpc, as the preload reaches them) and the browser
 * host's WebSocket, both in front of one real backend (a real ProfileStore on
 * disk, a real EngineManager whose PBX address refuses connections). Every
 * payload must come back as a Result with a known code, nothing may throw or
 * log a bug, the prototype must stay clean, and nothing may change unless a
 * valid request asked for it. Whatever arrives, listen/whisper/barge stays
 * off (no confirmation exists outside the page here), the updates file holds
 * only { enabled }, and recordings start no faster than their rate limit.
 *
 * FUZZ_RUNS scales the run (default: 8,000 IPC + 3,000 WebSocket + 500 bogus
 * channel names, plus the raw frames).
 */
const SCALE = Number(process.env['FUZZ_RUNS'] ?? 1);
const IPC_RUNS = Math.round(8000 * SCALE);
const WS_RUNS = Math.round(3000 * SCALE);
const BOGUS_RUNS = Math.round(500 * SCALE);

const ipc = vi.hoisted(() => ({ handlers: new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>() }));
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: (event: unknown, payload: unknown) => Promise<unknown>) => ipc.handlers.set(channel, handler),
    removeHandler: (channel: string) => ipc.handlers.delete(channel),
  },
}));

const BUILT_IN_PASSWORD = `fuzz-${randomBytes(8).toString('hex')}`;
const OWN_PAGE = 'app://console/index.html';
const TOKEN = randomBytes(24).toString('base64url');
const MUTATING = new Set<RequestChannel>(['profiles.save', 'profiles.remove', 'engine.connect', 'engine.disconnect', 'update.setEnabled', 'update.restartNow', 'settings.set']);

const fakeWindow = { webContents: { send: () => undefined }, isDestroyed: () => false };
let dir: string;
let profilesFile: string;
let node: NodeBackend;
let host: BrowserHost;
let updates: UpdateController;
let recordingsDir: string;
let startedAt = 0;
let examples: Record<string, unknown>;
const bugs: string[] = [];
const counted = { ipc: 0, ws: 0, bogus: 0, frames: 0 };

/** Everything a request could change: profiles (as listed and as on disk) and every engine's model. */
function state(): string {
  const file = (() => {
    try {
      return readFileSync(profilesFile, 'utf8');
    } catch {
      return '';
    }
  })();
  const engines = node.engines.statuses().map((status) => [status.profileId, node.engines.get(status.profileId)?.snapshot()]);
  return JSON.stringify({ profiles: node.profiles.list(), file, engines, settings: node.settings.get(), updates: updates.status().enabled });
}

let baseline = '';

/** Asserts what every answer must satisfy, and that state changed only where a valid request asked. */
function check(channel: unknown, payload: unknown, result: unknown): void {
  const parsed = resultSchema.safeParse(result);
  expect(parsed.success, `${String(channel)} answered a non-Result: ${JSON.stringify(result)?.slice(0, 300)}`).toBe(true);
  const answer = result as Result<unknown>;
  if (answer.ok) {
    expect(typeof channel === 'string' && Object.hasOwn(requests, channel)).toBe(true);
    const schema = requests[channel as RequestChannel];
    expect(schema.request.safeParse(payload).success, `${String(channel)} accepted a payload its schema rejects`).toBe(true);
    expect(schema.response.safeParse(answer.value).success, `${String(channel)} answered outside its response schema`).toBe(true);
  } else {
    expect(answer.error.code, `${String(channel)}: ${answer.error.message}`).not.toBe('internal');
    expect(answer.error.message).not.toContain(BUILT_IN_PASSWORD);
  }
  expect(JSON.stringify(answer)).not.toContain(BUILT_IN_PASSWORD);
  expect(prototypeIsClean()).toBe(true);
  // Only main's own settings or a confirmation outside the page turn snoop on: neither exists here.
  expect(node.settings.get().snoopEnabled, `${String(channel)} turned snoop on`).toBe(false);
  const updatesFile = join(dir, 'updates.json');
  if (existsSync(updatesFile)) expect(Object.keys(JSON.parse(readFileSync(updatesFile, 'utf8')) as object)).toEqual(['enabled']);
  const now = state();
  const mayChange = answer.ok && typeof channel === 'string' && MUTATING.has(channel as RequestChannel);
  if (!mayChange) expect(JSON.parse(now), `${String(channel)} changed state without a valid request`).toEqual(JSON.parse(baseline));
  baseline = now;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fuzz-'));
  profilesFile = join(dir, 'profiles.json');
  const baseUrl = `http://127.0.0.1:${await freePort()}`;
  recordingsDir = join(dir, 'recordings');
  // A live update controller (its updater a no-op), so update.setEnabled reaches the real thing.
  updates = await createUpdateController({
    port: { check: () => undefined, installOnQuit: () => undefined, quitAndInstall: () => undefined },
    currentVersion: '1.0.0',
    settingsFile: join(dir, 'updates.json'),
  });
  startedAt = Date.now();
  node = await createBackend({
    updates,
    recordingsDir,
    profilesFile,
    vault: plaintextVault,
    builtInProfiles: [{ id: 'sandbox', name: 'Unreachable PBX', baseUrl, username: 'console', password: BUILT_IN_PASSWORD, app: 'console', subscribeAll: true }],
    tuning: { requestTimeoutMs: 500 },
    // Anything logged at error level is a bug report from the dispatcher.
    log: createLogger('fuzz', { level: 'error', write: (line) => bugs.push(line) }),
  });
  examples = validExamples('sandbox', baseUrl);
  bindIpc(node.backend, fakeWindow as never, (url) => url === OWN_PAGE);

  const rendererDir = join(dir, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>fuzz</title>');
  host = await startBrowserHost({ backend: node.backend, rendererDir, token: TOKEN });
  baseline = state();
});

afterAll(async () => {
  await host?.close();
  await node?.dispose();
  updates?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('over Electron IPC', () => {
  it(`${IPC_RUNS} generated payloads across every channel: typed answers, no crash, no stray state change`, async () => {
    // What Electron hands a handler for a message from the console's own top frame.
    const trusted = { sender: fakeWindow.webContents, senderFrame: { url: OWN_PAGE, parent: null } };
    await fc.assert(
      fc.asyncProperty(requestArbitrary(examples, { maxDepth: 10_000, nonJson: true }), async ({ channel, payload }) => {
        const handler = ipc.handlers.get(channel);
        expect(handler, channel).toBeDefined();
        const result = await handler?.(trusted, payload);
        counted.ipc += 1;
        check(channel, payload, result);
      }),
      { numRuns: IPC_RUNS, endOnFailure: true },
    );
    expect(bugs).toEqual([]);
  }, 300_000);

  it('the changed channels under targeted payloads: snoop endpoints, turning snoop on, hostile CA files', async () => {
    const trusted = { sender: fakeWindow.webContents, senderFrame: { url: OWN_PAGE, parent: null } };
    const send = async (channel: RequestChannel, payload: unknown) => {
      const result = await ipc.handlers.get(channel)?.(trusted, payload);
      counted.ipc += 1;
      check(channel, payload, result);
      return result as Result<unknown>;
    };
    // snoop.start has no endpoint: any value for one is refused by the schema.
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.constantFrom('PJSIP/666', 'Local/spy@default', ''), fc.anything()), async (endpoint) => {
        expect(await send('snoop.start', { ...(examples['snoop.start'] as object), endpoint })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      }),
      { numRuns: 200 },
    );
    // The page asking to turn snoop on, with or without a phone and other settings: never granted.
    await fc.assert(
      fc.asyncProperty(
        fc.record({ snoopEnabled: fc.constant(true), operatorEndpoint: fc.constantFrom(null, 'PJSIP/100', 'Local/spy@default'), notifications: fc.boolean() }, { requiredKeys: ['snoopEnabled'] }),
        async (patch) => {
          const result = await send('settings.set', patch);
          expect(result.ok).toBe(false);
          expect(['forbidden', 'invalid_request']).toContain(result.ok ? null : result.error.code);
        },
      ),
      { numRuns: 100 },
    );
    // CA files a hostile profile could name: typed answers, never their bytes, never a hang.
    const fifo = join(dir, 'ca.fifo');
    execFileSync('mkfifo', [fifo]);
    const secretFile = join(dir, 'secret.pem');
    await writeFile(secretFile, `${BUILT_IN_PASSWORD}
`);
    const big = join(dir, 'big.pem');
    await writeFile(big, 'A'.repeat(300 * 1024));
    const hostile = [fifo, secretFile, big, dir, '/dev/zero', '/dev/urandom', join(dir, 'missing.pem'), ...(existsSync('/proc/self/environ') ? ['/proc/self/environ'] : [])];
    const httpsUrl = (examples['profiles.test'] as { baseUrl: string }).baseUrl.replace('http:', 'https:');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...hostile), async (caFile) => {
        const result = await send('profiles.test', { ...(examples['profiles.test'] as object), baseUrl: httpsUrl, caFile });
        expect(result.ok).toBe(true);
        const steps = (result as { value: { steps: Array<{ message: string }> } }).value.steps;
        expect(steps[0]?.message).toMatch(/^The CA file could not be used: /);
        expect(JSON.stringify(steps)).not.toContain('AAAA');
      }),
      { numRuns: 40 },
    );
    // A page looping on start/stop: a burst records, then starts are refused with a typed answer.
    const answers: Result<unknown>[] = [];
    for (let i = 0; i < 10; i += 1) {
      answers.push(await send('recording.start', { profileId: 'sandbox' }));
      await send('recording.stop', { profileId: 'sandbox' });
    }
    expect(answers.filter((answer) => !answer.ok && answer.error.code === 'unavailable' && /too often/.test(answer.error.message)).length).toBeGreaterThanOrEqual(5);
    expect(readdirSync(recordingsDir).length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it(`${BOGUS_RUNS} bogus channel names reach the dispatcher and are refused`, async () => {
    await fc.assert(
      fc.asyncProperty(bogusChannels.filter((name) => !REQUEST_CHANNELS.includes(name as RequestChannel)), fc.anything(), async (channel, payload) => {
        const result = await node.backend.dispatch(channel, payload);
        counted.bogus += 1;
        expect(result).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
        check(channel, payload, result);
      }),
      { numRuns: BOGUS_RUNS, endOnFailure: true },
    );
  }, 60_000);
});

interface Client {
  socket: WebSocket;
  request(channel: unknown, payload: unknown): Promise<unknown>;
  send(data: string | Buffer, binary?: boolean): void;
  close(): void;
}

let nextId = 1;

async function connect(): Promise<Client> {
  const socket = new WebSocket(`ws://127.0.0.1:${host.port}${HOST_WS_PATH}`, [HOST_SUBPROTOCOL, tokenSubprotocol(TOKEN)], {
    origin: `http://127.0.0.1:${host.port}`,
    maxPayload: 64 * 1024 * 1024,
  });
  const pending = new Map<number, (result: unknown) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    const resolve = typeof message.id === 'number' ? pending.get(message.id) : undefined;
    if (resolve && typeof message.id === 'number') {
      pending.delete(message.id);
      resolve(message.result);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    request: (channel, payload) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, resolve);
        socket.send(JSON.stringify({ id, channel, payload }), (error) => error && reject(error));
      }),
    send: (data, binary = false) => socket.send(data, { binary }),
    close: () => socket.close(),
  };
}

describe('over the browser host WebSocket', () => {
  let client: Client;

  beforeAll(async () => {
    client = await connect();
  });

  afterAll(() => client?.close());

  it(`${WS_RUNS} generated requests across every channel: one typed answer each, no crash, no stray state change`, async () => {
    await fc.assert(
      fc.asyncProperty(requestArbitrary(examples, { maxDepth: 2000, nonJson: false }), async ({ channel, payload }) => {
        const result = await client.request(channel, payload);
        counted.ws += 1;
        // What the server saw is what JSON made of the payload.
        const sent: unknown = JSON.parse(JSON.stringify({ payload }) ?? '{}').payload;
        if (JSON.stringify({ id: 0, channel, payload }).length > 1024 * 1024) {
          expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
        }
        check(channel, sent, result);
      }),
      { numRuns: WS_RUNS, endOnFailure: true },
    );
  }, 300_000);

  it('raw frames: not JSON, wrong envelope, binary, oversized; the socket and the state survive', async () => {
    const frames: { data: string | Buffer; binary?: boolean; answered: boolean }[] = [
      { data: 'not json', answered: false },
      { data: '{"id":7001,"channel":"call.answer","payload":', answered: true },
      { data: '{"id":7002}', answered: true },
      { data: '{"id":7003,"channel":42,"payload":{}}', answered: true },
      { data: '{"id":7004,"channel":"profiles.list","payload":{},"extra":1}', answered: true },
      { data: '{"id":-1,"channel":"profiles.list","payload":{}}', answered: false },
      { data: '{"id":1e400,"channel":"profiles.list","payload":{}}', answered: false },
      { data: '{"__proto__":{"polluted":1},"id":7005,"channel":"profiles.list","payload":{}}', answered: true },
      { data: '[]', answered: false },
      { data: 'null', answered: false },
      { data: '"string"', answered: false },
      { data: '\u0000\u0001\u0002', answered: false },
      { data: `{"id":7006,"channel":"profiles.save","payload":{"name":"${MEGABYTE_STRING}"}}`, answered: true },
      { data: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, answered: false },
      { data: Buffer.from([0xff, 0xfe, 0x00, 0x01]), binary: true, answered: false },
      { data: Buffer.from('{"id":7007,"channel":"profiles.list","payload":{}}'), binary: true, answered: false },
    ];
    const answers = new Map<number, unknown>();
    client.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (typeof message.id === 'number' && message.id >= 7000 && message.id < 8000) answers.set(message.id, message.result);
    });
    for (const frame of frames) {
      client.send(frame.data, frame.binary);
      counted.frames += 1;
    }
    // A request after the garbage still gets its answer, in order.
    expect(await client.request('profiles.list', {})).toMatchObject({ ok: true });
    expect([...answers.keys()].sort()).toEqual([7001, 7002, 7003, 7004, 7005, 7006]);
    for (const result of answers.values()) expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(prototypeIsClean()).toBe(true);
    expect(state()).toBe(baseline);

    // A frame beyond the host's hard limit closes that socket (1009); the host goes on.
    const victim = await connect();
    const closed = new Promise<number>((resolve) => victim.socket.once('close', (code) => resolve(code)));
    victim.send('x'.repeat(5 * 1024 * 1024));
    counted.frames += 1;
    expect(await closed).toBe(1009);
    expect(await client.request('engine.statuses', {})).toMatchObject({ ok: true });
  }, 30_000);
});

describe('the whole run', () => {
  it('fuzzed at least 10,000 payloads across both transports', () => {
    const total = counted.ipc + counted.ws + counted.bogus + counted.frames;
    console.info(`[fuzz] ${JSON.stringify(counted)} = ${total} payloads`);
    if (SCALE >= 1) expect(total).toBeGreaterThanOrEqual(10_000);
    expect(bugs).toEqual([]);
    // recording.start was fuzzed against a real folder: no more files than the start limit allows (5, then one per 12 s).
    const files = existsSync(recordingsDir) ? readdirSync(recordingsDir) : [];
    expect(files.length).toBeLessThanOrEqual(5 + Math.ceil((Date.now() - startedAt) / 12_000));
  });
});
