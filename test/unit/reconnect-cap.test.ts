import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffDelay } from '../../common/supervisor.js';
import { tuningFromEnv } from '../../main/backend-node.js';
import { withCap } from '../../main/engine/engine.js';
import { EngineManager } from '../../main/engine/manager.js';
import { createDispatcher, createHandlers } from '../../main/handlers.js';
import { silentLogger } from '../../main/log.js';
import { plaintextVault, ProfileStore } from '../../main/profiles.js';
import { connectionDraft, draftToInput } from '../../renderer/src/lib/people/wizard.js';
import { freePort } from '../free-port.js';

/** A profile's own reconnect cap (`reconnectMaxMs`), over the process-wide default ARI_RECONNECT_MAX_MS. */

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reconnect-cap-'));
  file = join(dir, 'profiles.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { baseUrl: 'http://127.0.0.1:9', username: 'console', password: 'secret', app: 'console', subscribeAll: true, allowPlaintext: true };

describe('a profile\'s reconnect cap', () => {
  it('is kept with the profile, read back in a new run, and handed to the engine; none means the default', async () => {
    const profiles = new ProfileStore(file, plaintextVault);
    const capped = await profiles.save({ ...base, name: 'Shared PBX', reconnectMaxMs: 5000 });
    const plain = await profiles.save({ ...base, name: 'Desk PBX' });
    expect(capped.reconnectMaxMs).toBe(5000);
    expect(plain.reconnectMaxMs).toBeNull();

    const again = new ProfileStore(file, plaintextVault);
    await again.load();
    expect(again.problems()).toEqual([]);
    expect(again.resolve(capped.id).reconnectMaxMs).toBe(5000);
    expect(again.resolve(plain.id)).not.toHaveProperty('reconnectMaxMs');
  });

  it('caps that profile\'s engine only; the others keep the process default (ARI_RECONNECT_MAX_MS)', async () => {
    const port = await freePort();
    const profiles = new ProfileStore(null, plaintextVault);
    const url = `http://127.0.0.1:${port}`;
    const a = await profiles.save({ ...base, baseUrl: url, name: 'A', reconnectMaxMs: 200 });
    const b = await profiles.save({ ...base, baseUrl: url, name: 'B' });
    // Nothing listens on the port: both engines just retry in the background.
    const engines = new EngineManager(profiles, { status() {}, batch() {} }, silentLogger, tuningFromEnv({ ARI_RECONNECT_MAX_MS: '5000' }));
    try {
      engines.connect(a.id);
      engines.connect(b.id);
      expect(engines.get(a.id)?.backoff).toEqual({ ...DEFAULT_BACKOFF, maxDelayMs: 200 });
      expect(engines.get(b.id)?.backoff).toEqual({ ...DEFAULT_BACKOFF, maxDelayMs: 5000 });

      // An edited cap is a new engine with the new cap, not the old one carrying on.
      const before = engines.get(a.id);
      await profiles.save({ ...base, baseUrl: url, id: a.id, name: 'A', reconnectMaxMs: 300 });
      engines.connect(a.id);
      expect(engines.get(a.id)).not.toBe(before);
      expect(engines.get(a.id)?.backoff.maxDelayMs).toBe(300);
    } finally {
      engines.dispose();
    }
  });

  it('below the first retry delay, caps that one too', () => {
    const policy = withCap({ ...DEFAULT_BACKOFF, initialDelayMs: 500 }, 150);
    expect(policy).toMatchObject({ initialDelayMs: 150, maxDelayMs: 150 });
    expect(backoffDelay(1, 0, policy)).toBe(150);
    expect(withCap(DEFAULT_BACKOFF, undefined)).toBe(DEFAULT_BACKOFF);
  });

  it.each([
    [99, 'reconnectMaxMs: must be at least 100 ms'],
    [600_001, 'reconnectMaxMs: must be at most 600000 ms (10 minutes)'],
    [1500.5, 'reconnectMaxMs: must be a whole number of milliseconds'],
    ['5000', 'reconnectMaxMs:'],
  ])('is refused over the contract when %s, naming the field', async (value, message) => {
    const profiles = new ProfileStore(null, plaintextVault);
    const engines = new EngineManager(profiles, { status() {}, batch() {} }, silentLogger);
    const dispatch = createDispatcher(createHandlers({ profiles, engines }), silentLogger);
    const answer = await dispatch('profiles.save', { ...base, name: 'Bad', reconnectMaxMs: value });
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining(message) } });
    expect(profiles.list()).toEqual([]);
  });

  it('a profiles file with an impossible cap is reported, not obeyed', async () => {
    await writeFile(file, JSON.stringify({ version: 1, profiles: [{ id: 'p-x', name: 'X', baseUrl: 'http://pbx:8088', username: 'u', app: 'console', subscribeAll: true, reconnectMaxMs: 5 }] }));
    const profiles = new ProfileStore(file, plaintextVault);
    await profiles.load();
    expect(profiles.list()).toEqual([]);
    expect(profiles.problems()[0]).toMatch(/"X": reconnectMaxMs must be at least 100 ms/);
    expect(await readFile(file, 'utf8')).toContain('"reconnectMaxMs":5');
  });
});

describe('the connection form\'s advanced reconnect cap', () => {
  const draft = () => ({ ...connectionDraft(null), baseUrl: 'http://pbx:8088', password: 'secret' });

  it('sends nothing when left empty (the default), and the number when given', () => {
    expect(draftToInput(draft())).toMatchObject({ ok: true, input: expect.not.objectContaining({ reconnectMaxMs: expect.anything() }) });
    expect(draftToInput({ ...draft(), reconnectMaxMs: ' 5000 ' })).toMatchObject({ ok: true, input: { reconnectMaxMs: 5000 } });
  });

  it.each(['99', '600001', '1.5', 'soon', '5 s'])('says what is wrong with "%s" before anything is sent', (value) => {
    expect(draftToInput({ ...draft(), reconnectMaxMs: value })).toEqual({
      ok: false,
      error: 'Longest wait between reconnect attempts: a whole number of milliseconds from 100 to 600000, or empty for the default.',
    });
  });

  it('shows a saved profile\'s cap when it is edited', () => {
    const summary = { id: 'p-a', name: 'A', baseUrl: 'http://pbx:8088', username: 'u', app: 'console', subscribeAll: true, caFile: null, hasPassword: true, vault: null, builtIn: false };
    expect(connectionDraft({ ...summary, reconnectMaxMs: 5000 }).reconnectMaxMs).toBe('5000');
    expect(connectionDraft({ ...summary, reconnectMaxMs: null }).reconnectMaxMs).toBe('');
  });
});
