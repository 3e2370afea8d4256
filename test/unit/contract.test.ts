import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createConsoleClient, type ConsoleTransport } from '../../common/client.js';
import { HANGUP_REASONS, REQUEST_CHANNELS, events, requests, type RequestChannel, type RequestOf } from '../../common/contract.js';
import { ConsoleError } from '../../common/errors.js';

const P = 'office-pbx';
const CH = '1795425153.42';
const BR = 'b7f4c1e2-3d5a-4c6b-8e9f-0a1b2c3d4e5f';

/** One valid payload per channel, as the renderer sends it; a missing channel fails the type check. */
const valid: { [C in RequestChannel]: RequestOf<C> } = {
  'profiles.list': {},
  'profiles.save': { name: 'Office PBX', baseUrl: 'http://10.0.0.5:8088', username: 'console', password: 's3cret', app: 'console', subscribeAll: true },
  'profiles.remove': { profileId: P },
  'profiles.problems': {},
  'engine.connect': { profileId: P },
  'engine.disconnect': { profileId: P },
  'engine.statuses': {},
  'model.snapshot': { profileId: P },
  'call.answer': { profileId: P, channelId: CH },
  'call.hangup': { profileId: P, channelId: CH, reason: 'busy' },
  'call.ring': { profileId: P, channelId: CH },
  'call.ringStop': { profileId: P, channelId: CH },
  'call.hold': { profileId: P, channelId: CH },
  'call.unhold': { profileId: P, channelId: CH },
  'call.mute': { profileId: P, channelId: CH, direction: 'in' },
  'call.unmute': { profileId: P, channelId: CH, direction: 'both' },
  'call.sendDtmf': { profileId: P, channelId: CH, dtmf: '12#*,ABCDd', between: 100, duration: 120 },
  'call.startSilence': { profileId: P, channelId: CH },
  'call.stopSilence': { profileId: P, channelId: CH },
  'call.play': { profileId: P, channelId: CH, media: 'sound:hello-world' },
  'call.originate': { profileId: P, endpoint: 'PJSIP/101', extension: '200', context: 'from-internal', priority: 1, callerId: 'Reception <100>', timeout: 30 },
  'call.continue': { profileId: P, channelId: CH, context: 'ivr', extension: 's', priority: 1 },
  'bridge.create': { profileId: P, type: 'mixing', name: 'Front desk' },
  'bridge.destroy': { profileId: P, bridgeId: BR },
  'bridge.addChannel': { profileId: P, bridgeId: BR, channelId: CH },
  'bridge.removeChannel': { profileId: P, bridgeId: BR, channelId: CH },
  'update.get': {},
  'update.setEnabled': { enabled: false },
  'update.restartNow': {},
  'channel.rawEvents': { profileId: P, channelId: CH },
  'recording.start': { profileId: P },
  'recording.stop': { profileId: P },
  'recording.status': { profileId: P },
  'profiles.test': { name: 'Office PBX', baseUrl: 'http://10.0.0.5:8088', username: 'console', password: 's3cret', app: 'console', subscribeAll: true },
  'history.query': { text: 'alice', from: 0, to: 1_800_000_000_000, statuses: ['answered', 'no-answer'], direction: 'inbound', offset: 0, limit: 50 },
  'history.export': { text: '0207', statuses: ['busy'] },
  'phonebook.search': { text: 'ali', limit: 20 },
  'phonebook.save': { name: 'Alice Example', company: 'ACME', numbers: [{ label: 'work', number: '+44 20 7946 0018' }] },
  'phonebook.remove': { id: '0b8c5b1e-93a1-4c5e-9a34-3e7f0c2b9d11' },
  'phonebook.import': { contacts: [{ name: 'Alice', company: '', numbers: [{ label: 'mobile', number: '07700 900123' }] }] },
  'phonebook.lookup': { number: '+442079460018' },
  'settings.get': {},
  'settings.set': { snoopEnabled: true, operatorEndpoint: 'PJSIP/100', park: { timeoutSec: 60 }, shortcuts: { park: 'Alt+P' } },
  'workflows.get': { profileId: P },
  'call.dial': { profileId: P, target: '+44 20 7946 0018', via: 'phone', callerId: '"Reception" <100>', timeoutSec: 30 },
  'transfer.start': { profileId: P, channelId: CH, kind: 'attended', target: 'PJSIP/102', operatorChannelId: '1795425153.43', callerId: 'Alice <200>', timeoutSec: 20 },
  'transfer.command': { profileId: P, workflowId: 'wmfz3k2a1b2c3', command: 'swap' },
  'park.park': { profileId: P, channelId: CH, slot: 701, operatorChannelId: '1795425153.43' },
  'park.retrieve': { profileId: P, slot: 701, toBridgeId: BR },
  'snoop.start': { profileId: P, channelId: CH, mode: 'whisper' },
  'snoop.stop': { profileId: P, workflowId: 'wmfz3k2a1b2c3' },
};

