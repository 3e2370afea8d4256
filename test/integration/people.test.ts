import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ResponseOf } from '../../common/contract.js';
import { presenceOf, type PresenceEntry } from '../../common/workflows/presence.js';
import { createBackend } from '../../main/backend-node.js';
import type { AriRest } from '../../main/engine/ari-rest.js';
import { silentLogger } from '../../main/log.js';
import { startGate, type Gate } from './gate.js';
import { placeInboundCall, sandboxProfile, startConsole, timeUntilLive, waitFor, world, type Console } from './harness.js';
import { baresipAvailable, startPhone, type Phone } from './phones.js';

/**
 * Presence, history and caller names against the real Asterisk with real SIP
 * phones (baresip registered to the sandbox's PJSIP endpoints 101..104): what
 * the presence panel shows comes from the engine's model, so these assert on
 * `presenceOf(model)` — the very function the panel renders.
 */

const sandbox = inject('ari').sandbox;
// In CI (.ci/run installs baresip-core) a missing baresip must fail, not skip.
const run = sandbox && (baresipAvailable() || process.env['CI']) ? describe : describe.skip;

run('presence with real SIP phones', () => {
  let gate: Gate;
  let console_: Console;
  let rest: AriRest;
  const phones: Phone[] = [];
  let dataDir: string;

  const entry = (key: string): PresenceEntry | undefined => presenceOf(console_.model()).find((e) => e.key === key);
  const statusOf = (key: string) => entry(key)?.status;
  const waitStatus = (key: string, status: string, what = `${key} ${status}`) =>
    waitFor(() => statusOf(key) === status, 20_000, what).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; it is ${statusOf(key)}; phones said:\n${phones.map((p) => p.output().slice(-600)).join('\n---\n')}`);
    });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'people-'));
    phones.push(await startPhone(101, { answer: 'auto' }), await startPhone(102, { answer: 'manual' }), await startPhone(103, { answer: 'auto' }));
    gate = await startGate(inject('ari').baseUrl);
    rest = await world();
    console_ = await startConsole({}, sandboxProfile({ baseUrl: gate.baseUrl }));
  });

  afterAll(async () => {
    await console_?.close();
    rest?.close();
    for (const phone of phones) await phone.stop();
    await gate?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows registered phones as available and an unregistered one as offline', async () => {
    for (const key of ['PJSIP/101', 'PJSIP/102', 'PJSIP/103']) await waitStatus(key, 'available');
    expect(statusOf('PJSIP/104')).toBe('offline');
    expect(presenceOf(console_.model()).map((e) => e.key)).toEqual(expect.arrayContaining(['PJSIP/101', 'PJSIP/102', 'PJSIP/103', 'PJSIP/104']));
  });

  it('shows a phone ringing with its call, then busy once a phone answers', async () => {
    const profileId = console_.engine.profile.id;
    const app = console_.engine.profile.app;
    const ringing = (await console_.request('call.originate', { profileId, endpoint: 'PJSIP/102', app, callerId: 'Reception <100>' })) as { channelId: string };
    await waitStatus('PJSIP/102', 'ringing');
    expect(entry('PJSIP/102')?.calls.map((call) => call.channelId)).toContain(ringing.channelId);

    const answered = (await console_.request('call.originate', { profileId, endpoint: 'PJSIP/101', app, callerId: 'Reception <100>' })) as { channelId: string };
    await waitStatus('PJSIP/101', 'busy');
    expect(entry('PJSIP/101')?.calls[0]).toMatchObject({ channelId: answered.channelId, state: 'Up', inStasis: true });
  });

  it('is never stuck after a reconnect: calls and registrations that changed while cut off are shown as they are', async () => {
    const before = presenceOf(console_.model());
    const ringingCall = before.find((e) => e.key === 'PJSIP/102')?.calls[0]?.channelId;
    const busyCall = before.find((e) => e.key === 'PJSIP/101')?.calls[0]?.channelId;
    expect(ringingCall && busyCall).toBeTruthy();

    await gate.close();
    await waitFor(() => console_.engine.status().supervisor.status !== 'live', 15_000, 'link lost');
    // Meanwhile, on the PBX: both calls end and phone 103 goes away.
    await rest.hangup(ringingCall as string);
    await rest.hangup(busyCall as string);
    const phone103 = phones.find((p) => p.extension === 103) as Phone;
    await phone103.stop();
    phones.splice(phones.indexOf(phone103), 1);
    await waitFor(() => false, 1500, 'the PBX to settle').catch(() => undefined);
    // Still what it was before the cut: the console cannot know yet.
    expect(statusOf('PJSIP/101')).toBe('busy');

    const reopened = Date.now();
    await gate.open();
    await timeUntilLive(console_, reopened);
    await waitStatus('PJSIP/101', 'available', '101 available after reconnect');
    await waitStatus('PJSIP/102', 'available', '102 available after reconnect');
    await waitStatus('PJSIP/103', 'offline', '103 offline after reconnect');
    expect(entry('PJSIP/101')?.calls).toEqual([]);

    // Both calls went into the history, ended while the console was away.
    await waitFor(() => busyCall !== undefined && console_.node.history.get(`${console_.engine.profile.id}:${busyCall}`) !== undefined, 5000, 'history');
    const page = (await console_.request('history.query', { limit: 1000 })) as ResponseOf<'history.query'>;
    const record = page.items.find((r) => r.channelId === busyCall);
    expect(record).toMatchObject({ status: 'answered', direction: 'outbound', channelName: expect.stringMatching(/^PJSIP\/101-/) });
    const unanswered = console_.node.history.get(`${console_.engine.profile.id}:${ringingCall}`);
    expect(unanswered?.answeredAt).toBeNull();
    expect(unanswered?.status).not.toBe('answered');
  });
});

describe.runIf(sandbox)('history and caller names, across a restart', () => {
  it('names an incoming caller from the phonebook and keeps the call after the console restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'history-'));
    const rest = await world();
    const profile = sandboxProfile();
    try {
      const first = await createBackend({ builtInProfiles: [profile], log: silentLogger, dataDir });
      await waitFor(() => first.engines.require(profile.id).status().supervisor.status === 'live', 30_000, 'live');
      const dispatch = async (channel: string, payload: unknown) => {
        const result = await first.backend.dispatch(channel, payload);
        if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
        return result.value;
      };
      await dispatch('phonebook.import', { contacts: [{ name: 'Alice Example', company: 'ACME', numbers: [{ label: 'work', number: '+44 20 7946 0018' }] }] });
      expect(await dispatch('phonebook.lookup', { number: '020 7946 0018' })).toMatchObject({ contact: { name: 'Alice Example' } });

      // The PBX sends the number alone; the console finds the name.
      const call = await placeInboundCall(rest, profile.app, '02079460018');
      await waitFor(() => first.engines.require(profile.id).currentModel.channels.get(call.stasisId)?.inStasis === true, 10_000, 'call in the app');
      await dispatch('call.answer', { profileId: profile.id, channelId: call.stasisId });
      await dispatch('call.hangup', { profileId: profile.id, channelId: call.stasisId });
      await waitFor(() => first.history.get(`${profile.id}:${call.stasisId}`) !== undefined, 10_000, 'history record');
      await first.dispose();

      const second = await createBackend({ log: silentLogger, dataDir });
      try {
        // The console starts without waiting for its history; a query before the read ends answers "loading".
        await second.history.ready();
        const result = await second.backend.dispatch('history.query', { text: 'alice' });
        expect(result.ok).toBe(true);
        const page = (result as { value: ResponseOf<'history.query'> }).value;
        expect(page.items.map((r) => r.channelId)).toContain(call.stasisId);
        const record = page.items.find((r) => r.channelId === call.stasisId);
        expect(record).toMatchObject({ callerName: 'Alice Example', caller: { number: '02079460018' }, status: 'answered', direction: 'inbound' });
        const csv = (await second.backend.dispatch('history.export', { text: 'alice' })) as { ok: true; value: ResponseOf<'history.export'> };
        expect(csv.value.count).toBe(page.total);
        expect(csv.value.csv).toContain('Alice Example');
        const contacts = (await second.backend.dispatch('phonebook.search', { text: 'ali' })) as { ok: true; value: ResponseOf<'phonebook.search'> };
        expect(contacts.value.items.map((c) => c.name)).toEqual(['Alice Example']);
      } finally {
        await second.dispose();
      }
    } finally {
      rest.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe.runIf(sandbox)('the first-run connection test', () => {
  it('passes against the sandbox and says which step failed otherwise', async () => {
    const node = await createBackend({ log: silentLogger });
    const ari = inject('ari');
    const base = { name: 'Wizard', baseUrl: ari.baseUrl, username: ari.username, password: ari.password, app: 'wizard', subscribeAll: true };
    try {
      const test = async (overrides: object) => {
        const result = await node.backend.dispatch('profiles.test', { ...base, ...overrides });
        if (!result.ok) throw new Error(result.error.message);
        return result.value as ResponseOf<'profiles.test'>;
      };
      const good = await test({});
      expect(good.ok).toBe(true);
      expect(good.steps.map((s) => [s.step, s.ok])).toEqual([
        ['http', true],
        ['ari', true],
        ['events', true],
      ]);
      expect(good.pbx?.version).toMatch(/^22\./);

      const badPassword = await test({ password: 'wrong-password' });
      expect(badPassword.steps.map((s) => [s.step, s.ok, s.code])).toEqual([
        ['http', true, null],
        ['ari', false, 'unauthorized'],
        ['events', null, null],
      ]);
      expect(JSON.stringify(badPassword)).not.toContain('wrong-password');

      const closed = await test({ baseUrl: 'http://127.0.0.1:9' });
      expect(closed.steps[0]).toMatchObject({ step: 'http', ok: false, code: 'unavailable' });

    } finally {
      await node.dispose();
    }
  });
});
