import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AriBridge, AriChannel, AriEvent } from '../../common/ari.js';
import { applyEvents, callReport, createModel, hydrateModel, serializeModel, timelineLabel } from '../../common/model/index.js';
import type { CallModel, ChannelView, ConsoleEvent, ModelEvent, TimelineEntry } from '../../common/model/index.js';

// ---- ARI JSON as Asterisk 22 sends it on /ari/events.

/** 2026-11-23T09:12:33.123+0000, the PBX's clock at the start of every scenario. */
const T0 = Date.parse('2026-11-23T09:12:33.123Z');
/** What `now` says when an event carries no timestamp: far from T0 so a mix-up shows. */
const NOW = T0 + 86_400_000;

/** An ARI timestamp `ms` after T0, in Asterisk's format ("+0000", not "Z"). */
function ts(ms: number): string {
  return new Date(T0 + ms).toISOString().replace('Z', '+0000');
}

const APP = 'console';

/** An entry as a person reads it: with the words timelineLabel builds where the timeline is shown. */
const worded = (entry: TimelineEntry | undefined) => entry && { at: entry.at, kind: entry.kind, label: timelineLabel(entry), source: entry.source };

function chan(id: string, overrides: Partial<AriChannel> = {}): AriChannel {
  return {
    id,
    name: `PJSIP/101-${id.slice(-8).padStart(8, '0')}`,
    state: 'Ring',
    protocol_id: `${id}@pbx.example`,
    caller: { name: 'Reception', number: '101' },
    connected: { name: '', number: '' },
    accountcode: '',
    dialplan: { context: 'from-internal', exten: '200', priority: 2, app_name: 'Stasis', app_data: APP },
    creationtime: ts(0),
    language: 'en',
    ...overrides,
  };
}

function ev(type: string, atMs: number, fields: Record<string, unknown> = {}): AriEvent {
  return { type, timestamp: ts(atMs), application: APP, asterisk_id: '02:42:ac:11:00:02', ...fields };
}

const created = (c: AriChannel, at = 0) => ev('ChannelCreated', at, { channel: c });
const stasisStart = (c: AriChannel, at: number, args: string[] = []) => ev('StasisStart', at, { channel: c, args });
const stateChange = (c: AriChannel, state: string, at: number) => ev('ChannelStateChange', at, { channel: { ...c, state } });
const destroyed = (c: AriChannel, at: number, cause: number, causeTxt: string) =>
  ev('ChannelDestroyed', at, { channel: c, cause, cause_txt: causeTxt });

function bridge(id: string, channels: string[], overrides: Partial<AriBridge> = {}): AriBridge {
  return {
    id,
    technology: 'simple_bridge',
    bridge_type: 'mixing',
    bridge_class: 'stasis',
    creator: 'Stasis',
    name: 'Front desk',
    channels,
    creationtime: ts(0),
    video_mode: 'none',
    ...overrides,
  };
}

function flag(channelId: string, flagName: Extract<ConsoleEvent, { type: 'ConsoleChannelFlag' }>['flag'], at: number, direction?: 'in' | 'out' | 'both'): ConsoleEvent {
  return direction === undefined
    ? { type: 'ConsoleChannelFlag', at, channelId, flag: flagName }
    : { type: 'ConsoleChannelFlag', at, channelId, flag: flagName, direction };
}

function apply(model: CallModel, events: readonly ModelEvent[]): CallModel {
  return applyEvents(model, events, NOW);
}

function live(model: CallModel, id: string): ChannelView {
  const channel = model.channels.get(id);
  if (!channel) throw new Error(`no live channel ${id}`);
  return channel;
}

function ended(model: CallModel, id: string): ChannelView {
  const channel = model.ended.get(id);
  if (!channel) throw new Error(`no ended channel ${id}`);
  return channel;
}