function accepts(channel: RequestChannel, payload: unknown): boolean {
  return requests[channel].request.safeParse(payload).success;
}

/** Channels whose payload carries an ARI id, and which fields are ids. */
const idFields = REQUEST_CHANNELS.flatMap((channel) =>
  (['channelId', 'bridgeId'] as const).filter((field) => field in valid[channel]).map((field) => [channel, field] as const),
);

describe('every request channel', () => {
  it('has a valid example here, and no example for a channel that does not exist', () => {
    expect(Object.keys(valid).sort()).toEqual([...REQUEST_CHANNELS].sort());
  });

  it.each(REQUEST_CHANNELS)('%s accepts a valid payload', (channel) => {
    const parsed = requests[channel].request.safeParse(valid[channel]);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it.each(REQUEST_CHANNELS)('%s rejects an extra key', (channel) => {
    expect(accepts(channel, { ...valid[channel], sneaky: true })).toBe(false);
  });

  it.each(REQUEST_CHANNELS)('%s rejects __proto__ and constructor keys', (channel) => {
    const json = JSON.stringify(valid[channel]).replace(/^\{/, '{"__proto__":{"isAdmin":true},');
    const withProto: unknown = JSON.parse(json.replace(/,}$/, '}'));
    expect(Object.hasOwn(withProto as object, '__proto__')).toBe(true);
    expect(accepts(channel, withProto)).toBe(false);
    expect(accepts(channel, { ...valid[channel], constructor: { prototype: {} } })).toBe(false);
  });

  it.each(REQUEST_CHANNELS)('%s rejects anything but a plain object', (channel) => {
    for (const payload of [null, undefined, 'profileId', 42, [], [valid[channel]]]) expect(accepts(channel, payload)).toBe(false);
  });

  it.each(REQUEST_CHANNELS.filter((channel) => Object.keys(valid[channel]).length > 0))('%s rejects each required key missing and each key of the wrong type', (channel) => {
    const payload = valid[channel] as Record<string, unknown>;
    const shape = (requests[channel].request as unknown as z.ZodObject).shape;
    for (const key of Object.keys(payload)) {
      const { [key]: _dropped, ...rest } = payload;
      const optional = shape[key]?.safeParse(undefined).success === true;
      if (!optional) expect(accepts(channel, rest), `${channel} without ${key}`).toBe(false);
      for (const wrong of [{ nested: 1 }, ['x'], Symbol('x'), typeof payload[key] === 'number' ? 'not a number' : 12_345]) {
        expect(accepts(channel, { ...payload, [key]: wrong }), `${channel} with ${key} = ${String(wrong)}`).toBe(false);
      }
    }
  });

  it.each(REQUEST_CHANNELS)('%s rejects a huge string in any string field', (channel) => {
    const payload = valid[channel] as Record<string, unknown>;
    for (const [key, value] of Object.entries(payload)) {
      if (typeof value !== 'string') continue;
      const huge = value.padEnd(100_000, value.slice(-1) || 'x');
      expect(accepts(channel, { ...payload, [key]: huge }), `${channel}.${key}`).toBe(false);
    }
  });
});

describe('ids that end up in ARI URL paths', () => {
  it.each(idFields)('%s.%s rejects separators, query characters and blanks', (channel, field) => {
    for (const bad of ['', '1795425153.42/answer', 'abc?x=1', 'abc#frag', 'a b', 'a%2Fb', 'a\\b', 'x'.repeat(257)]) {
      expect(accepts(channel, { ...valid[channel], [field]: bad }), `${field} = ${JSON.stringify(bad)}`).toBe(false);
    }
  });

  it.each(idFields)('%s.%s accepts Asterisk unique ids and UUIDs', (channel, field) => {
    for (const good of ['1795425153.42', 'b7f4c1e2-3d5a-4c6b-8e9f-0a1b2c3d4e5f', 'my-bridge_1']) {
      expect(accepts(channel, { ...valid[channel], [field]: good })).toBe(true);
    }
  });

  // As a path segment, `..` would make /ari/channels/../answer another ARI resource.
  it.each(idFields)('%s.%s rejects dot segments', (channel, field) => {
    for (const bad of ['..', '.']) {
      expect(accepts(channel, { ...valid[channel], [field]: bad }), `${field} = ${JSON.stringify(bad)}`).toBe(false);
    }
  });

  it.each(['Office', 'office_pbx', '-office', 'office/../x', 'a'.repeat(65), ''])('profile id %j is refused', (profileId) => {
    expect(accepts('engine.connect', { profileId })).toBe(false);
  });
});

describe('profiles.save', () => {
  const save = valid['profiles.save'];

  it.each([
    'http://console:secret@pbx:8088',
    'http://u@pbx:8088',
    'https://:p@pbx',
    'ftp://pbx/ari',
    'javascript:alert(1)',
    'ws://pbx:8088',
    'file:///etc/passwd',
    'pbx:8088',
    'not a url',
    '',
  ])('refuses baseUrl %j', (baseUrl) => {
    expect(accepts('profiles.save', { ...save, baseUrl })).toBe(false);
  });

  it.each(['http://pbx:8088', 'https://pbx.example.com/asterisk/ari/', 'http://[::1]:8088'])('accepts baseUrl %j', (baseUrl) => {
    expect(accepts('profiles.save', { ...save, baseUrl })).toBe(true);
  });

  it('keeps the stored password when editing (password omitted) but not an empty one', () => {
    const { password: _password, ...edit } = save;
    expect(accepts('profiles.save', { ...edit, id: P })).toBe(true);
    expect(accepts('profiles.save', { ...save, password: '' })).toBe(false);
  });

  it.each(['', '   ', 'my app', 'a/b', 'x'.repeat(81)])('refuses app name %j', (app) => {
    expect(accepts('profiles.save', { ...save, app })).toBe(false);
  });
});

describe('call.originate', () => {
  const base = { profileId: P, endpoint: 'PJSIP/101' };

  it('takes an extension or an app', () => {
    expect(accepts('call.originate', { ...base, extension: '200', context: 'from-internal' })).toBe(true);
    expect(accepts('call.originate', { ...base, app: 'console', appArgs: 'dialed' })).toBe(true);
  });

  it('refuses both an app and an extension, or neither', () => {
    expect(accepts('call.originate', { ...base, extension: '200', app: 'console' })).toBe(false);
    expect(accepts('call.originate', base)).toBe(false);
    expect(accepts('call.originate', { ...base, context: 'from-internal' })).toBe(false);
  });

  it.each(['101', 'PJSIP/', '/101', 'PJSIP/10 1', '1PJSIP/101'])('refuses endpoint %j', (endpoint) => {
    expect(accepts('call.originate', { ...base, endpoint, extension: '200' })).toBe(false);
  });

  it.each([0, 601, 1.5, -1])('refuses timeout %d', (timeout) => {
    expect(accepts('call.originate', { ...base, extension: '200', timeout })).toBe(false);
  });
});

describe('call.sendDtmf', () => {
  const base = { profileId: P, channelId: CH };

  it.each(['0123456789', 'ABCD', 'abcd', '*#', '1,,2'])('accepts %j', (dtmf) => {
    expect(accepts('call.sendDtmf', { ...base, dtmf })).toBe(true);
  });

  it.each(['E', 'e', '12X', 'Z', '1 2', '', '1'.repeat(65), '٣'])('refuses %j', (dtmf) => {
    expect(accepts('call.sendDtmf', { ...base, dtmf })).toBe(false);
  });

  it('bounds between and duration', () => {
    expect(accepts('call.sendDtmf', { ...base, dtmf: '1', duration: 19 })).toBe(false);
    expect(accepts('call.sendDtmf', { ...base, dtmf: '1', between: -1 })).toBe(false);
    expect(accepts('call.sendDtmf', { ...base, dtmf: '1', between: 10_001 })).toBe(false);
  });
});

describe('call.play', () => {
  const base = { profileId: P, channelId: CH };

  it.each(['sound:hello-world', 'recording:voicemail/101', 'number:42', 'digits:1234', 'characters:abc', 'tone:ring;tonezone=us'])('accepts %j', (media) => {
    expect(accepts('call.play', { ...base, media })).toBe(true);
  });

  it.each(['hello-world', 'http://evil.example/x.wav', 'file:/etc/passwd', 'sound:', 'sound:hello world', 'SOUND:hello', ' sound:hello'])('refuses %j', (media) => {
    expect(accepts('call.play', { ...base, media })).toBe(false);
  });
});

describe('call.hangup', () => {
  it.each(HANGUP_REASONS)('accepts reason %s', (reason) => {
    expect(accepts('call.hangup', { profileId: P, channelId: CH, reason })).toBe(true);
  });

  it.each(['explode', 'NORMAL', '16', ''])('refuses reason %j', (reason) => {
    expect(accepts('call.hangup', { profileId: P, channelId: CH, reason })).toBe(false);
  });
});

// ---- No secret in anything main sends back.

const SECRET_KEY = /pass(word)?|secret|credential|token|api[-_]?key|auth/i;

interface Def {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  options?: readonly unknown[];
  innerType?: unknown;
  in?: unknown;
  out?: unknown;
  items?: readonly unknown[];
  rest?: unknown;
  valueType?: unknown;
  keyType?: unknown;
  getter?: () => unknown;
}

const defOf = (schema: unknown): Def => (schema as { def: Def }).def;

/** Every object key reachable in a schema, with its path and its own schema's type. */
function keysOf(schema: unknown, path: string, seen = new Set<unknown>()): { path: string; key: string; type: string }[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  const def = defOf(schema);
  const inner = (next: unknown, suffix: string) => keysOf(next, `${path}${suffix}`, seen);
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([key, value]) => [{ path, key, type: defOf(value).type }, ...inner(value, `.${key}`)]);
    case 'array':
      return inner(def.element, '[]');
    case 'union':
      return (def.options ?? []).flatMap((option, i) => inner(option, `|${i}`));
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return inner(def.innerType, '');
    case 'pipe':
      return [...inner(def.in, ''), ...inner(def.out, '')];
    case 'tuple':
      return [...(def.items ?? []), ...(def.rest ? [def.rest] : [])].flatMap((item, i) => inner(item, `[${i}]`));
    case 'record':
    case 'map':
      return inner(def.valueType, '{}');
    case 'lazy':
      return def.getter ? inner(def.getter(), '') : [];
    default:
      return [];
  }
}

