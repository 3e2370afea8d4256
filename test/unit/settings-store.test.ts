import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../common/settings.js';
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
  });

  it('refuses a patch that does not fit, with a typed error, and keeps the old settings', async () => {
    const store = new SettingsStore(null, { operatorEndpoint: 'PJSIP/100' });
    await expect(store.set({ dialTemplate: 'PJSIP/no-placeholder' } as never)).rejects.toMatchObject({ code: 'invalid_request' });
    expect(store.get().operatorEndpoint).toBe('PJSIP/100');
  });
});