/** Freezes what the reducer must treat as read-only: channels, their arrays and nested objects. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

function freezeModel(model: CallModel): CallModel {
  for (const map of [model.channels, model.ended, model.bridges, model.endpoints]) {
    for (const item of map.values()) deepFreeze(item);
  }
  return deepFreeze(model);
}

const IN_ID = '1795425153.101';
const inbound = chan(IN_ID);

describe('a call from ring to hang-up (the seed flow)', () => {
  const flow: AriEvent[] = [
    created(inbound, 0),
    stasisStart(inbound, 20),
    stateChange(inbound, 'Ringing', 1_000),
    stateChange(inbound, 'Up', 4_000),
    ev('PlaybackStarted', 4_100, {
      playback: { id: 'pb-1', media_uri: 'sound:hello-world', target_uri: `channel:${IN_ID}`, language: 'en', state: 'playing' },
    }),
    ev('PlaybackFinished', 6_100, {
      playback: { id: 'pb-1', media_uri: 'sound:hello-world', target_uri: `channel:${IN_ID}`, language: 'en', state: 'done' },
    }),
    ev('ChannelHangupRequest', 30_000, { channel: { ...inbound, state: 'Up' }, cause: 16 }),
    ev('StasisEnd', 30_040, { channel: { ...inbound, state: 'Up' } }),
    destroyed({ ...inbound, state: 'Up' }, 30_050, 16, 'Normal Clearing'),
  ];

  it('writes the timeline in order with the PBX timestamps', () => {
    const model = apply(createModel({ app: APP }), flow);
    const channel = ended(model, IN_ID);
    expect(channel.timeline.map((entry) => [entry.kind, entry.at - T0, timelineLabel(entry), entry.source])).toEqual([
      ['created', 0, 'Created (Ring)', 'ChannelCreated'],
      ['stasis-start', 20, "Entered the console's app", 'StasisStart'],
      ['state', 1_000, 'State: Ringing', 'ChannelStateChange'],
      ['state', 4_000, 'Answered (Up)', 'ChannelStateChange'],
      ['playback-start', 4_100, 'Playing sound:hello-world', 'PlaybackStarted'],
      ['playback-end', 6_100, 'Finished playing sound:hello-world', 'PlaybackFinished'],
      ['hangup-request', 30_000, 'Hangup requested (cause 16)', 'ChannelHangupRequest'],
      ['stasis-end', 30_040, "Left the console's app", 'StasisEnd'],
      ['destroyed', 30_050, 'Hung up: Normal Clearing', 'ChannelDestroyed'],
    ]);
    expect(channel.timeline[0]?.at).toBe(Date.parse('2026-11-23T09:12:33.123+0000'));
  });

  it('moves the channel to ended with its answer and end times and cause', () => {
    const model = apply(createModel({ app: APP }), flow);
    expect(model.channels.size).toBe(0);
    expect([...model.ended.keys()]).toEqual([IN_ID]);
    const channel = ended(model, IN_ID);
    expect(channel.createdAt).toBe(T0);
    expect(channel.answeredAt).toBe(T0 + 4_000);
    expect(channel.endedAt).toBe(T0 + 30_050);
    expect(channel.hangupCause).toBe(16);
    expect(channel.hangupCauseText).toBe('Normal Clearing');
    expect(channel.state).toBe('Up');
    expect(channel.inStasis).toBe(false);
    expect(channel.playbacks).toEqual([]);
    expect(model.eventsApplied).toBe(flow.length);
    expect(model.eventsSkipped).toBe(0);
  });

  it('reports ring, talk and total time of an answered call', () => {
    const model = apply(createModel({ app: APP }), flow);
    expect(callReport(ended(model, IN_ID), NOW)).toEqual({
      startedAt: T0,
      answeredAt: T0 + 4_000,
      endedAt: T0 + 30_050,
      ringMs: 4_000,
      talkMs: 26_050,
      totalMs: 30_050,
      status: 'answered',
      cause: 16,
      causeText: 'Normal Clearing',
      approximate: false,
    });
  });

  it('reports a live call as ringing, then up with talk time counted to now', () => {
    const ringing = apply(createModel({ app: APP }), flow.slice(0, 3));
    const ringingReport = callReport(live(ringing, IN_ID), T0 + 2_500);
    expect([ringingReport.status, ringingReport.ringMs, ringingReport.talkMs, ringingReport.totalMs]).toEqual(['ringing', 2_500, 0, 2_500]);

    const talking = apply(ringing, flow.slice(3, 5));
    const talkingReport = callReport(live(talking, IN_ID), T0 + 10_000);
    expect([talkingReport.status, talkingReport.ringMs, talkingReport.talkMs, talkingReport.totalMs]).toEqual(['up', 4_000, 6_000, 10_000]);
    expect(live(talking, IN_ID).playbacks).toEqual(['pb-1']);
  });

  it('survives a JSON round trip mid-call and carries on from it', () => {
    const midCall = apply(createModel({ app: APP }), flow.slice(0, 5));
    const copy = hydrateModel(JSON.parse(JSON.stringify(serializeModel(midCall))));
    expect(serializeModel(copy)).toEqual(serializeModel(midCall));
    const finished = apply(copy, flow.slice(5));
    expect(serializeModel(finished)).toEqual(serializeModel(apply(createModel({ app: APP }), flow)));
  });

  it('gives the same result one event at a time as in one batch', () => {
    const batched = apply(createModel({ app: APP }), flow);
    const stepped = flow.reduce((model, event) => apply(model, [event]), createModel({ app: APP }));
    expect(serializeModel(stepped)).toEqual(serializeModel(batched));
  });
});

describe('a call never answered', () => {
  it.each([
    [17, 'User busy', 'busy'],
    [19, 'No user responding', 'no-answer'],
    [34, 'Circuit/channel congestion', 'failed'],
  ] as const)('ends with cause %i (%s) as %s', (cause, causeTxt, status) => {
    const c = chan('1795425153.201');
    const model = apply(createModel({ app: APP }), [created(c, 0), stateChange(c, 'Ringing', 500), destroyed({ ...c, state: 'Ringing' }, 12_000, cause, causeTxt)]);
    const channel = ended(model, c.id);
    expect(channel.answeredAt).toBeNull();
    expect(worded(channel.timeline.at(-1))?.label).toBe(`Hung up: ${causeTxt}`);
    expect(callReport(channel, NOW)).toEqual({
      startedAt: T0,
      answeredAt: null,
      endedAt: T0 + 12_000,
      ringMs: 12_000,
      talkMs: 0,
      totalMs: 12_000,
      status,
      cause,
      causeText: causeTxt,
      approximate: false,
    });
  });

  it('says "Hung up" without a cause when the PBX gives none', () => {
    const c = chan('1795425153.202');
    const model = apply(createModel({ app: APP }), [created(c), ev('ChannelDestroyed', 100, { channel: c })]);
    const channel = ended(model, c.id);
    expect(channel.hangupCause).toBeNull();
    expect(channel.hangupCauseText).toBeNull();
    expect(worded(channel.timeline.at(-1))?.label).toBe('Hung up');
  });
});

describe('channel events', () => {
  const c = chan('1795425153.301', { state: 'Up' });
  const base = () => apply(createModel({ app: APP }), [created(c, 0)]);

  it('holds and unholds', () => {
    const held = apply(base(), [ev('ChannelHold', 1_000, { channel: c, musicclass: 'default' })]);
    expect(live(held, c.id).onHold).toBe(true);
    const unheld = apply(held, [ev('ChannelUnhold', 2_000, { channel: c })]);
    expect(live(unheld, c.id).onHold).toBe(false);
    expect(live(unheld, c.id).timeline.slice(1).map((e) => [e.kind, e.at - T0, timelineLabel(e)])).toEqual([
      ['hold', 1_000, 'On hold'],
      ['unhold', 2_000, 'Off hold'],
    ]);
  });

  it('records caller id and connected line changes', () => {
    // Every ARI event carries the channel's whole snapshot, so later events repeat the new caller.
    const renamed = { ...c, caller: { name: 'Alice Example', number: '+15551234' } };
    const model = apply(base(), [
      ev('ChannelCallerId', 1_000, { caller_presentation: 0, caller_presentation_txt: 'Presentation Allowed, Not Screened', channel: renamed }),
      ev('ChannelConnectedLine', 1_500, { channel: { ...renamed, connected: { name: 'Front Desk', number: '200' } } }),
      ev('ChannelConnectedLine', 1_600, { channel: { ...renamed, connected: { name: '', number: '201' } } }),
    ]);
    const channel = live(model, c.id);
    expect(channel.caller).toEqual({ name: 'Alice Example', number: '+15551234' });
    expect(channel.connected).toEqual({ name: '', number: '201' });
    expect(channel.timeline.slice(1).map((e) => [e.kind, timelineLabel(e)])).toEqual([
      ['caller-id', 'Caller ID: Alice Example <+15551234>'],
      ['connected-line', 'Connected to Front Desk <200>'],
      ['connected-line', 'Connected to 201'],
    ]);
  });

  it('records the dialplan position and DTMF', () => {
    const model = apply(base(), [
      ev('ChannelDialplan', 700, {
        dialplan_app: 'Playback',
        dialplan_app_data: 'hello-world',
        channel: { ...c, dialplan: { context: 'ivr', exten: 's', priority: 3, app_name: 'Playback', app_data: 'hello-world' } },
      }),
      ev('ChannelDtmfReceived', 800, { digit: '#', duration_ms: 120, channel: c }),
    ]);
    const channel = live(model, c.id);
    expect(channel.dialplan).toEqual({ context: 'ivr', exten: 's', priority: 3, app: 'Playback', appData: 'hello-world' });
    expect(channel.timeline.slice(1).map((e) => [e.kind, timelineLabel(e)])).toEqual([
      ['dialplan', 'ivr,s,3 Playback(hello-world)'],
      ['dtmf', 'DTMF #'],
    ]);
  });

  it('lists StasisStart arguments on the timeline and marks the channel in Stasis', () => {
    const outbound = chan('1795425153.302', { dialplan: { context: 'default', exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' } });
    const model = apply(createModel({ app: APP }), [created(outbound), stasisStart(outbound, 50, ['dialed', '101'])]);
    const channel = live(model, outbound.id);
    expect(channel.inStasis).toBe(true);
    expect(channel.timeline.map((e) => timelineLabel(e))).toEqual(['Created (Ring)', "Entered the console's app (dialed, 101)"]);
  });

  it('first seen at StasisStart (an originated channel already Up) counts as answered then', () => {
    const originated = chan('1795425153.303', { state: 'Up', creationtime: ts(-300) });
    const model = apply(createModel({ app: APP }), [stasisStart(originated, 100)]);
    const channel = live(model, originated.id);
    expect(channel.createdAt).toBe(T0 - 300);
    expect(channel.answeredAt).toBe(T0 + 100);
    expect(channel.timeline.map((e) => e.kind)).toEqual(['created', 'stasis-start']);
  });

  it('keeps ChannelVarset off the timeline but counts it as applied', () => {
    const before = base();
    const after = apply(before, [
      ev('ChannelVarset', 900, { variable: 'CDR(userfield)', value: 'vip', channel: c }),
      ev('ChannelTalkingStarted', 950, { channel: c }),
    ]);
    expect(live(after, c.id).timeline).toEqual(live(before, c.id).timeline);
    expect(after.eventsApplied).toBe(before.eventsApplied + 2);
    expect(after.eventsSkipped).toBe(0);
  });

  it('adds an "other" entry for an event type it does not know', () => {
    const model = apply(base(), [ev('ChannelUserevent', 1_200, { eventname: 'Wrapup', userevent: {}, channel: c })]);
    expect(worded(live(model, c.id).timeline.at(-1))).toEqual({ at: T0 + 1_200, kind: 'other', label: 'ChannelUserevent', source: 'ChannelUserevent' });
    expect(model.eventsApplied).toBe(2);
  });

  it('stamps an event without a timestamp with now', () => {
    const model = apply(base(), [{ type: 'ChannelHold', channel: c }]);
    expect(live(model, c.id).timeline.at(-1)?.at).toBe(NOW);
  });

  it('ignores a state change that repeats the current state', () => {
    const model = apply(base(), [stateChange(c, 'Up', 500)]);
    expect(live(model, c.id).timeline.map((e) => e.kind)).toEqual(['created']);
  });

  it('stops ringing and playbacks when the channel is destroyed', () => {
    const model = apply(base(), [
      flag(c.id, 'ring', T0 + 100),
      ev('PlaybackStarted', 200, { playback: { id: 'pb-9', media_uri: 'sound:queue-periodic-announce', target_uri: `channel:${c.id}`, state: 'playing' } }),
      destroyed(c, 300, 16, 'Normal Clearing'),
    ]);
    const channel = ended(model, c.id);
    expect(channel.ringing).toBe(false);
    expect(channel.playbacks).toEqual([]);
  });

  it('leaves channels alone for a playback to a bridge', () => {
    const before = base();
    const after = apply(before, [
      ev('PlaybackStarted', 200, { playback: { id: 'pb-b', media_uri: 'sound:conf-onlyperson', target_uri: 'bridge:b-1', state: 'playing' } }),
    ]);
    expect(after.channels).toBe(before.channels);
  });
});

describe('bridges, endpoints and device states', () => {
  const a = chan('1795425153.401', { state: 'Up' });
  const b = chan('1795425153.402', { state: 'Up', caller: { name: 'Bob', number: '102' } });
  const BR = 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff';

  it('follows a bridge from creation to destruction', () => {
    const m0 = apply(createModel({ app: APP }), [created(a), created(b), ev('BridgeCreated', 100, { bridge: bridge(BR, []) })]);
    expect(m0.bridges.get(BR)).toEqual({
      id: BR,
      name: 'Front desk',
      kind: 'mixing',
      bridgeType: 'mixing',
      technology: 'simple_bridge',
      bridgeClass: 'stasis',
      creator: 'Stasis',
      channelIds: [],
      createdAt: T0,
    });

    const m1 = apply(m0, [
      ev('ChannelEnteredBridge', 200, { bridge: bridge(BR, [a.id]), channel: a }),
      ev('ChannelEnteredBridge', 300, { bridge: bridge(BR, [a.id, b.id]), channel: b }),
    ]);
    expect(live(m1, a.id).bridgeId).toBe(BR);
    expect(live(m1, b.id).bridgeId).toBe(BR);
    expect(m1.bridges.get(BR)?.channelIds).toEqual([a.id, b.id]);
    expect(worded(live(m1, a.id).timeline.at(-1))).toEqual({ at: T0 + 200, kind: 'bridge-enter', label: 'Joined bridge Front desk (a1b2c3d4)', source: 'ChannelEnteredBridge' });

    const m2 = apply(m1, [ev('ChannelLeftBridge', 400, { bridge: bridge(BR, [b.id]), channel: a })]);
    expect(live(m2, a.id).bridgeId).toBeNull();
    expect(live(m2, b.id).bridgeId).toBe(BR);
    expect(m2.bridges.get(BR)?.channelIds).toEqual([b.id]);
    expect(worded(live(m2, a.id).timeline.at(-1))).toEqual({ at: T0 + 400, kind: 'bridge-leave', label: 'Left bridge Front desk (a1b2c3d4)', source: 'ChannelLeftBridge' });

    const m3 = apply(m2, [ev('ChannelLeftBridge', 500, { bridge: bridge(BR, []), channel: b }), ev('BridgeDestroyed', 510, { bridge: bridge(BR, []) })]);
    expect(m3.bridges.has(BR)).toBe(false);
    expect(live(m3, b.id).bridgeId).toBeNull();
    expect(m3.eventsSkipped).toBe(0);
  });

  it('a bridge destroyed before its legs left is gone, and so is every leg\'s place in it', () => {
    const m1 = apply(createModel({ app: APP }), [
      created(a),
      created(b),
      ev('ChannelEnteredBridge', 100, { bridge: bridge(BR, [a.id]), channel: a }),
      ev('ChannelEnteredBridge', 110, { bridge: bridge(BR, [a.id, b.id]), channel: b }),
    ]);
    const m2 = apply(m1, [ev('BridgeDestroyed', 200, { bridge: bridge(BR, [a.id, b.id]) })]);
    expect(m2.bridges.has(BR)).toBe(false);
    expect([live(m2, a.id).bridgeId, live(m2, b.id).bridgeId]).toEqual([null, null]);
    // The leaves that come after say so on the timeline, but bring no bridge back.
    const m3 = apply(m2, [
      ev('ChannelLeftBridge', 210, { bridge: bridge(BR, [b.id]), channel: a }),
      ev('ChannelLeftBridge', 220, { bridge: bridge(BR, []), channel: b }),
    ]);
    expect(m3.bridges.has(BR)).toBe(false);
    expect(worded(live(m3, b.id).timeline.at(-1))?.kind).toBe('bridge-leave');
    expect([live(m3, a.id).bridgeId, live(m3, b.id).bridgeId]).toEqual([null, null]);
  });

  it('labels an unnamed holding bridge by its short id', () => {
    const holding = bridge('9f8e7d6c-0000-4000-8000-000000000001', [a.id], { bridge_type: 'holding', name: '', technology: 'holding_bridge' });
    const model = apply(createModel({ app: APP }), [created(a), ev('ChannelEnteredBridge', 100, { bridge: holding, channel: a })]);
    expect(model.bridges.get(holding.id)?.kind).toBe('holding');
    expect(worded(live(model, a.id).timeline.at(-1))?.label).toBe('Joined bridge 9f8e7d6c');
  });

  it('leaving a bridge the channel is not in leaves its current bridge alone', () => {
    const other = 'ffffffff-0000-4000-8000-000000000002';
    const model = apply(createModel({ app: APP }), [
      created(a),
      ev('ChannelEnteredBridge', 100, { bridge: bridge(BR, [a.id]), channel: a }),
      ev('ChannelLeftBridge', 200, { bridge: bridge(other, []), channel: a }),
    ]);
    expect(live(model, a.id).bridgeId).toBe(BR);
  });

  it('records device states and endpoint states', () => {
    const model = apply(createModel({ app: APP }), [
      ev('DeviceStateChanged', 100, { device_state: { name: 'PJSIP/101', state: 'INUSE' } }),
      ev('DeviceStateChanged', 150, { device_state: { name: 'Custom:lunch', state: 'ONHOLD' } }),
      ev('DeviceStateChanged', 200, { device_state: { name: 'PJSIP/101', state: 'NOT_INUSE' } }),
      ev('EndpointStateChange', 300, { endpoint: { technology: 'PJSIP', resource: '101', state: 'online', channel_ids: [a.id] } }),
      ev('EndpointStateChange', 400, { endpoint: { technology: 'PJSIP', resource: '102', state: 'offline', channel_ids: [] } }),
    ]);
    expect([...model.deviceStates]).toEqual([
      ['PJSIP/101', 'NOT_INUSE'],
      ['Custom:lunch', 'ONHOLD'],
    ]);
    expect(model.endpoints.get('PJSIP/101')).toEqual({ key: 'PJSIP/101', technology: 'PJSIP', resource: '101', state: 'online', channelIds: [a.id] });
    expect(model.endpoints.get('PJSIP/102')?.state).toBe('offline');
    expect(model.eventsApplied).toBe(5);
  });
});

describe('console flags', () => {
  const c = chan('1795425153.501', { state: 'Up' });
  const base = () => apply(createModel({ app: APP }), [created(c)]);

  it.each([
    ['in', { in: true, out: false }, 'Muted (in)'],
    ['out', { in: false, out: true }, 'Muted (out)'],
    ['both', { in: true, out: true }, 'Muted (both)'],
    [undefined, { in: true, out: true }, 'Muted (both)'],
  ] as const)('mute %s', (direction, muted, label) => {
    const model = apply(base(), [flag(c.id, 'mute', T0 + 1_000, direction)]);
    const channel = live(model, c.id);
    expect(channel.muted).toEqual(muted);
    expect(worded(channel.timeline.at(-1))).toEqual({ at: T0 + 1_000, kind: 'mute', label, source: 'ConsoleChannelFlag' });
  });

  it('unmute in leaves out muted', () => {
    const model = apply(base(), [flag(c.id, 'mute', T0 + 1_000, 'both'), flag(c.id, 'unmute', T0 + 2_000, 'in')]);
    const channel = live(model, c.id);
    expect(channel.muted).toEqual({ in: false, out: true });
    expect(worded(channel.timeline.at(-1))).toEqual({ at: T0 + 2_000, kind: 'unmute', label: 'Unmuted (in)', source: 'ConsoleChannelFlag' });
  });

  it('ring, ring-stop, silence, silence-stop', () => {
    const ringing = apply(base(), [flag(c.id, 'ring', T0 + 100)]);
    expect(live(ringing, c.id).ringing).toBe(true);
    const quiet = apply(ringing, [flag(c.id, 'ring-stop', T0 + 200), flag(c.id, 'silence', T0 + 300)]);
    expect(live(quiet, c.id).ringing).toBe(false);
    expect(live(quiet, c.id).silenced).toBe(true);
    const done = apply(quiet, [flag(c.id, 'silence-stop', T0 + 400)]);
    expect(live(done, c.id).silenced).toBe(false);
    expect(live(done, c.id).timeline.slice(1).map((e) => [e.kind, e.at - T0, timelineLabel(e)])).toEqual([
      ['ring', 100, 'Ringing indicated to caller'],
      ['ring-stop', 200, 'Ringing indication stopped'],
      ['silence', 300, 'Playing silence'],
      ['silence-stop', 400, 'Silence stopped'],
    ]);
  });

  it('skips a flag for a channel it does not know', () => {
    const before = base();
    const after = apply(before, [flag('nope', 'mute', T0, 'both')]);
    expect(after.eventsSkipped).toBe(1);
    expect(after.channels).toBe(before.channels);
  });
});

describe('malformed events', () => {
  const c = chan('1795425153.601');

  it('skips and counts them without throwing or losing the rest of the batch', () => {
    const junk: unknown[] = [
      { type: 'ChannelStateChange', timestamp: ts(1) },
      { type: 'ChannelStateChange', timestamp: ts(2), channel: { name: 'PJSIP/101-00000001', state: 'Up' } },
      { type: 'ChannelStateChange', timestamp: ts(3), channel: null },
      { type: 'ChannelHold', timestamp: ts(4), channel: { id: 42 } },
      { type: 'ChannelDestroyed', timestamp: ts(5), channel: 'PJSIP/101' },
      { type: 'DeviceStateChanged', device_state: null },
      { type: 'DeviceStateChanged', device_state: { name: 'PJSIP/101', state: 3 } },
      { type: 'EndpointStateChange', endpoint: { technology: 'PJSIP' } },
      { type: 'BridgeCreated', bridge: { id: null } },
      { type: 'ChannelEnteredBridge', channel: { id: c.id }, bridge: null },
      { type: 'PlaybackStarted', playback: {} },
      { type: 7, channel: { id: c.id } },
      {},
      [],
      null,
      undefined,
      'ChannelHold',
      42,
    ];
    const events = [created(c, 0), ...(junk as ModelEvent[]), stateChange(c, 'Up', 2_000)];
    let model: CallModel | undefined;
    expect(() => {
      model = apply(createModel({ app: APP }), events);
    }).not.toThrow();
    if (!model) throw new Error('no model');
    expect(model.eventsApplied).toBe(2);
    expect(model.eventsSkipped).toBe(junk.length);
    const channel = live(model, c.id);
    expect(channel.state).toBe('Up');
    expect(channel.answeredAt).toBe(T0 + 2_000);
    expect(channel.timeline.map((e) => e.kind)).toEqual(['created', 'state']);
    expect(model.deviceStates.size).toBe(0);
    expect(model.endpoints.size).toBe(0);
    expect(model.bridges.size).toBe(0);
  });

  it('tolerates null and wrongly typed fields inside a channel', () => {
    const odd = {
      id: '1795425153.602',
      name: null,
      state: 5,
      caller: null,
      connected: 'nobody',
      dialplan: null,
      creationtime: null,
    } as unknown as AriChannel;
    const model = apply(createModel({ app: APP }), [ev('ChannelCreated', 100, { channel: odd })]);
    expect(model.eventsSkipped).toBe(0);
    const channel = live(model, odd.id);
    expect(channel.name).toBe(odd.id);
    expect(channel.state).toBe('Unknown');
    expect(channel.caller).toEqual({ name: '', number: '' });
    expect(channel.connected).toEqual({ name: '', number: '' });
    expect(channel.dialplan).toBeNull();
    expect(channel.inStasis).toBe(false);
    expect(channel.createdAt).toBe(T0 + 100);
  });

  it('falls back to now for a timestamp it cannot read', () => {
    const model = apply(createModel({ app: APP }), [{ type: 'ChannelCreated', timestamp: 'yesterday', channel: { id: 'x-1' } }]);
    expect(live(model, 'x-1').createdAt).toBe(NOW);
  });

  it('skips events for channels it does not know', () => {
    const before = apply(createModel({ app: APP }), [created(c)]);
    const stranger = chan('1795425153.699');
    const after = apply(before, [
      stateChange(stranger, 'Up', 100),
      ev('ChannelHold', 110, { channel: stranger }),
      ev('ChannelEnteredBridge', 120, { bridge: bridge('b-2', [stranger.id]), channel: stranger }),
      ev('ChannelHangupRequest', 130, { channel: stranger, cause: 16 }),
      destroyed(stranger, 140, 16, 'Normal Clearing'),
    ]);
    expect(after.eventsSkipped).toBe(5);
    expect(after.eventsApplied).toBe(before.eventsApplied);
    expect(after.channels).toBe(before.channels);
    expect(after.ended).toBe(before.ended);
    expect(after.channels.has(stranger.id)).toBe(false);
    expect(after.ended.has(stranger.id)).toBe(false);
  });
});

describe('bounds', () => {
  it('keeps only the newest maxEnded ended channels', () => {
    const ids = ['1795425153.701', '1795425153.702', '1795425153.703', '1795425153.704'];
    const events = ids.flatMap((id, i) => [created(chan(id), i * 10), destroyed(chan(id), i * 10 + 5, 16, 'Normal Clearing')]);
    const model = apply(createModel({ app: APP, maxEnded: 2 }), events);
    expect([...model.ended.keys()]).toEqual(ids.slice(2));
    expect(model.channels.size).toBe(0);
  });

  it('evicts across batches too, oldest first', () => {
    let model = createModel({ app: APP, maxEnded: 2 });
    const ids = ['e-1', 'e-2', 'e-3'];
    for (const [i, id] of ids.entries()) model = apply(model, [created(chan(id), i), destroyed(chan(id), i + 1, 16, 'Normal Clearing')]);
    expect([...model.ended.keys()]).toEqual(['e-2', 'e-3']);
  });

  it('keeps the first timeline entry and drops the oldest after it', () => {
    const c = chan('1795425153.801', { state: 'Up' });
    const digits = '0123456789'.split('');
    const model = apply(createModel({ app: APP, maxTimeline: 5 }), [
      created(c),
      ...digits.map((digit, i) => ev('ChannelDtmfReceived', 100 + i, { digit, duration_ms: 100, channel: c })),
    ]);
    const channel = live(model, c.id);
    expect(channel.timeline.map((e) => timelineLabel(e))).toEqual(['Created (Up)', 'DTMF 6', 'DTMF 7', 'DTMF 8', 'DTMF 9']);
    expect(channel.timelineDropped).toBe(6);
  });

  it('keeps counting drops across batches', () => {
    const c = chan('1795425153.802', { state: 'Up' });
    let model = apply(createModel({ app: APP, maxTimeline: 3 }), [created(c)]);
    for (const digit of ['1', '2', '3', '4']) model = apply(model, [ev('ChannelDtmfReceived', 100, { digit, channel: c })]);
    expect(live(model, c.id).timeline.map((e) => timelineLabel(e))).toEqual(['Created (Up)', 'DTMF 3', 'DTMF 4']);
    expect(live(model, c.id).timelineDropped).toBe(2);
  });
});

describe('structural sharing', () => {
  const a = chan('1795425153.901', { state: 'Up' });
  const b = chan('1795425153.902', { state: 'Up' });
  const gone = chan('1795425153.903');
  const BR = 'b0b0b0b0-0000-4000-8000-000000000000';

  function populated(): CallModel {
    return apply(createModel({ app: APP }), [
      created(a),
      created(b),
      created(gone),
      destroyed(gone, 10, 16, 'Normal Clearing'),
      ev('ChannelEnteredBridge', 20, { bridge: bridge(BR, [b.id]), channel: b }),
      ev('DeviceStateChanged', 30, { device_state: { name: 'PJSIP/101', state: 'INUSE' } }),
      ev('EndpointStateChange', 40, { endpoint: { technology: 'PJSIP', resource: '101', state: 'online', channel_ids: [a.id] } }),
      flag(b.id, 'mute', T0 + 50, 'in'),
    ]);
  }

  it('a batch touching channel A keeps B and the untouched maps identical', () => {
    const before = populated();
    const after = apply(before, [ev('ChannelHold', 1_000, { channel: a }), ev('ChannelDtmfReceived', 1_100, { digit: '5', channel: a })]);
    expect(after).not.toBe(before);
    expect(after.channels).not.toBe(before.channels);
    expect(after.channels.get(a.id)).not.toBe(before.channels.get(a.id));
    expect(after.channels.get(b.id)).toBe(before.channels.get(b.id));
    expect(after.ended).toBe(before.ended);
    expect(after.bridges).toBe(before.bridges);
    expect(after.endpoints).toBe(before.endpoints);
    expect(after.deviceStates).toBe(before.deviceStates);
    expect(after.config).toBe(before.config);
    expect(live(before, a.id).onHold).toBe(false);
    expect(live(before, a.id).timeline).toHaveLength(1);
  });

  it('never mutates the input model', () => {
    const before = freezeModel(populated());
    const copy = JSON.stringify(serializeModel(before));
    const after = apply(before, [
      ev('ChannelHold', 1_000, { channel: a }),
      flag(a.id, 'mute', T0 + 1_050, 'out'),
      flag(b.id, 'unmute', T0 + 1_060, 'in'),
      flag(b.id, 'ring', T0 + 1_070),
      ev('PlaybackStarted', 1_080, { playback: { id: 'pb-x', media_uri: 'sound:beep', target_uri: `channel:${b.id}`, state: 'playing' } }),
      ev('ChannelCallerId', 1_090, { channel: { ...a, caller: { name: 'New', number: '999' } } }),
      ev('ChannelLeftBridge', 1_100, { bridge: bridge(BR, []), channel: b }),
      ev('BridgeDestroyed', 1_110, { bridge: bridge(BR, []) }),
      ev('DeviceStateChanged', 1_120, { device_state: { name: 'PJSIP/101', state: 'NOT_INUSE' } }),
      ev('EndpointStateChange', 1_130, { endpoint: { technology: 'PJSIP', resource: '101', state: 'offline', channel_ids: [] } }),
      destroyed(b, 1_200, 16, 'Normal Clearing'),
      { type: 'ConsoleLinkLost', at: T0 + 1_300, reason: 'socket closed' },
    ]);
    // A frozen object written to throws, which the reducer would count as skipped.
    expect(after.eventsSkipped).toBe(before.eventsSkipped);
    expect(after.eventsApplied).toBe(before.eventsApplied + 12);
    expect(JSON.stringify(serializeModel(before))).toBe(copy);
    expect(live(after, a.id).onHold).toBe(true);
    expect(ended(after, b.id).playbacks).toEqual([]);
  });

  it('returns the same model for an empty batch', () => {
    const before = populated();
    expect(applyEvents(before, [], NOW)).toBe(before);
  });
});

describe('properties', () => {
  const ids = ['p-1', 'p-2', 'p-3'] as const;
  const bridgeIds = ['br-1', 'br-2'] as const;

  const channelEvent = fc
    .record({
      type: fc.constantFrom(
        'ChannelCreated',
        'StasisStart',
        'ChannelStateChange',
        'ChannelDestroyed',
        'ChannelHold',
        'ChannelUnhold',
        'ChannelHangupRequest',
        'ChannelDtmfReceived',
        'ChannelVarset',
        'ChannelCallerId',
        'ChannelConnectedLine',
        'ChannelDialplan',
        'StasisEnd',
        'ChannelUserevent',
      ),
      id: fc.constantFrom(...ids),
      state: fc.constantFrom('Down', 'Ring', 'Ringing', 'Up', 'Busy'),
      at: fc.integer({ min: 0, max: 600_000 }),
      cause: fc.constantFrom(16, 17, 19, 34),
    })
    .map(({ type, id, state, at, cause }): ModelEvent => ev(type, at, { channel: chan(id, { state }), cause, cause_txt: `cause ${cause}`, digit: '1' }));

  const bridgeEvent = fc
    .record({
      type: fc.constantFrom('ChannelEnteredBridge', 'ChannelLeftBridge', 'BridgeCreated', 'BridgeDestroyed'),
      id: fc.constantFrom(...ids),
      bridgeId: fc.constantFrom(...bridgeIds),
      members: fc.subarray([...ids]),
      at: fc.integer({ min: 0, max: 600_000 }),
    })
    .map(({ type, id, bridgeId, members, at }): ModelEvent => ev(type, at, { channel: chan(id), bridge: bridge(bridgeId, members) }));

  const otherEvent = fc.oneof(
    fc.record({ id: fc.constantFrom(...ids), started: fc.boolean(), at: fc.nat(600_000) }).map(
      ({ id, started, at }): ModelEvent =>
        ev(started ? 'PlaybackStarted' : 'PlaybackFinished', at, { playback: { id: `pb-${id}`, media_uri: 'sound:beep', target_uri: `channel:${id}` } }),
    ),
    fc.constantFrom('INUSE', 'NOT_INUSE', 'RINGING').map((state): ModelEvent => ev('DeviceStateChanged', 0, { device_state: { name: 'PJSIP/101', state } })),
    fc.constantFrom('online', 'offline').map((state): ModelEvent => ev('EndpointStateChange', 0, { endpoint: { technology: 'PJSIP', resource: '101', state } })),
    fc
      .record({
        id: fc.constantFrom(...ids),
        flag: fc.constantFrom('mute', 'unmute', 'ring', 'ring-stop', 'silence', 'silence-stop' as const),
        direction: fc.constantFrom('in', 'out', 'both' as const),
      })
      .map(({ id, flag: f, direction }): ModelEvent => flag(id, f, T0, direction)),
    fc.constantFrom<ModelEvent>({ type: 'ConsoleLinkLost', at: T0, reason: 'socket closed' }, { type: 'ConsoleLinkRestored', at: T0 }),
  );

  const junk = fc.anything().map((value) => value as ModelEvent);

  const anyEvent = fc.oneof(
    { arbitrary: channelEvent, weight: 6 },
    { arbitrary: bridgeEvent, weight: 2 },
    { arbitrary: otherEvent, weight: 2 },
    { arbitrary: junk, weight: 1 },
  );

  it('never throws and counts every event as applied or skipped', () => {
    fc.assert(
      fc.property(fc.array(fc.array(anyEvent, { maxLength: 40, size: 'medium' }), { maxLength: 8 }), (batches) => {
        let model = createModel({ app: APP, maxEnded: 2, maxTimeline: 6 });
        let total = 0;
        for (const batch of batches) {
          model = applyEvents(model, batch, NOW);
          total += batch.length;
          expect(model.eventsApplied + model.eventsSkipped).toBe(total);
          expect(model.ended.size).toBeLessThanOrEqual(2);
          for (const channel of [...model.channels.values(), ...model.ended.values()]) {
            expect(channel.timeline.length).toBeLessThanOrEqual(6);
          }
        }
      }),
    );
  });

  /** ARI never reuses a channel id: drop events that would bring a destroyed channel back. */
  function plausible(events: readonly ModelEvent[]): ModelEvent[] {
    const destroyedIds = new Set<string>();
    const out: ModelEvent[] = [];
    for (const event of events) {
      const id = (event as AriEvent).channel?.id;
      if (typeof id === 'string' && destroyedIds.has(id) && (event.type === 'ChannelCreated' || event.type === 'StasisStart')) continue;
      if (event.type === 'ChannelDestroyed' && typeof id === 'string') destroyedIds.add(id);
      out.push(event);
    }
    return out;
  }

  it('never keeps a destroyed channel live, nor one id both live and ended', () => {
    const event = fc.oneof(channelEvent, bridgeEvent, otherEvent);
    fc.assert(
      fc.property(fc.array(event, { maxLength: 120, size: 'medium' }), fc.array(fc.nat(120), { maxLength: 8 }), (raw, cuts) => {
        // Every channel starts live, so the random ChannelDestroyed events have something to end.
        const events = plausible([...ids.map((id) => created(chan(id))), ...raw]);
        const bounds = [...new Set([0, ...cuts.filter((cut) => cut < events.length), events.length])].sort((x, y) => x - y);
        const destroyedIds = new Set<string>();
        let model = createModel({ app: APP });
        for (let i = 0; i + 1 < bounds.length; i++) {
          const batch = events.slice(bounds[i], bounds[i + 1]);
          model = applyEvents(model, batch, NOW);
          for (const e of batch) {
            const id = (e as AriEvent).channel?.id;
            if (e.type === 'ChannelDestroyed' && typeof id === 'string') destroyedIds.add(id);
          }
          for (const id of destroyedIds) expect(model.channels.has(id)).toBe(false);
          for (const id of model.channels.keys()) expect(model.ended.has(id)).toBe(false);
          for (const channel of model.ended.values()) expect(channel.endedAt).not.toBeNull();
        }
      }),
    );
  });
});