const responseSchemas: [string, unknown][] = [
  ...REQUEST_CHANNELS.map((channel): [string, unknown] => [`${channel} response`, requests[channel].response]),
  ...Object.entries(events).map(([channel, schema]): [string, unknown] => [`${channel} event`, schema]),
];

describe('responses and events carry no secrets', () => {
  it('the walk sees the keys it should (it is not vacuous)', () => {
    const keys = keysOf(requests['profiles.list'].response, 'profiles.list').map((entry) => entry.key);
    expect(keys).toEqual(['id', 'name', 'baseUrl', 'username', 'app', 'subscribeAll', 'caFile', 'reconnectMaxMs', 'hasPassword', 'vault', 'builtIn']);
    const status = keysOf(events['engine.status'], 'engine.status').map((entry) => entry.key);
    expect(status).toEqual(['profileId', 'profileName', 'supervisor', 'pbx', 'version', 'entityId', 'systemName', 'skippedFrames']);
  });

  it.each(responseSchemas)('%s has no key that looks like a secret, except yes/no flags', (_name, schema) => {
    const suspicious = keysOf(schema, '').filter((entry) => SECRET_KEY.test(entry.key));
    // "hasPassword: boolean" says whether one is stored; a boolean cannot carry it.
    expect(suspicious.filter((entry) => entry.type !== 'boolean')).toEqual([]);
  });

  it('the only secret-looking key anywhere is the hasPassword flag', () => {
    const all = responseSchemas.flatMap(([name, schema]) => keysOf(schema, name)).filter((entry) => SECRET_KEY.test(entry.key));
    expect([...new Set(all.map((entry) => `${entry.key}:${entry.type}`))]).toEqual(['hasPassword:boolean']);
  });
});

