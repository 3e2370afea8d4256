import { describe, expect, it } from 'vitest';
import { CONNECTION_STEPS, dialplanAdvice, explainFailure, stepOfRestError } from '../../common/connection-help.js';
import { ERROR_CODES } from '../../common/errors.js';
import { applyEvents, createModel, type CallModel, type ModelEvent } from '../../common/model/index.js';
import { presenceOf } from '../../common/workflows/presence.js';
import {
  batches,
  exportFileName,
  filterPresence,
  historyQueryOf,
  importFormatOf,
  incomingText,
  newlyRinging,
  numbersFromText,
  numbersToText,
  parseContactsFile,
  parseLocalDate,
  presenceDropVerdict,
  ringingPeople,
} from '../../renderer/src/lib/people/people.js';
import { connectionDraft, draftToInput } from '../../renderer/src/lib/people/wizard.js';

const APP = 'console';
const T = Date.UTC(2026, 10, 23, 9, 0, 0);

function channel(id: string, name: string, state: string, extra: Record<string, unknown> = {}) {
  return { id, name, state, caller: { name: '', number: '200' }, connected: { name: '', number: '' }, creationtime: new Date(T).toISOString(), dialplan: { context: 'x', exten: 's', priority: 1 }, ...extra };
}

function modelWith(events: ModelEvent[]): CallModel {
  return applyEvents(createModel({ app: APP }), events, T);
}

const endpoints: ModelEvent = {
  type: 'ConsoleEndpointsSeen',
  at: T,
  endpoints: [
    { technology: 'PJSIP', resource: '101', state: 'online', channel_ids: [] },
    { technology: 'PJSIP', resource: '102', state: 'offline', channel_ids: [] },
    { technology: 'PJSIP', resource: '103', state: 'online', channel_ids: [] },
  ],
} as ModelEvent;

describe('presence drop rules and filter', () => {
  const model = modelWith([
    endpoints,
    { type: 'StasisStart', application: APP, timestamp: new Date(T).toISOString(), args: [], channel: channel('in-1', 'PJSIP/trunk-00000001', 'Up') } as unknown as ModelEvent,
    { type: 'ChannelCreated', timestamp: new Date(T).toISOString(), channel: channel('own-103', 'PJSIP/103-00000002', 'Up') } as unknown as ModelEvent,
  ]);
  const entries = presenceOf(model);
  const byKey = (key: string) => entries.find((entry) => entry.key === key)!;

  it('lets a controlled call drop on a registered person, and says why not otherwise', () => {
    expect(byKey('PJSIP/101').status).toBe('available');
    expect(presenceDropVerdict(model, 'in-1', byKey('PJSIP/101'), null)).toEqual({ ok: true, action: { target: 'PJSIP/101' } });
    expect(presenceDropVerdict(model, 'in-1', byKey('PJSIP/102'), null)).toEqual({ ok: false, reason: '102 is offline.' });
    expect(presenceDropVerdict(model, 'gone', byKey('PJSIP/101'), null)).toEqual({ ok: false, reason: 'That call has ended.' });
    expect(presenceDropVerdict(model, 'own-103', byKey('PJSIP/101'), null)).toEqual({ ok: false, reason: "That call is not under the console's control." });
    expect(presenceDropVerdict(model, 'in-1', byKey('PJSIP/101'), 'Replaying')).toEqual({ ok: false, reason: 'Replaying' });
    expect(byKey('PJSIP/103').status).toBe('busy');
  });

  it('filters by extension or phonebook name', () => {
    const names = new Map([['103', 'Alice Example']]);
    expect(filterPresence(entries, 'alice', names).map((e) => e.key)).toEqual(['PJSIP/103']);
    expect(filterPresence(entries, '10', names)).toHaveLength(3);
    expect(filterPresence(entries, ' ', names)).toHaveLength(3);
  });
});

