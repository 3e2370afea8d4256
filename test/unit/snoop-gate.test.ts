import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineManager } from '../../main/engine/manager.js';
import { createDispatcher, createHandlers } from '../../main/handlers.js';
import type { Logger } from '../../main/log.js';
import { silentLogger } from '../../main/log.js';
import { memoryOnlyVault, ProfileStore } from '../../main/profiles.js';
import { SettingsStore } from '../../main/settings.js';
import type { SnoopConsent } from '../../main/snoop-gate.js';

// Listening to calls must never be something a page can arrange on its own:
// these drive the real handler table the page talks to.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  dispatch: (channel: unknown, payload: unknown) => Promise<{ ok: boolean; error?: { code: string; message: string }; value?: unknown }>;
  settings: SettingsStore;
  asked: string[];
  lines: string[];
  file: string;
}

async function setup(answer: ((endpoint: string) => Promise<boolean>) | null, initial: { snoopEnabled?: boolean; operatorEndpoint?: string | null } = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'snoop-gate-'));
  dirs.push(dir);
  const file = join(dir, 'settings.json');
  const settings = new SettingsStore(file);
  await settings.set(initial);
  const profiles = new ProfileStore(null, memoryOnlyVault);
  const engines = new EngineManager(profiles, { status() {}, batch() {} }, silentLogger);
  const asked: string[] = [];
  const lines: string[] = [];
  const log: Logger = {
    debug() {},
    info: (message, fields) => lines.push(`info ${message} ${JSON.stringify(fields ?? {})}`),
    warn: (message, fields) => lines.push(`warn ${message} ${JSON.stringify(fields ?? {})}`),
    error: (message, fields) => lines.push(`error ${message} ${JSON.stringify(fields ?? {})}`),
  };
  const consent: SnoopConsent | undefined = answer
    ? {
        confirm: async ({ endpoint }) => {
          asked.push(endpoint);
          return answer(endpoint);
        },
      }
    : undefined;
  const dispatch = createDispatcher(createHandlers({ profiles, engines, settings, log, ...(consent ? { snoopConsent: consent } : {}) }), silentLogger) as Setup['dispatch'];
  return { dispatch, settings, asked, lines, file };
}

const onDisk = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { snoopEnabled: boolean; operatorEndpoint: string | null };

describe('snoop.start', () => {
  it('has no endpoint: a page cannot send the audio anywhere but the operator phone', async () => {
    const { dispatch } = await setup(null, { snoopEnabled: true, operatorEndpoint: 'PJSIP/100' });
    const result = await dispatch('snoop.start', { profileId: 'p1', channelId: 'c1', mode: 'listen', endpoint: 'PJSIP/666' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('endpoint') } });
  });
});

