import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { profileSummarySchema, type ProfileInput } from '../../common/contract.js';
import { createDispatcher, createHandlers } from '../../main/handlers.js';
import { EngineManager } from '../../main/engine/manager.js';
import { silentLogger } from '../../main/log.js';
import { memoryOnlyVault, ProfileStore, type CredentialVault } from '../../main/profiles.js';

/** Passwords at rest: sealed, never in the clear unless the user agreed, never in an answer. */

const PASSWORD = 'Tr0ub4dor&3-unique-7f3a';
const input: ProfileInput = { name: 'Office PBX', baseUrl: 'https://pbx.example:8089', username: 'console', password: PASSWORD, app: 'console', subscribeAll: true };

const electron = vi.hoisted(() => ({ available: true, backend: 'gnome_libsecret' }));
vi.mock('electron', () => ({
  safeStorage: {
    isEncryptionAvailable: () => electron.available,
    getSelectedStorageBackend: () => electron.backend,
    encryptString: (text: string) => Buffer.from(`enc:${Buffer.from(text).toString('hex')}`),
    decryptString: (data: Buffer) => Buffer.from(data.toString().slice(4), 'hex').toString(),
  },
}));

/** A stand-in for the OS keychain: real encryption with a key the file never sees. */
function keychainVault(): CredentialVault {
  const key = randomBytes(32);
  return {
    kind: 'os-keychain',
    canPersist: true,
    seal: (password) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open: (sealed) => {
      const raw = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'profiles-'));
  file = join(dir, 'config', 'profiles.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function store(vault: CredentialVault): Promise<ProfileStore> {
  const profiles = new ProfileStore(file, vault);
  await profiles.load();
  return profiles;
}

/** The password in any form a careless writer might leave it: as is, JSON-escaped, base64, hex. */
function leaks(text: string): boolean {
  return [PASSWORD, JSON.stringify(PASSWORD).slice(1, -1), Buffer.from(PASSWORD).toString('base64'), Buffer.from(PASSWORD).toString('hex')].some((form) => text.includes(form));
}

describe('with the OS keychain', () => {
  it('seals the password: the file never holds it, a new run opens it', async () => {
    const vault = keychainVault();
    const summary = await (await store(vault)).save(input);
    const text = await readFile(file, 'utf8');
    expect(leaks(text)).toBe(false);
    expect(JSON.parse(text).profiles[0]).toMatchObject({ id: summary.id, vault: 'os-keychain', sealedPassword: expect.any(String) });
    expect(summary).toMatchObject({ hasPassword: true, vault: 'os-keychain' });
    expect((await store(vault)).resolve(summary.id).password).toBe(PASSWORD);
  });

  it('writes the file 0600 by replacing it whole, leaving no temporary file', async () => {
    const profiles = await store(keychainVault());
    const first = await profiles.save(input);
    const before = await stat(file);
    await profiles.save({ ...input, id: first.id, name: 'Renamed' });
    const after = await stat(file);
    expect(after.mode & 0o777).toBe(0o600);
    // A new inode: the new content was renamed over the old, never written into it.
    expect(after.ino).not.toBe(before.ino);
    expect(await readdir(join(dir, 'config'))).toEqual(['profiles.json']);
  });

  it('keeps the sealed password when a profile is edited without one, and ignores allowPlaintext', async () => {
    const vault = keychainVault();
    const profiles = await store(vault);
    const { id } = await profiles.save({ ...input, allowPlaintext: true });
    const { password: _omitted, ...edit } = input;
    await profiles.save({ ...edit, id, name: 'Edited', caFile: '/etc/pki/pbx-ca.pem' });
    expect(leaks(await readFile(file, 'utf8'))).toBe(false);
    expect(profiles.resolve(id)).toMatchObject({ name: 'Edited', password: PASSWORD, caFile: '/etc/pki/pbx-ca.pem' });
    await profiles.save({ ...edit, id });
    expect(profiles.resolve(id)).not.toHaveProperty('caFile');
  });

  it('says plainly when the password was sealed by a vault this run does not have', async () => {
    const { id } = await (await store(keychainVault())).save(input);
    const elsewhere = await store(memoryOnlyVault);
    expect(() => elsewhere.resolve(id)).toThrow(/stored with os-keychain, which is not available here; enter it again/);
    expect(elsewhere.list()[0]).toMatchObject({ hasPassword: true, vault: 'os-keychain' });
  });
});

describe('without an OS keychain', () => {
  it('refuses a save it cannot encrypt with a typed error that says why, and changes nothing until the user answers', async () => {
    const profiles = await store(memoryOnlyVault);
    const refused = await profiles.save(input).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: 'keychain_unavailable',
      message: 'Nothing was saved: the password of "Office PBX" cannot be encrypted on this computer (this console has no keychain to encrypt it with). It can be stored unencrypted in the profiles file, or kept for this run only.',
    });
    expect(leaks((refused as Error).message)).toBe(false);
    expect(profiles.list()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the password in memory for this run only when the user says no, and says so', async () => {
    const profiles = await store(memoryOnlyVault);
    const summary = await profiles.save({ ...input, allowPlaintext: false });
    expect(summary).toMatchObject({ hasPassword: true, vault: 'memory-only' });
    expect(profiles.resolve(summary.id).password).toBe(PASSWORD);
    const text = await readFile(file, 'utf8');
    expect(leaks(text)).toBe(false);
    expect(JSON.parse(text).profiles[0]).not.toHaveProperty('sealedPassword');

    const nextRun = await store(memoryOnlyVault);
    expect(nextRun.list()[0]).toMatchObject({ hasPassword: false, vault: null });
    expect(() => nextRun.resolve(summary.id)).toThrow(/has no password stored; edit it and enter the password/);
  });

  it('stores it in the clear only after the user agreed (allowPlaintext), still 0600', async () => {
    const summary = await (await store(memoryOnlyVault)).save({ ...input, allowPlaintext: true });
    expect(summary.vault).toBe('plaintext');
    const text = await readFile(file, 'utf8');
    expect(text).toContain(PASSWORD);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // Readable by a later run whatever vault it has: the user chose this.
    expect((await store(memoryOnlyVault)).resolve(summary.id).password).toBe(PASSWORD);
    expect((await store(keychainVault())).resolve(summary.id).password).toBe(PASSWORD);
  });

  it('asks the same when a keychain that was there fails to encrypt at save time', async () => {
    const broken: CredentialVault = {
      ...keychainVault(),
      seal: () => {
        throw new Error('the keyring is locked');
      },
    };
    const profiles = await store(broken);
    await expect(profiles.save(input)).rejects.toMatchObject({ code: 'keychain_unavailable', message: expect.stringContaining('(the keychain could not encrypt it (the keyring is locked))') });
    expect(profiles.list()).toEqual([]);
    expect(await profiles.save({ ...input, allowPlaintext: true })).toMatchObject({ vault: 'plaintext' });
  });

  it('asks nothing where no profiles file is kept (the browser host without --profiles, tests): the password lasts the run', async () => {
    const profiles = new ProfileStore(null, memoryOnlyVault);
    const summary = await profiles.save(input);
    expect(summary).toMatchObject({ hasPassword: true, vault: 'memory-only' });
    expect(profiles.resolve(summary.id).password).toBe(PASSWORD);
  });

  it('answers the page with keychain_unavailable over the contract, and a retry with the answer saves', async () => {
    const profiles = await store(memoryOnlyVault);
    const engines = new EngineManager(profiles, { status() {}, batch() {} }, silentLogger);
    const dispatch = createDispatcher(createHandlers({ profiles, engines }), silentLogger);
    const refused = await dispatch('profiles.save', input);
    expect(refused).toMatchObject({ ok: false, error: { code: 'keychain_unavailable', message: expect.stringContaining('cannot be encrypted on this computer') } });
    expect(leaks(JSON.stringify(refused))).toBe(false);
    expect(await dispatch('profiles.save', { ...input, allowPlaintext: true })).toMatchObject({ ok: true, value: { vault: 'plaintext' } });
    engines.dispose();
  });
});