describe('the People tab badge', () => {
  const at = new Date(T).toISOString();
  const created = (id: string, name: string, state: string): ModelEvent => ({ type: 'ChannelCreated', timestamp: at, channel: channel(id, name, state) }) as unknown as ModelEvent;
  const ringingOf = (model: CallModel) => presenceOf(model).filter((entry) => entry.status === 'ringing').length;

  it('counts the people presenceOf calls ringing, by channel name, by the endpoint list and by device state', () => {
    const seen = {
      type: 'ConsoleEndpointsSeen',
      at: T,
      endpoints: [
        { technology: 'PJSIP', resource: '101', state: 'online', channel_ids: [] },
        { technology: 'PJSIP', resource: '102', state: 'offline', channel_ids: [] },
        { technology: 'PJSIP', resource: '103', state: 'online', channel_ids: ['odd-name'] },
        { technology: 'PJSIP', resource: '104', state: 'online', channel_ids: [] },
        { technology: 'PJSIP', resource: '105', state: 'online', channel_ids: [] },
        { technology: 'PJSIP', resource: '106', state: 'online', channel_ids: [] },
      ],
    } as ModelEvent;
    const devices = {
      type: 'ConsoleDeviceStatesSeen',
      at: T,
      deviceStates: [
        { name: 'PJSIP/104', state: 'RINGING' },
        { name: 'PJSIP/105', state: 'RINGINUSE' },
        { name: 'PJSIP/106', state: 'RINGING' },
      ],
    } as ModelEvent;
    const variants: ModelEvent[][] = [
      [],
      [seen],
      [seen, created('a', 'PJSIP/101-00000001', 'Ringing'), created('b', 'PJSIP/102-00000002', 'Ring')],
      [seen, created('odd-name', 'Local/x@y-00000003;1', 'Ringing')],
      [seen, devices],
      // 105 rings by device state but has a call of its own (busy); 106 has one by name only.
      [seen, devices, created('c', 'PJSIP/105-00000004', 'Up'), created('d', 'PJSIP/106-00000005', 'Down'), created('e', 'PJSIP/101-00000006', 'Up')],
      // A phone with one call up and another ringing rings; the device states still count for the others.
      [seen, devices, created('f', 'PJSIP/101-00000007', 'Up'), created('g', 'PJSIP/101-00000008', 'Ringing')],
    ];
    const counts = variants.map((events) => {
      const model = modelWith(events);
      expect(ringingPeople(model)).toBe(ringingOf(model));
      return ringingPeople(model);
    });
    expect(counts).toEqual([0, 0, 2, 1, 3, 1, 4]);
  });
});

describe('history filters', () => {
  const now = new Date(2026, 10, 23, 15, 30).getTime();
  const midnight = new Date(2026, 10, 23).getTime();

  it('maps ranges to start-time bounds in local days', () => {
    const base = { text: '', from: '', to: '', statuses: [] };
    expect(historyQueryOf({ ...base, range: 'all' }, now, { offset: 0, limit: 100 })).toEqual({ offset: 0, limit: 100 });
    expect(historyQueryOf({ ...base, range: 'today' }, now, { offset: 0, limit: 100 }).from).toBe(midnight);
    expect(historyQueryOf({ ...base, range: 'week' }, now, { offset: 0, limit: 100 }).from).toBe(new Date(2026, 10, 17).getTime());
    const custom = historyQueryOf({ ...base, range: 'custom', from: '2026-11-01', to: '2026-11-02' }, now, { offset: 0, limit: 10 });
    expect(custom.from).toBe(new Date(2026, 10, 1).getTime());
    expect(custom.to).toBe(new Date(2026, 10, 3).getTime() - 1);
  });

  it('sends text trimmed and statuses only when they narrow anything', () => {
    const base = { range: 'all' as const, from: '', to: '' };
    expect(historyQueryOf({ ...base, text: '  alice ', statuses: ['busy'] }, now, { offset: 5, limit: 10 })).toEqual({ offset: 5, limit: 10, text: 'alice', statuses: ['busy'] });
    const all = historyQueryOf({ ...base, text: '', statuses: ['answered', 'no-answer', 'busy', 'failed', 'unknown'] }, now, { offset: 0, limit: 1 });
    expect(all.statuses).toBeUndefined();
  });

  it('reads only real calendar dates', () => {
    expect(parseLocalDate('2026-02-28')).toBe(new Date(2026, 1, 28).getTime());
    expect(parseLocalDate('2026-02-30')).toBeNull();
    expect(parseLocalDate('yesterday')).toBeNull();
    expect(exportFileName(new Date(2026, 10, 23, 9, 5).getTime())).toBe('call-history-2026-11-23-0905.csv');
  });
});

describe('phonebook import and form', () => {
  it('tells vCard from CSV by name or content, and parses either', () => {
    expect(importFormatOf('contacts.vcf', '')).toBe('vcard');
    expect(importFormatOf('export.txt', 'BEGIN:VCARD\nFN:A\nEND:VCARD')).toBe('vcard');
    expect(importFormatOf('contacts.csv', 'Name,Phone')).toBe('csv');
    expect(parseContactsFile('a.csv', 'Name,Phone\nAlice,101\n')).toMatchObject({ format: 'csv', contacts: [{ name: 'Alice' }] });
    expect(parseContactsFile('a.vcf', 'BEGIN:VCARD\nFN:Bob\nTEL:102\nEND:VCARD\n')).toMatchObject({ format: 'vcard', contacts: [{ name: 'Bob' }] });
  });

  it('sends big imports in batches', () => {
    expect(batches(Array.from({ length: 1201 }, (_, i) => i)).map((batch) => batch.length)).toEqual([500, 500, 201]);
    expect(batches([])).toEqual([]);
  });

  it('reads "label: number" lines and writes them back', () => {
    const numbers = numbersFromText('mobile: 07700 900123\n\n+44 20 7946 0018\nwork:101');
    expect(numbers).toEqual([
      { label: 'mobile', number: '07700 900123' },
      { label: '', number: '+44 20 7946 0018' },
      { label: 'work', number: '101' },
    ]);
    expect(numbersFromText(numbersToText(numbers))).toEqual(numbers);
  });
});

