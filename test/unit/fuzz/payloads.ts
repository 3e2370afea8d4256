import fc from 'fast-check';
import { REQUEST_CHANNELS, type RequestChannel, type RequestOf } from '../../../common/contract.js';

/**
 * Payload generators for fuzzing the contract's request channels: valid
 * examples, valid-ish mutations of them (one key wrong, missing or extra),
 * and garbage of every shape a broken or hostile page could send.
 */

export const MEGABYTE_STRING = 'x'.repeat(1024 * 1024);
const WIDE_STRING = '€'.repeat(300_000);

/** One valid payload per channel; a new channel without one fails the type check. */
export function validExamples(profileId: string, baseUrl: string): { [C in RequestChannel]: RequestOf<C> } {
  const target = { profileId, channelId: '1795425153.42' };
  const bridge = { profileId, bridgeId: 'b7f4c1e2-3d5a-4c6b-8e9f-0a1b2c3d4e5f' };
  return {
    'profiles.list': {},
    'profiles.save': { name: 'Fuzzed PBX', baseUrl, username: 'console', password: 'fuzz-saved-secret', app: 'console', subscribeAll: true },
    'profiles.remove': { profileId },
    'profiles.problems': {},
    'engine.connect': { profileId },
    'engine.disconnect': { profileId },
    'engine.statuses': {},
    'model.snapshot': { profileId },
    'call.answer': target,
    'call.hangup': { ...target, reason: 'busy' },
    'call.ring': target,
    'call.ringStop': target,
    'call.hold': target,
    'call.unhold': target,
    'call.mute': { ...target, direction: 'in' },
    'call.unmute': { ...target, direction: 'both' },
    'call.sendDtmf': { ...target, dtmf: '12#*', between: 100, duration: 120 },
    'call.startSilence': target,
    'call.stopSilence': target,
    'call.play': { ...target, media: 'sound:hello-world' },
    'call.originate': { profileId, endpoint: 'PJSIP/101', extension: '200', context: 'from-internal', priority: 1, callerId: 'Reception <100>', timeout: 30 },
    'call.continue': { ...target, context: 'ivr', extension: 's', priority: 1 },
    'bridge.create': { profileId, type: 'mixing', name: 'Front desk' },
    'bridge.destroy': bridge,
    'bridge.addChannel': { ...bridge, channelId: target.channelId },
    'bridge.removeChannel': { ...bridge, channelId: target.channelId },
    'update.get': {},
    'update.setEnabled': { enabled: false },
    'update.restartNow': {},
    'channel.rawEvents': target,
    'recording.start': { profileId },
    'recording.stop': { profileId },
    'recording.status': { profileId },
    'profiles.test': { name: 'Fuzzed PBX', baseUrl, username: 'console', password: 'fuzz-saved-secret', app: 'console', subscribeAll: true },
    'history.query': { text: 'alice', statuses: ['answered'], limit: 10 },
    'history.export': { text: 'alice' },
    'phonebook.search': { text: 'ali' },
    'phonebook.save': { name: 'Fuzzed contact', company: '', numbers: [{ label: 'work', number: '101' }] },
    'phonebook.remove': { id: 'fuzzed-contact' },
    'phonebook.import': { contacts: [{ name: 'Fuzzed import', company: '', numbers: [{ label: '', number: '102' }] }] },
    'phonebook.lookup': { number: '101' },
    'settings.get': {},
    'settings.set': { snoopEnabled: true, operatorEndpoint: 'PJSIP/100', park: { timeoutSec: 60 } },
    'workflows.get': { profileId },
    'call.dial': { profileId, target: '102', via: 'console', timeoutSec: 30 },
    'transfer.start': { ...target, kind: 'blind', target: 'PJSIP/102' },
    'transfer.command': { profileId, workflowId: 'wmfz3k2a1b2c3', command: 'cancel' },
    'park.park': { ...target, slot: 701 },
    'park.retrieve': { profileId, slot: 701 },
    'snoop.start': { ...target, mode: 'listen' },
    'snoop.stop': { profileId, workflowId: 'wmfz3k2a1b2c3' },
  };
}

/** Keys that make own properties through JSON.parse, as a hostile frame would. */
const POLLUTING = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"prototype":{"polluted":"yes"}}',
  '{"__proto__":null}',
  '{"__defineGetter__":1,"hasOwnProperty":"x","toString":"x","valueOf":{}}',
];

const pollutionKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineSetter__', 'then');

function jsonOrNull(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return 'null';
  }
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = asArray ? [value] : { a: value };
  return value;
}

export interface GarbageOptions {
  /** Deepest nesting generated (JSON transports choke far earlier than a structured clone). */
  maxDepth: number;
  /** Values JSON cannot carry: bigint, Map, Set, typed arrays, functions, symbols, undefined. */
  nonJson: boolean;
}

export function wildValue(options: GarbageOptions): fc.Arbitrary<unknown> {
  const anything = fc.anything({
    maxDepth: 3,
    maxKeys: 6,
    withBigInt: options.nonJson,
    withBoxedValues: options.nonJson,
    withDate: options.nonJson,
    withMap: options.nonJson,
    withSet: options.nonJson,
    withNullPrototype: options.nonJson,
    withObjectString: true,
    withTypedArray: options.nonJson,
    withSparseArray: options.nonJson,
    withUnicodeString: true,
  });
  const numbers = fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.5, -1, 2 ** 31);
  const strings = fc.oneof(
    fc.constantFrom(MEGABYTE_STRING, WIDE_STRING, '', ' ', '\u0000', '\uD800', '\u202Eevil', '../../etc/passwd', '..', '.', 'a/b', '%2e%2e', 'sound:../../etc/passwd', 'http://u:p@host/', '\n\r\t'),
    fc.string({ maxLength: 300, unit: 'binary' }),
  );
  const polluted = fc.constantFrom(...POLLUTING).map((json) => JSON.parse(json) as unknown);
  const deep = fc.tuple(fc.integer({ min: 50, max: options.maxDepth }), fc.boolean()).map(([depth, asArray]) => nested(depth, 'leaf', asArray));
  const exotic = options.nonJson ? [fc.constantFrom<unknown>(undefined, () => 'fn', Symbol('s'), new Error('boom'), new Uint8Array(4), Object.create(null))] : [];
  return fc.oneof(anything, numbers, strings, polluted, deep, ...exotic);
}

/** A payload for `channel`: valid, valid-ish, or garbage. */
export function payloadFor(channel: RequestChannel, examples: Record<string, unknown>, options: GarbageOptions): fc.Arbitrary<unknown> {
  const example = examples[channel] as Record<string, unknown>;
  const keys = Object.keys(example);
  const wild = wildValue(options);
  const mutations: fc.Arbitrary<unknown>[] = [
    fc.constant(example),
    fc.tuple(fc.string({ maxLength: 20 }).filter((key) => !(key in example)), wild).map(([key, value]) => ({ ...example, [key]: value })),
    fc.tuple(pollutionKeys, wild).map(([key, value]) => {
      const rest = JSON.stringify(example).slice(1, -1);
      return JSON.parse(`{${JSON.stringify(key)}:${jsonOrNull(value)}${rest ? `,${rest}` : ''}}`) as unknown;
    }),
    fc.constantFrom(...POLLUTING).map((json) => ({ ...example, ...(JSON.parse(json) as object) })),
    wild,
    fc.array(wild, { maxLength: 4 }),
  ];
  if (keys.length > 0) {
    mutations.push(
      fc.tuple(fc.constantFrom(...keys), wild).map(([key, value]) => ({ ...example, [key]: value })),
      fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(example).filter(([name]) => name !== key))),
    );
  }
  return fc.oneof(...mutations);
}

export function requestArbitrary(examples: Record<string, unknown>, options: GarbageOptions): fc.Arbitrary<{ channel: RequestChannel; payload: unknown }> {
  return fc.constantFrom(...REQUEST_CHANNELS).chain((channel) => payloadFor(channel, examples, options).map((payload) => ({ channel, payload })));
}

/** Channel names that are not channels, including the prototype's own. */
export const bogusChannels = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'call.answer ', 'CALL.ANSWER', 'call', '', 'profiles.list\u0000', 'call.teleport'),
  fc.string({ maxLength: 120 }),
);

export function prototypeIsClean(): boolean {
  const probe: Record<string, unknown> = {};
  return Object.keys(Object.prototype).length === 0 && probe['polluted'] === undefined && Object.getPrototypeOf(probe) === Object.prototype;
}