// ---- The client over a fake transport.

function fakeTransport(answer: (channel: string, payload: unknown) => unknown) {
  const calls: [string, unknown][] = [];
  const listeners = new Map<string, (payload: unknown) => void>();
  const transport: ConsoleTransport = {
    invoke: async (channel, payload) => {
      calls.push([channel, payload]);
      return answer(channel, payload);
    },
    on: (channel, listener) => {
      listeners.set(channel, listener);
      return () => listeners.delete(channel);
    },
  };
  return { transport, calls, listeners };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createConsoleClient', () => {
  it('resolves an ok result to its value and sends the payload as given', async () => {
    const { transport, calls } = fakeTransport(() => ({ ok: true, value: { playbackId: 'pb-1' } }));
    const client = createConsoleClient(transport);
    await expect(client.request('call.play', { profileId: P, channelId: CH, media: 'sound:beep' })).resolves.toEqual({ playbackId: 'pb-1' });
    expect(calls).toEqual([['call.play', { profileId: P, channelId: CH, media: 'sound:beep' }]]);
  });

  it('rejects an error result with a ConsoleError carrying its code and message', async () => {
    const { transport } = fakeTransport(() => ({ ok: false, error: { code: 'not_in_stasis', message: 'That call is not under the console’s control.' } }));
    const error = await rejection(createConsoleClient(transport).request('call.answer', { profileId: P, channelId: CH }));
    expect(error).toBeInstanceOf(ConsoleError);
    expect(error).toMatchObject({ name: 'ConsoleError', code: 'not_in_stasis', message: 'That call is not under the console’s control.' });
  });

  it.each([
    ['undefined', undefined],
    ['a bare value', { playbackId: 'pb-1' }],
    ['ok with an extra key', { ok: true, value: 1, extra: 2 }],
    ['an unknown error code', { ok: false, error: { code: 'teapot', message: 'short and stout' } }],
    ['an error without message', { ok: false, error: { code: 'timeout' } }],
    ['a thrown string shape', 'Error: boom'],
  ])('rejects %s with code internal', async (_label, answer) => {
    const { transport } = fakeTransport(() => answer);
    const error = await rejection(createConsoleClient(transport).request('engine.statuses', {}));
    expect(error).toBeInstanceOf(ConsoleError);
    expect(error).toMatchObject({ code: 'internal', message: 'Malformed answer on engine.statuses' });
  });

  it('passes a transport failure through', async () => {
    const failure = new Error('IPC channel closed');
    const transport: ConsoleTransport = { invoke: () => Promise.reject(failure), on: () => () => undefined };
    expect(await rejection(createConsoleClient(transport).request('profiles.list', {}))).toBe(failure);
  });

  it('delivers events to the listener and unsubscribes', () => {
    const { transport, listeners } = fakeTransport(() => undefined);
    const seen: unknown[] = [];
    const off = createConsoleClient(transport).on('engine.events', (batch) => seen.push(batch.seq));
    listeners.get('engine.events')?.({ profileId: P, seq: 7, events: [] });
    expect(seen).toEqual([7]);
    off();
    expect(listeners.has('engine.events')).toBe(false);
  });
});