describe('incoming calls', () => {
  it('announces each ringing call in the app once', () => {
    const ringing = modelWith([
      { type: 'StasisStart', application: APP, timestamp: new Date(T).toISOString(), args: [], channel: channel('r1', 'PJSIP/trunk-00000001', 'Ring') } as unknown as ModelEvent,
    ]);
    const announced = new Set<string>();
    expect(newlyRinging(ringing, announced).fresh.map((c) => c.id)).toEqual(['r1']);
    expect(newlyRinging(ringing, announced)).toEqual({ fresh: [], stopped: [] });
    const answered = applyEvents(ringing, [{ type: 'ChannelStateChange', timestamp: new Date(T + 1000).toISOString(), channel: channel('r1', 'PJSIP/trunk-00000001', 'Up') } as unknown as ModelEvent], T + 1000);
    expect(newlyRinging(answered, announced)).toEqual({ fresh: [], stopped: ['r1'] });
    expect(announced.size).toBe(0);
    const call = ringing.channels.get('r1')!;
    expect(incomingText(call, '')).toEqual({ title: 'Incoming call: 200', body: '200 is calling.' });
    expect(incomingText(call, 'Alice Example')).toEqual({ title: 'Incoming call: Alice Example', body: 'Alice Example (200) is calling.' });
  });
});

describe('the connection wizard', () => {
  const hints = { baseUrl: 'https://pbx.example.com:8089', username: 'frontdesk', app: 'reception' };

  it('has an explanation for every step and every error code', () => {
    for (const step of CONNECTION_STEPS) {
      for (const code of ERROR_CODES) {
        const explanation = explainFailure(step, code, hints);
        expect(explanation.title.length).toBeGreaterThan(10);
        expect(explanation.checks.length).toBeGreaterThan(0);
        expect(explanation.doc).toMatch(/^ASTERISK-SETUP\.md#/);
      }
    }
  });

  it('points at the right file with the user’s own values', () => {
    const refused = explainFailure('http', 'unavailable', hints);
    expect(refused.file).toBe('http.conf');
    expect(refused.snippet).toContain('tlsbindaddr = 0.0.0.0:8089');
    expect(refused.checks.join(' ')).toMatch(/certificate/);
    const login = explainFailure('ari', 'unauthorized', hints);
    expect(login.file).toBe('ari.conf');
    expect(login.snippet).toContain('[frontdesk]');
    expect(login.snippet).toContain('read_only = no');
    expect(explainFailure('events', 'unavailable', hints).checks.join(' ')).toMatch(/res_http_websocket/);
    const dialplan = dialplanAdvice('reception');
    expect(dialplan.file).toBe('extensions.conf');
    expect(dialplan.snippet).toContain('Stasis(reception)');
    expect(explainFailure('http', 'unavailable', { ...hints, baseUrl: 'http://pbx:8088' }).snippet).toContain('bindport = 8088');
  });

  it('puts network failures on the HTTP step and the rest on the ARI login', () => {
    expect(stepOfRestError('unavailable')).toBe('http');
    expect(stepOfRestError('timeout')).toBe('http');
    expect(stepOfRestError('unauthorized')).toBe('ari');
    expect(stepOfRestError('not_found')).toBe('ari');
  });

  it('checks the form with the contract’s own rules before sending', () => {
    const draft = { ...connectionDraft(null), baseUrl: 'http://pbx:8088', password: 'secret' };
    expect(draftToInput(draft)).toMatchObject({ ok: true, input: { baseUrl: 'http://pbx:8088', password: 'secret', app: 'console' } });
    expect(draftToInput({ ...draft, password: '' })).toEqual({ ok: false, error: 'Enter the ARI password (the one in ari.conf).' });
    expect(draftToInput({ ...draft, baseUrl: 'ftp://pbx' })).toMatchObject({ ok: false, error: expect.stringMatching(/^baseUrl:/) });
    expect(draftToInput({ ...draft, app: 'has space' })).toMatchObject({ ok: false, error: expect.stringMatching(/^app:/) });
    // Editing: an empty password keeps the stored one.
    const editing = { ...draft, id: 'p-1234', password: '' };
    const result = draftToInput(editing);
    expect(result).toMatchObject({ ok: true, input: { id: 'p-1234' } });
    expect(result.ok && 'password' in result.input).toBe(false);
  });
});