describe('the Electron vault (safeStorage)', () => {
  it('uses the OS keychain when safeStorage encrypts with a real backend', async () => {
    const { createSafeStorageVault } = await import('../../main/shell/vault.js');
    electron.available = true;
    electron.backend = 'gnome_libsecret';
    const warnings: string[] = [];
    const vault = createSafeStorageVault((message) => warnings.push(message));
    expect(vault).toMatchObject({ kind: 'os-keychain', canPersist: true });
    expect(vault.open(vault.seal(PASSWORD))).toBe(PASSWORD);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['encryption is unavailable', false, 'gnome_libsecret'],
    ['Linux falls back to its hard-coded key', true, 'basic_text'],
  ])('refuses to persist and says why when %s', async (_why, available, backend) => {
    const { createSafeStorageVault } = await import('../../main/shell/vault.js');
    electron.available = available;
    electron.backend = backend;
    const warnings: string[] = [];
    const vault = createSafeStorageVault((message) => warnings.push(message));
    expect(vault).toMatchObject({ kind: 'memory-only', canPersist: false, unavailable: expect.any(String) });
    if (process.platform === 'linux' || !available) expect(warnings.join('\n')).toMatch(/credential encryption is unavailable/);
    // The reason a save is refused with, so the question names it.
    const refused = await new ProfileStore(file, vault).save(input).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'keychain_unavailable', message: expect.stringContaining(vault.unavailable ?? '') });
    if (process.platform === 'linux' && backend === 'basic_text') expect(vault.unavailable).toContain('no keyring service such as GNOME Keyring or KWallet');
  });
});

describe('through the request handlers', () => {
  it('answers saves and lists with summaries that carry no password, and refuses credentials in the address', async () => {
    const profiles = await store(keychainVault());
    const engines = new EngineManager(profiles, { status() {}, batch() {} }, silentLogger);
    const dispatch = createDispatcher(createHandlers({ profiles, engines }), silentLogger);
    const saved = await dispatch('profiles.save', input);
    const listed = await dispatch('profiles.list', {});
    for (const result of [saved, listed]) {
      expect(result.ok).toBe(true);
      expect(leaks(JSON.stringify(result))).toBe(false);
    }
    expect(saved.ok && profileSummarySchema.parse(saved.value)).toMatchObject({ hasPassword: true, vault: 'os-keychain', caFile: null });

    const inUrl = await dispatch('profiles.save', { ...input, baseUrl: `https://console:${PASSWORD}@pbx.example:8089` });
    expect(inUrl).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(leaks(JSON.stringify(inUrl))).toBe(false);
    const relativeCa = await dispatch('profiles.save', { ...input, caFile: 'ca.pem' });
    expect(relativeCa).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('caFile') } });
    engines.dispose();
  });
});
