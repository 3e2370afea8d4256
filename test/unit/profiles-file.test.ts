import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { profileFromEnv, tuningFromEnv } from '../../main/backend-node.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../../common/supervisor.js';
import { createDispatcher, createHandlers } from '../../main/handlers.js';
import { EngineManager } from '../../main/engine/manager.js';
import { silentLogger } from '../../main/log.js';
import { plaintextVault, ProfileStore } from '../../main/profiles.js';

/** A damaged profiles file must neither stop the console nor be overwritten by the next save. */

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'profiles-file-'));
  file = join(dir, 'profiles.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const good = { id: 'p-good', name: 'Office', baseUrl: 'http://pbx:8088', username: 'console', app: 'console', subscribeAll: true, sealedPassword: 'pw', vault: 'plaintext' };

async function loaded(text: string): Promise<ProfileStore> {
  await writeFile(file, text);
  const profiles = new ProfileStore(file, plaintextVault);
  await profiles.load();
  return profiles;
}

describe('reading the profiles file', () => {
  it('starts with no profiles from a file that is not JSON, keeps the original aside and says so', async () => {
    const profiles = await loaded('{"version":1,"profiles":[{"id":"p-a", trunc');
    expect(profiles.list()).toEqual([]);
    expect(profiles.problems()).toHaveLength(1);
    expect(profiles.problems()[0]).toMatch(/not valid JSON/);
    const backups = (await readdir(dir)).filter((name) => name.startsWith('profiles.json.unreadable-'));
    expect(backups).toHaveLength(1);
    expect(await readFile(join(dir, backups[0] ?? ''), 'utf8')).toContain('trunc');
    expect(profiles.problems()[0]).toContain(backups[0]);
  });

  it('keeps the readable profiles and names each one it skipped, with the reason', async () => {
    const profiles = await loaded(
      JSON.stringify({
        version: 1,
        profiles: [good, { ...good, id: 'p-ftp', name: 'Old', baseUrl: 'ftp://pbx' }, 'junk', { ...good, id: 'P BAD' }, { ...good, id: 'p-new', futureField: 1 }],
      }),
    );
    expect(profiles.list().map((profile) => profile.id)).toEqual(['p-good', 'p-new']);
    expect(profiles.resolve('p-good').password).toBe('pw');
    const [problem] = profiles.problems();
    expect(problem).toMatch(/"Old": baseUrl must be an http/);
    expect(problem).toMatch(/#3 was skipped: it is not an object/);
    expect(problem).toMatch(/#4 was skipped/);
  });

  it('a later save rewrites the file but the unreadable original survives as the backup', async () => {
    const original = JSON.stringify({ version: 1, profiles: [good, { ...good, id: 'p-x', app: 'bad app name' }] });
    const profiles = await loaded(original);
    await profiles.save({ name: 'New', baseUrl: 'http://pbx2:8088', username: 'u', password: 'p', app: 'console', subscribeAll: false, allowPlaintext: true });
    const names = await readdir(dir);
    const backup = names.find((name) => name.startsWith('profiles.json.unreadable-'));
    expect(backup).toBeDefined();
    expect(await readFile(join(dir, backup ?? ''), 'utf8')).toBe(original);
    expect(JSON.parse(await readFile(file, 'utf8')).profiles).toHaveLength(2);
  });

  it('says plainly when no copy of the damaged file could be made, names none, and then refuses to overwrite the only one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-04T05:06:07.890Z'));
    const taken = `${file}.unreadable-2026-03-04T05-06-07-890Z`;
    await mkdir(taken);
    const original = JSON.stringify({ version: 1, profiles: [good, { ...good, id: 'p-x', app: 'bad app name' }] });
    let profiles: ProfileStore;
    try {
      profiles = await loaded(original);
    } finally {
      vi.useRealTimers();
    }
    expect(profiles.problems()[0]).toMatch(/could not be read \(.+\) and no backup could be written \(EEXIST: file already exists\); profiles cannot be changed in this run/);
    expect(profiles.problems()[0]).not.toContain(taken);
    // The readable profile is still there to connect with; nothing may replace the file holding the unreadable one.
    expect(profiles.resolve('p-good').password).toBe('pw');
    const add = { name: 'New', baseUrl: 'http://pbx2:8088', username: 'u', password: 'p', app: 'console', subscribeAll: false, allowPlaintext: true };
    await expect(profiles.save(add)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('no copy of it could be made') });
    await expect(profiles.remove('p-good')).rejects.toMatchObject({ code: 'unavailable' });
    expect(profiles.list().map((profile) => profile.id)).toEqual(['p-good']);
    expect(await readFile(file, 'utf8')).toBe(original);
  });

  it('a file with no profiles list is a problem, not a crash', async () => {
    const profiles = await loaded('[1,2,3]');
    expect(profiles.list()).toEqual([]);
    expect(profiles.problems()[0]).toMatch(/no "profiles" list/);
  });

  it('an unreadable file (a folder in its place) is reported and nothing is backed up', async () => {
    await mkdir(file);
    const profiles = new ProfileStore(file, plaintextVault);
    await profiles.load();
    expect(profiles.problems()[0]).toMatch(/could not be read/);
    // What could not be read cannot be copied either: a save must not replace it.
    const add = { name: 'New', baseUrl: 'http://pbx2:8088', username: 'u', password: 'p', app: 'console', subscribeAll: false, allowPlaintext: true };
    await expect(profiles.save(add)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('could not be read') });
    expect(profiles.list()).toEqual([]);
  });

  it('reports its problems over the contract', async () => {
    const profiles = await loaded('nope');
    const engines = new EngineManager(profiles, { status() {}, batch() {} }, silentLogger);
    const dispatch = createDispatcher(createHandlers({ profiles, engines }), silentLogger);
    const answer = await dispatch('profiles.problems', {});
    expect(answer).toMatchObject({ ok: true, value: [expect.stringMatching(/not valid JSON/)] });
    engines.dispose();
  });
});

