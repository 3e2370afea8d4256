import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, settingsSchema } from '../../common/settings.js';
import { createBackend } from '../../main/backend-node.js';
import { createLogger } from '../../main/log.js';
import { SettingsStore } from '../../main/settings.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the settings file', () => {
  it('saves a change atomically and loads it back in a new run', async () => {
    const file = join(dir, 'settings.json');
    const store = new SettingsStore(file);
    await store.load();
    const heard: boolean[] = [];
    store.subscribe((settings) => heard.push(settings.snoopEnabled));
    await store.set({ snoopEnabled: true, operatorEndpoint: 'PJSIP/100', park: { timeoutSec: 45 } });
    expect(heard).toEqual([true]);
    const again = new SettingsStore(file);
    await again.load();
    expect(again.get()).toMatchObject({ snoopEnabled: true, operatorEndpoint: 'PJSIP/100', park: { firstSlot: 701, timeoutSec: 45 } });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(again.get());
  });

  it('keeps the good fields of a damaged file and says what is wrong with an unreadable one', async () => {
    const partial = join(dir, 'partial.json');
    await writeFile(partial, JSON.stringify({ snoopEnabled: true, operatorEndpoint: 'not an endpoint', transferTimeoutSec: 9999 }));
    const store = new SettingsStore(partial);
    await store.load();
    expect(store.get()).toMatchObject({ snoopEnabled: true, operatorEndpoint: null, transferTimeoutSec: DEFAULT_SETTINGS.transferTimeoutSec });

    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"snoopEnabled": tru');
    const other = new SettingsStore(broken);
    await other.load();
    expect(other.get()).toEqual(DEFAULT_SETTINGS);
    expect(other.problems()[0]).toContain('could not be read');
    // The next change replaces the file: what could not be read is kept beside it first.
    const [copy] = (await readdir(dir)).filter((name) => name.startsWith('broken.json.unreadable-'));
    expect(other.problems()[0]).toContain(`kept as ${join(dir, copy ?? 'none')}`);
    await other.set({ transferTimeoutSec: 40 });
    expect(await readFile(join(dir, copy ?? 'none'), 'utf8')).toBe('{"snoopEnabled": tru');
  });

  it('refuses every change to an unreadable file that could not be copied aside, saying why, and leaves the file as it was', async () => {
    const broken = join(dir, 'settings.json');
    await writeFile(broken, '{"operatorEndpoint": "PJSIP/1');
    // The copy's name is taken (by a folder): the copy cannot be made, as on a full disk or a read-only folder.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-04T05:06:07.890Z'));
    await mkdir(`${broken}.unreadable-2026-03-04T05-06-07-890Z`);
    const store = new SettingsStore(broken);
    try {
      await store.load();
    } finally {
      vi.useRealTimers();
    }
    expect(store.problems()[0]).toMatch(/no copy of it could be made \(EEXIST: .+\); defaults are used, and settings cannot be changed in this run/);
    await expect(store.set({ transferTimeoutSec: 40 })).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('no copy of it could be made') });
    expect(store.get()).toEqual(DEFAULT_SETTINGS);
    expect(await readFile(broken, 'utf8')).toBe('{"operatorEndpoint": "PJSIP/1');
  });

  it('keeps top-level fields it does not know (a newer version\'s) through a load and a save, without letting them into the settings', async () => {
    const file = join(dir, 'settings.json');
    const newer = { queueColours: { sales: '#f00' }, betaBoard: true };
    // A known field beside them, and one of them named like an Object builtin: neither may be lost or confused.
    await writeFile(file, JSON.stringify({ ...newer, snoopEnabled: true, toString: 'kept' }));
    const store = new SettingsStore(file);
    await store.load();
    expect(store.problems()).toEqual([]);
    expect(store.get()).toEqual({ ...DEFAULT_SETTINGS, snoopEnabled: true });
    expect(settingsSchema.safeParse(store.get()).success).toBe(true);
    await store.set({ operatorEndpoint: 'PJSIP/100' });
    expect(store.get()).not.toHaveProperty('betaBoard');
    const written = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(written).toEqual({ ...DEFAULT_SETTINGS, snoopEnabled: true, operatorEndpoint: 'PJSIP/100', ...newer, toString: 'kept' });
    // And again in the next run: still there after a second change.
    const again = new SettingsStore(file);
    await again.load();
    await again.set({ notifications: false });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ ...newer, toString: 'kept', operatorEndpoint: 'PJSIP/100', notifications: false });
  });

  it('refuses a patch that does not fit, with a typed error, and keeps the old settings', async () => {
    const store = new SettingsStore(null, { runOnly: { operatorEndpoint: 'PJSIP/100' } });
    await expect(store.set({ dialTemplate: 'PJSIP/no-placeholder' } as never)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(store.get().operatorEndpoint).toBe('PJSIP/100');
  });

  it('applies run-only overrides for the run without writing them; a later change saves only what the user changed', async () => {
    const file = join(dir, 'settings.json');
    await writeFile(file, JSON.stringify({ ...DEFAULT_SETTINGS, notifications: false }));
    const store = new SettingsStore(file, { runOnly: { operatorEndpoint: 'PJSIP/100', park: { timeoutSec: 30 } } });
    await store.load();
    expect(store.get()).toMatchObject({ notifications: false, operatorEndpoint: 'PJSIP/100', park: { timeoutSec: 30 } });

    await store.set({ transferTimeoutSec: 40 });
    expect(store.get()).toMatchObject({ operatorEndpoint: 'PJSIP/100', park: { timeoutSec: 30 }, transferTimeoutSec: 40 });
    const written = JSON.parse(await readFile(file, 'utf8')) as typeof DEFAULT_SETTINGS;
    expect(written).toMatchObject({ notifications: false, transferTimeoutSec: 40, operatorEndpoint: DEFAULT_SETTINGS.operatorEndpoint, park: DEFAULT_SETTINGS.park });

    // A field the user changes himself is his: it is saved, and wins over the override for the run.
    await store.set({ operatorEndpoint: 'PJSIP/200' });
    expect(store.get().operatorEndpoint).toBe('PJSIP/200');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ operatorEndpoint: 'PJSIP/200', park: DEFAULT_SETTINGS.park });
  });
});

describe('the backend\'s run-only settings (options.settings)', () => {
  it('apply for the run and never reach settings.json, not even after the user changes another setting', async () => {
    const log = createLogger('run-only', { level: 'error', write: () => undefined });
    const node = await createBackend({ dataDir: dir, log, settings: { operatorEndpoint: 'PJSIP/100' } });
    try {
      expect(node.settings.get().operatorEndpoint).toBe('PJSIP/100');
      expect(await readFile(join(dir, 'settings.json'), 'utf8').catch(() => 'none')).toBe('none');
      expect(await node.backend.dispatch('settings.set', { transferTimeoutSec: 40 })).toMatchObject({ ok: true, value: { operatorEndpoint: 'PJSIP/100', transferTimeoutSec: 40 } });
      expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'))).toMatchObject({ operatorEndpoint: null, transferTimeoutSec: 40 });
    } finally {
      await node.dispose();
    }
    const next = await createBackend({ dataDir: dir, log });
    expect(next.settings.get()).toMatchObject({ operatorEndpoint: null, transferTimeoutSec: 40 });
    await next.dispose();
  });
});
