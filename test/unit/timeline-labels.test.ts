import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AriChannel, AriEvent } from '../../common/ari.js';
import { applyEvents, createModel, timelineLabel, type CallModel, type ChannelView, type ModelEvent, type TimelineEntry } from '../../common/model/index.js';
import { parseRecording } from '../../common/recording.js';

/**
 * Timeline entries keep what happened (kind, source, the few fields the words
 * need) and timelineLabel builds the words where they are shown. These are
 * the words the reducer wrote eagerly into every entry before that change,
 * recorded from the old reducer over the bench's recording of a real
 * Asterisk (868 channels: ring, answer, dialplan, bridges, playback, DTMF,
 * hangup) plus the console's own events and the ARI events the recording
 * lacks (test/unit/fixtures/timeline-labels.json.gz).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const ts = (ms: number): string => new Date(T0 + ms).toISOString().replace('Z', '+0000');

function chan(id: string, overrides: Partial<AriChannel> = {}): AriChannel {
  return {
    id,
    name: `PJSIP/101-${id}`,
    state: 'Up',
    caller: { name: 'Alice', number: '101' },
    connected: { name: '', number: '' },
    accountcode: '',
    dialplan: { context: 'from-internal', exten: '200', priority: 2, app_name: 'Stasis', app_data: 'benchrec' },
    creationtime: ts(0),
    language: 'en',
    ...overrides,
  } as AriChannel;
}

const ari = (type: string, at: number, fields: Record<string, unknown>): AriEvent => ({ type, timestamp: ts(at), application: 'benchrec', ...fields }) as AriEvent;

/** What the recording does not hold: the console's events, and ARI events in shapes it lacks. */
function extraEvents(): ModelEvent[] {
  const x = chan('lbl-x');
  const y = chan('lbl-y', { state: 'Ring', caller: { name: '', number: '' } });
  const z = chan('lbl-z', { state: 'Ring', caller: { name: '', number: '555' } });
  const flag = (at: number, channelId: string, f: string, direction?: string): ModelEvent =>
    ({ type: 'ConsoleChannelFlag', at: T0 + at, channelId, flag: f, ...(direction ? { direction } : {}) }) as ModelEvent;
  return [
    { type: 'ConsoleChannelSeen', at: T0, channel: x, inStasis: true, bridgeId: null, reason: 'connect' },
    { type: 'ConsoleChannelSeen', at: T0, channel: y, inStasis: false, bridgeId: null, reason: 'reconnect' },
    flag(1, 'lbl-x', 'mute', 'in'),
    flag(2, 'lbl-x', 'mute', 'out'),
    flag(3, 'lbl-x', 'unmute', 'both'),
    flag(4, 'lbl-x', 'mute'),
    flag(5, 'lbl-x', 'unmute', 'out'),
    flag(6, 'lbl-x', 'ring'),
    flag(7, 'lbl-x', 'ring-stop'),
    flag(8, 'lbl-x', 'silence'),
    flag(9, 'lbl-x', 'silence-stop'),
    flag(10, 'lbl-x', 'hold'),
    flag(11, 'lbl-x', 'unhold'),
    ari('ChannelHold', 12, { channel: x }),
    ari('ChannelUnhold', 13, { channel: x }),
    ari('ChannelHangupRequest', 14, { channel: x }),
    ari('ChannelDtmfReceived', 15, { channel: x }),
    ari('ChannelUserevent', 16, { channel: x, eventname: 'custom' }),
    ari('PlaybackStarted', 17, { playback: { id: 'pb-1', target_uri: 'channel:lbl-x', state: 'playing' } }),
    ari('PlaybackFinished', 18, { playback: { id: 'pb-1', target_uri: 'channel:lbl-x', state: 'done' } }),
    ari('ChannelEnteredBridge', 19, { channel: x, bridge: { id: '9f8e7d6c-unnamed', bridge_type: 'holding', channels: ['lbl-x'] } }),
    ari('ChannelLeftBridge', 20, { channel: x, bridge: { id: '9f8e7d6c-unnamed', bridge_type: 'holding', channels: [] } }),
    ari('ChannelEnteredBridge', 21, { channel: x, bridge: { id: 'a1b2c3d4-named', name: 'Front desk', bridge_type: 'mixing', channels: ['lbl-x'] } }),
    ari('ChannelCallerId', 22, { channel: { ...x, caller: { name: '', number: '' } } }),
    ari('ChannelConnectedLine', 23, { channel: { ...x, connected: { name: 'Bob', number: '' } } }),
    ari('ChannelStateChange', 24, { channel: { ...x, state: 'Ringing' } }),
    ari('ChannelStateChange', 25, { channel: { ...x, state: 'Up' } }),
    ari('StasisStart', 26, { channel: z, args: ['dialed', '101'] }),
    ari('StasisEnd', 27, { channel: z }),
    ari('ChannelDialplan', 28, { channel: { ...z, dialplan: { context: 'x', exten: 's', priority: 3, app_name: 'Playback', app_data: 'hello-world' } } }),
    { type: 'ConsoleLinkLost', at: T0 + 30, reason: 'socket closed' },
    { type: 'ConsoleChannelSeen', at: T0 + 40, channel: { ...x, state: 'Ring', caller: { name: 'Carol', number: '102' } }, inStasis: false, bridgeId: 'b7c8d9e0-1234', reason: 'reconnect' },
    { type: 'ConsoleChannelSeen', at: T0 + 40, channel: z, inStasis: true, bridgeId: null, reason: 'reconnect' },
    { type: 'ConsoleChannelVanished', at: T0 + 40, channelId: 'lbl-y' },
    { type: 'ConsoleLinkRestored', at: T0 + 41 },
    ari('ChannelDestroyed', 50, { channel: z, cause: 16 }),
    ari('ChannelDestroyed', 51, { channel: x, cause: 16, cause_txt: 'Normal Clearing' }),
  ];
}