describe('a saved profile whose destination changes', () => {
  it('never sends its stored password to another address or as another user', async () => {
    const profiles = await loaded(JSON.stringify({ version: 1, profiles: [good] }));
    const engines = new EngineManager(profiles, { status() {}, batch() {} }, silentLogger);
    const dispatch = createDispatcher(createHandlers({ profiles, engines }), silentLogger);
    const { id, name, baseUrl, username, app, subscribeAll } = good;
    const changes = [{ baseUrl: 'http://attacker.example:8088' }, { baseUrl: 'https://pbx:8088' }, { username: 'other' }];
    for (const changed of changes) {
      const tested = await dispatch('profiles.test', { id, name, baseUrl, username, app, subscribeAll, ...changed });
      expect(tested).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/enter the ARI password/) } });
      // Nor by saving the change first and connecting afterwards.
      const saved = await dispatch('profiles.save', { id, name, baseUrl, username, app, subscribeAll, ...changed });
      expect(saved).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringMatching(/enter the ARI password again/) } });
      expect(profiles.resolve(id)).toMatchObject({ baseUrl, username, password: 'pw' });
    }
    // Renaming or another app keeps the password; a new address with the password typed again is fine.
    expect(await dispatch('profiles.save', { id, name: 'Renamed', baseUrl: 'http://pbx:8088/', username, app: 'desk', subscribeAll })).toMatchObject({ ok: true });
    expect(profiles.resolve(id).password).toBe('pw');
    expect(await dispatch('profiles.save', { id, name, baseUrl: 'http://pbx2:8088', username, app, subscribeAll, password: 'new', allowPlaintext: true })).toMatchObject({ ok: true });
    expect(profiles.resolve(id)).toMatchObject({ baseUrl: 'http://pbx2:8088', password: 'new' });
    engines.dispose();
  });
});

describe('the reconnect cap from the environment (ARI_RECONNECT_MAX_MS)', () => {
  it('is the default 1 s cap when unset', () => {
    expect(tuningFromEnv({})).toEqual({});
    expect(backoffDelay(30, 0, DEFAULT_BACKOFF)).toBe(1000);
  });

  it('caps every retry at the value given, still jittered below it', () => {
    const backoff = tuningFromEnv({ ARI_RECONNECT_MAX_MS: '5000' }).backoff;
    expect(backoff).toEqual({ ...DEFAULT_BACKOFF, maxDelayMs: 5000 });
    expect(backoffDelay(30, 0, backoff)).toBe(5000);
    expect(backoffDelay(30, 1, backoff)).toBe(2500);
    expect(backoffDelay(1, 0, backoff)).toBe(DEFAULT_BACKOFF.initialDelayMs);
    expect(backoffDelay(30, 0, tuningFromEnv({ ARI_RECONNECT_MAX_MS: '100' }).backoff)).toBe(100);
  });

  it.each(['0', '99', '600001', '1.5', '-1000', 'soon', '1e4'])('refuses %s, naming the variable', (value) => {
    expect(() => tuningFromEnv({ ARI_RECONNECT_MAX_MS: value })).toThrow(/^ARI_RECONNECT_MAX_MS: a whole number of milliseconds/);
  });
});

describe('the built-in profile from the environment', () => {
  const env = { ARI_URL: 'http://127.0.0.1:8088', ARI_USER: 'console', ARI_PASSWORD: 'secret' };

  it('is absent when no ARI variable is set', () => {
    expect(profileFromEnv({})).toBeNull();
  });

  it('is built with the same rules as a profile typed in the UI', () => {
    expect(profileFromEnv({ ...env, ARI_APP: 'desk', ARI_SUBSCRIBE_ALL: 'false' })).toEqual({
      id: 'sandbox',
      name: 'Asterisk sandbox',
      baseUrl: 'http://127.0.0.1:8088',
      username: 'console',
      password: 'secret',
      app: 'desk',
      subscribeAll: false,
    });
  });

  it('names the variable that is missing or wrong, and never echoes the password', () => {
    expect(() => profileFromEnv({ ARI_URL: env.ARI_URL, ARI_PASSWORD: 'secret' })).toThrow(/ARI_USER must be set too/);
    expect(() => profileFromEnv({ ...env, ARI_URL: 'ws://pbx:8088' })).toThrow(/^ARI_URL: must be an http/);
    expect(() => profileFromEnv({ ...env, ARI_APP: 'two words' })).toThrow(/^ARI_APP: must be a Stasis application name/);
    expect(() => profileFromEnv({ ...env, ARI_URL: 'http://u:secret@pbx' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });
});