describe('settings.set from the page', () => {
  it('cannot turn snoop on without a confirmation outside the page (browser host), and main logs the attempt', async () => {
    const { dispatch, settings, lines, file } = await setup(null, { operatorEndpoint: 'PJSIP/100' });
    const result = await dispatch('settings.set', { snoopEnabled: true });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(settings.get().snoopEnabled).toBe(false);
    expect(onDisk(file).snoopEnabled).toBe(false);
    expect(lines.join('\n')).toMatch(/warn snoop: the page asked to turn it on; refused/);
  });

  it('asks the person at the machine, naming the phone; no means off, yes means on with that phone', async () => {
    let answer = false;
    const { dispatch, settings, asked, lines } = await setup(async () => answer);
    expect(await dispatch('settings.set', { snoopEnabled: true })).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('phone') } });
    expect(asked).toEqual([]);
    expect(await dispatch('settings.set', { snoopEnabled: true, operatorEndpoint: 'PJSIP/100' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(asked).toEqual(['PJSIP/100']);
    expect(settings.get()).toMatchObject({ snoopEnabled: false, operatorEndpoint: null });
    answer = true;
    expect(await dispatch('settings.set', { snoopEnabled: true, operatorEndpoint: 'PJSIP/101' })).toMatchObject({ ok: true, value: { snoopEnabled: true, operatorEndpoint: 'PJSIP/101' } });
    expect(asked).toEqual(['PJSIP/100', 'PJSIP/101']);
    expect(lines.join('\n')).toMatch(/warn snoop: turning it on was declined \{"endpoint":"PJSIP\/100"\}[\s\S]*warn snoop: turned on after confirmation \{"endpoint":"PJSIP\/101"\}/);
  });

  it('asks one question at a time and treats a failing dialog as no', async () => {
    let release!: (yes: boolean) => void;
    const { dispatch, settings, asked } = await setup((endpoint) => (endpoint === 'PJSIP/9' ? Promise.reject(new Error('no display')) : new Promise<boolean>((resolve) => (release = resolve))), { operatorEndpoint: 'PJSIP/100' });
    const first = dispatch('settings.set', { snoopEnabled: true });
    await expect.poll(() => asked.length).toBe(1);
    expect(await dispatch('settings.set', { snoopEnabled: true })).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('Already asking') } });
    // The page changes the phone while the dialog is up: the confirmed phone is the one kept.
    await dispatch('settings.set', { operatorEndpoint: 'PJSIP/666' });
    release(true);
    expect(await first).toMatchObject({ ok: true });
    expect(settings.get()).toMatchObject({ snoopEnabled: true, operatorEndpoint: 'PJSIP/100' });
    await dispatch('settings.set', { snoopEnabled: false });
    expect(await dispatch('settings.set', { snoopEnabled: true, operatorEndpoint: 'PJSIP/9' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(settings.get().snoopEnabled).toBe(false);
  });

  it('changing the operator phone while snoop is on turns snoop off; turning it off needs no question', async () => {
    const { dispatch, settings, asked, lines } = await setup(async () => true, { snoopEnabled: true, operatorEndpoint: 'PJSIP/100' });
    expect(await dispatch('settings.set', { operatorEndpoint: 'PJSIP/100', notifications: false })).toMatchObject({ ok: true, value: { snoopEnabled: true } });
    expect(await dispatch('settings.set', { operatorEndpoint: 'PJSIP/666' })).toMatchObject({ ok: true, value: { snoopEnabled: false, operatorEndpoint: 'PJSIP/666' } });
    expect(lines.join('\n')).toContain('snoop: turned off because the operator phone changed from the page');
    await settings.set({ snoopEnabled: true });
    expect(await dispatch('settings.set', { snoopEnabled: false })).toMatchObject({ ok: true, value: { snoopEnabled: false } });
    expect(asked).toEqual([]);
  });

  it('a console that may not change the settings (another one owns the data folder) refuses before asking, not after a yes', async () => {
    const asked: string[] = [];
    const settings = new SettingsStore(null, { readOnly: 'Another ARI Console is using the data folder /x.', runOnly: { operatorEndpoint: 'PJSIP/100' } });
    const profiles = new ProfileStore(null, memoryOnlyVault);
    const engines = new EngineManager(profiles, { status() {}, batch() {} }, silentLogger);
    const snoopConsent: SnoopConsent = { confirm: async ({ endpoint }) => (asked.push(endpoint), true) };
    const dispatch = createDispatcher(createHandlers({ profiles, engines, settings, log: silentLogger, snoopConsent }), silentLogger) as Setup['dispatch'];
    const result = await dispatch('settings.set', { snoopEnabled: true });
    expect(result).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('Another ARI Console') } });
    expect(asked).toEqual([]);
    expect(settings.get().snoopEnabled).toBe(false);
  });

  it('main side (settings.json, SettingsStore.set) turns it on without asking', async () => {
    const { settings, asked } = await setup(async () => false);
    await settings.set({ snoopEnabled: true, operatorEndpoint: 'PJSIP/100' });
    expect(settings.get().snoopEnabled).toBe(true);
    expect(asked).toEqual([]);
  });
});