/** Every channel's timeline after the recording and the extra events, applied in the engine's batches of 256. */
function replayed(): CallModel {
  const recording = parseRecording(gunzipSync(readFileSync(resolve(ROOT, 'bench/fixtures/ari-events.jsonl.gz'))).toString('utf8'));
  const events = [...recording.frames.map((frame) => frame.event), ...extraEvents()];
  let model = createModel({ app: 'benchrec', maxEnded: 10_000 });
  for (let i = 0; i < events.length; i += 256) model = applyEvents(model, events.slice(i, i + 256), T0);
  return model;
}

type Golden = Record<string, { kinds: string[]; labels: string[] }>;

function channelsOf(model: CallModel): ChannelView[] {
  return [...model.channels.values(), ...model.ended.values()];
}

describe('timeline labels built where they are shown', () => {
  it('say exactly what the eagerly built labels said, entry by entry, over a recorded stream', () => {
    const golden = JSON.parse(gunzipSync(readFileSync(resolve(import.meta.dirname, 'fixtures/timeline-labels.json.gz'))).toString('utf8')) as Golden;
    const model = replayed();
    const channels = channelsOf(model);
    expect(channels).toHaveLength(Object.keys(golden).length);
    let entries = 0;
    for (const channel of channels) {
      const expected = golden[channel.id];
      expect(expected, channel.id).toBeDefined();
      expect(channel.timeline.map((entry) => entry.kind)).toEqual(expected?.kinds);
      expect(channel.timeline.map(timelineLabel), channel.id).toEqual(expected?.labels);
      entries += channel.timeline.length;
    }
    expect(entries).toBeGreaterThan(9_000);
  });
});

describe('timeline entries from before lazy labels', () => {
  it('keep the words they were recorded with (a recording snapshot made by an older console)', () => {
    const recorded = { at: T0, kind: 'bridge-enter', label: 'Joined bridge Front desk (a1b2c3d4)', source: 'ChannelEnteredBridge' };
    expect(timelineLabel(recorded as unknown as TimelineEntry)).toBe('Joined bridge Front desk (a1b2c3d4)');
  });
});
