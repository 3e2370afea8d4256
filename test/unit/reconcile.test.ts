import { describe, expect, it } from 'vitest';
import { isInStasisApp, type AriBridge, type AriChannel, type AriEvent } from '../../common/ari.js';
import { applyEvents, callReport, createModel, reconcile, timelineLabel } from '../../common/model/index.js';
import type { CallModel, ChannelView, ConsoleEvent, ModelEvent, PbxSnapshot, TimelineEntry } from '../../common/model/index.js';

const T0 = Date.parse('2026-11-23T09:12:33.123Z');
const NOW = T0 + 86_400_000;
const APP = 'console';

/** An entry as a person reads it: with the words timelineLabel builds where the timeline is shown. */
const worded = (entry: TimelineEntry | undefined) => entry && { at: entry.at, kind: entry.kind, label: timelineLabel(entry), source: entry.source };

function ts(ms: number): string {
  return new Date(T0 + ms).toISOString().replace('Z', '+0000');
}

function chan(id: string, state: string, overrides: Partial<AriChannel> = {}): AriChannel {
  return {
    id,
    name: `PJSIP/${id.slice(-3)}-00000001`,
    state,
    caller: { name: 'Caller', number: id.slice(-3) },
    connected: { name: '', number: '' },
    accountcode: '',
    dialplan: { context: 'from-internal', exten: '200', priority: 2, app_name: 'Stasis', app_data: APP },
    creationtime: ts(0),
    language: 'en',
    ...overrides,
  };
}

function ev(type: string, atMs: number, fields: Record<string, unknown>): AriEvent {
  return { type, timestamp: ts(atMs), application: APP, ...fields };
}

function bridge(id: string, channels: string[]): AriBridge {
  return { id, technology: 'simple_bridge', bridge_type: 'mixing', bridge_class: 'stasis', creator: 'Stasis', name: '', channels, creationtime: ts(0) };
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

const A = '1795425153.11';
const B = '1795425153.12';
const C = '1795425153.13';
const X = 'aaaaaaaa-1111-4000-8000-000000000001';
const Y = 'bbbbbbbb-2222-4000-8000-000000000002';

/** A rings, B talks in bridge X: the console's view when the link drops at +10 s. */
function beforeOutage(): CallModel {
  return apply(createModel({ app: APP }), [
    ev('ChannelCreated', 0, { channel: chan(A, 'Ring') }),
    ev('StasisStart', 10, { channel: chan(A, 'Ring'), args: [] }),
    ev('ChannelCreated', 100, { channel: chan(B, 'Ring', { creationtime: ts(100) }) }),
    ev('StasisStart', 110, { channel: chan(B, 'Ring', { creationtime: ts(100) }), args: [] }),
    ev('ChannelStateChange', 2_000, { channel: chan(B, 'Up', { creationtime: ts(100) }) }),
    ev('BridgeCreated', 2_100, { bridge: bridge(X, []) }),
    ev('ChannelEnteredBridge', 2_200, { bridge: bridge(X, [B]), channel: chan(B, 'Up', { creationtime: ts(100) }) }),
    ev('DeviceStateChanged', 2_300, { device_state: { name: 'PJSIP/101', state: 'INUSE' } }),
    ev('EndpointStateChange', 2_400, { endpoint: { technology: 'PJSIP', resource: '101', state: 'online', channel_ids: [B] } }),
  ]);
}

const LOST_AT = T0 + 10_000;
const SNAPSHOT_AT = T0 + 25_000;

const snapshot: PbxSnapshot = {
  channels: [chan(A, 'Up'), chan(C, 'Up', { creationtime: ts(15_000), caller: { name: 'Carol', number: '555' } })],
  bridges: [bridge(Y, [A])],
  endpoints: [
    { technology: 'PJSIP', resource: '101', state: 'offline', channel_ids: [] },
    { technology: 'PJSIP', resource: '102', state: 'online', channel_ids: [A] },
  ],
  deviceStates: [{ name: 'PJSIP/102', state: 'INUSE' }],
};

function afterReconnect(): { lost: CallModel; restored: CallModel; events: ConsoleEvent[] } {
  const lost = apply(beforeOutage(), [{ type: 'ConsoleLinkLost', at: LOST_AT, reason: 'socket closed' }]);
  const events = reconcile(lost, snapshot, SNAPSHOT_AT);
  return { lost, restored: apply(lost, events), events };
}

describe('losing the link', () => {
  it('notes it on every live channel and remembers when', () => {
    const { lost } = afterReconnect();
    expect(lost.linkLostAt).toBe(LOST_AT);
    for (const id of [A, B]) {
      expect(worded(live(lost, id).timeline.at(-1))).toEqual({ at: LOST_AT, kind: 'link-lost', label: 'Link to PBX lost (socket closed)', source: 'ConsoleLinkLost' });
    }
  });

  it('a second loss before the link is back changes nothing', () => {
    const { lost } = afterReconnect();
    const again = apply(lost, [{ type: 'ConsoleLinkLost', at: LOST_AT + 500, reason: 'ping timeout' }]);
    expect(again.linkLostAt).toBe(LOST_AT);
    expect(again.channels).toBe(lost.channels);
  });
});

describe('reconciling after a reconnect', () => {
  it('describes the difference as synthetic events', () => {
    const { events } = afterReconnect();
    expect(events.map((event) => event.type)).toEqual([
      'ConsoleChannelSeen',
      'ConsoleChannelSeen',
      'ConsoleChannelVanished',
      'ConsoleBridgeSeen',
      'ConsoleBridgeVanished',
      'ConsoleEndpointsSeen',
      'ConsoleDeviceStatesSeen',
      'ConsoleLinkRestored',
    ]);
    expect(events.every((event) => event.at === SNAPSHOT_AT)).toBe(true);
    expect(events[0]).toMatchObject({ channel: { id: A }, inStasis: true, bridgeId: Y, reason: 'reconnect' });
    expect(events[1]).toMatchObject({ channel: { id: C }, inStasis: true, bridgeId: null, reason: 'reconnect' });
    expect(events[2]).toEqual({ type: 'ConsoleChannelVanished', at: SNAPSHOT_AT, channelId: B });
    expect(events[4]).toEqual({ type: 'ConsoleBridgeVanished', at: SNAPSHOT_AT, bridgeId: X });
  });

  it('ends B, which vanished while the link was down, as answered', () => {
    const { restored } = afterReconnect();
    expect(restored.channels.has(B)).toBe(false);
    const b = ended(restored, B);
    expect(b.endedWhileDisconnected).toBe(true);
    expect(b.endedAt).toBe(SNAPSHOT_AT);
    expect(worded(b.timeline.at(-1))).toEqual({ at: SNAPSHOT_AT, kind: 'ended-while-disconnected', label: 'Ended while disconnected', source: 'ConsoleChannelVanished' });
    const report = callReport(b, NOW);
    expect(report.status).toBe('answered');
    expect(report.answeredAt).toBe(T0 + 2_000);
    expect(report.talkMs).toBe(SNAPSHOT_AT - (T0 + 2_000));
    expect(report.cause).toBeNull();
  });

  it('tells what changed on A: answered and moved into bridge Y', () => {
    const { restored } = afterReconnect();
    const a = live(restored, A);
    expect(a.state).toBe('Up');
    expect(a.answeredAt).toBe(SNAPSHOT_AT);
    expect(a.bridgeId).toBe(Y);
    expect(a.approximate).toBe(false);
    const entry = worded(a.timeline.at(-1));
    expect(entry?.kind).toBe('link-restored');
    expect(entry?.at).toBe(SNAPSHOT_AT);
    expect(entry?.label).toContain('Ring → Up');
    expect(entry?.label).toContain(`in bridge ${Y.slice(0, 8)}`);
    expect(entry?.label).toBe(`State restored after reconnect: state Ring → Up, in bridge ${Y.slice(0, 8)}`);
    expect(a.timeline.map((e) => e.kind)).toEqual(['created', 'stasis-start', 'link-lost', 'link-restored']);
  });

  it('adds C, which began while disconnected, as approximate', () => {
    const { restored } = afterReconnect();
    const c = live(restored, C);
    expect(c.approximate).toBe(true);
    expect(c.inStasis).toBe(true);
    expect(c.createdAt).toBe(T0 + 15_000);
    expect(c.answeredAt).toBe(SNAPSHOT_AT);
    expect(c.caller).toEqual({ name: 'Carol', number: '555' });
    expect(c.timeline.map(worded)).toEqual([{ at: SNAPSHOT_AT, kind: 'seen-at-connect', label: 'Began while disconnected (Up)', source: 'ConsoleChannelSeen' }]);
    expect(callReport(c, SNAPSHOT_AT + 1_000)).toMatchObject({ status: 'up', approximate: true, ringMs: 10_000, talkMs: 1_000 });
  });

  it('replaces bridges, endpoints and device states and clears linkLostAt', () => {
    const { restored } = afterReconnect();
    expect([...restored.bridges.keys()]).toEqual([Y]);
    expect(restored.bridges.get(Y)?.channelIds).toEqual([A]);
    expect([...restored.endpoints.keys()]).toEqual(['PJSIP/101', 'PJSIP/102']);
    expect(restored.endpoints.get('PJSIP/101')?.state).toBe('offline');
    expect(restored.endpoints.get('PJSIP/102')).toEqual({ key: 'PJSIP/102', technology: 'PJSIP', resource: '102', state: 'online', channelIds: [A] });
    expect([...restored.deviceStates]).toEqual([['PJSIP/102', 'INUSE']]);
    expect(restored.linkLostAt).toBeNull();
    expect([...restored.channels.keys()].sort()).toEqual([A, C]);
  });

  it('applies every synthetic event', () => {
    const { lost, restored, events } = afterReconnect();
    expect(restored.eventsApplied).toBe(lost.eventsApplied + events.length);
    expect(restored.eventsSkipped).toBe(lost.eventsSkipped);
  });

  it('a ringing channel that vanished has an unknown outcome', () => {
    const lost = apply(beforeOutage(), [{ type: 'ConsoleLinkLost', at: LOST_AT, reason: 'socket closed' }]);
    const restored = apply(lost, reconcile(lost, { ...snapshot, channels: [] }, SNAPSHOT_AT));
    expect(callReport(ended(restored, A), NOW).status).toBe('unknown');
    expect(restored.channels.size).toBe(0);
  });

  it('says only "State restored" when nothing changed', () => {
    const lost = apply(beforeOutage(), [{ type: 'ConsoleLinkLost', at: LOST_AT, reason: 'socket closed' }]);
    const same: PbxSnapshot = { ...snapshot, channels: [chan(A, 'Ring'), chan(B, 'Up', { creationtime: ts(100) })], bridges: [bridge(X, [B])] };
    const restored = apply(lost, reconcile(lost, same, SNAPSHOT_AT));
    expect(worded(live(restored, A).timeline.at(-1))?.label).toBe('State restored after reconnect');
    expect(worded(live(restored, B).timeline.at(-1))?.label).toBe('State restored after reconnect');
    expect(live(restored, B).bridgeId).toBe(X);
  });
});

describe('the first connect', () => {
  it('says a call was already in progress when the console connected', () => {
    const first = createModel({ app: APP });
    const events = reconcile(first, { channels: [chan(A, 'Up')], bridges: [bridge(Y, [A])], endpoints: [], deviceStates: [] }, SNAPSHOT_AT);
    expect(events[0]).toMatchObject({ type: 'ConsoleChannelSeen', reason: 'connect' });
    const model = apply(first, events);
    const a = live(model, A);
    expect(a.timeline.map(worded)).toEqual([
      { at: SNAPSHOT_AT, kind: 'seen-at-connect', label: 'Already in progress when the console connected (Up)', source: 'ConsoleChannelSeen' },
    ]);
    expect(a.approximate).toBe(true);
    expect(a.bridgeId).toBe(Y);
    expect(model.linkLostAt).toBeNull();
  });

  it('a second reconcile of the same model is a reconnect, even with no calls', () => {
    const first = apply(createModel({ app: APP }), reconcile(createModel({ app: APP }), { channels: [], bridges: [], endpoints: [], deviceStates: [] }, T0));
    const events = reconcile(first, { channels: [chan(C, 'Ring')], bridges: [], endpoints: [], deviceStates: [] }, SNAPSHOT_AT);
    expect(events[0]).toMatchObject({ type: 'ConsoleChannelSeen', reason: 'reconnect' });
  });
});

describe('events buffered while the snapshot was in flight', () => {
  it('converge on the PBX when applied after the snapshot', () => {
    const { restored } = afterReconnect();
    // Received after the socket opened, so they are newer than the snapshot.
    const buffered: ModelEvent[] = [
      ev('ChannelHangupRequest', 25_100, { channel: chan(C, 'Up'), cause: 16 }),
      ev('ChannelDestroyed', 25_120, { channel: chan(C, 'Up'), cause: 16, cause_txt: 'Normal Clearing' }),
      ev('ChannelLeftBridge', 25_200, { bridge: bridge(Y, []), channel: chan(A, 'Up') }),
      ev('ChannelCreated', 25_300, { channel: chan('1795425153.14', 'Ring', { creationtime: ts(25_300) }) }),
    ];
    const model = apply(restored, buffered);
    expect(model.eventsSkipped).toBe(0);
    expect(model.channels.has(C)).toBe(false);
    const c = ended(model, C);
    expect(c.endedAt).toBe(T0 + 25_120);
    expect(c.hangupCauseText).toBe('Normal Clearing');
    expect(c.timeline.map((e) => e.kind)).toEqual(['seen-at-connect', 'hangup-request', 'destroyed']);
    expect(callReport(c, NOW)).toMatchObject({ status: 'answered', approximate: true, talkMs: 120 });
    expect(live(model, A).bridgeId).toBeNull();
    expect(model.bridges.get(Y)?.channelIds).toEqual([]);
    expect(live(model, '1795425153.14').approximate).toBe(false);
    expect([...model.channels.keys()].sort()).toEqual([A, '1795425153.14']);
  });

  it('a buffered ChannelCreated for a channel the snapshot already listed does not duplicate it', () => {
    const { restored } = afterReconnect();
    const model = apply(restored, [ev('ChannelCreated', 15_000, { channel: chan(C, 'Up', { creationtime: ts(15_000) }) })]);
    expect(model.channels.size).toBe(2);
    expect(live(model, C).timeline.map((e) => e.kind)).toEqual(['seen-at-connect']);
  });

  it('events older than the snapshot (already in it) change nothing but the end it had to guess; newer ones still apply, in order', () => {
    const { restored } = afterReconnect();
    const aBefore = live(restored, A).timeline;
    const bBefore = ended(restored, B).timeline;
    // The socket was open before the listing was taken, so the first buffered
    // events may predate it: A's answer and B's end are already in the snapshot.
    const older: ModelEvent[] = [
      ev('ChannelStateChange', 12_000, { channel: chan(A, 'Up') }),
      ev('ChannelHangupRequest', 20_000, { channel: chan(B, 'Up', { creationtime: ts(100) }), cause: 16 }),
      ev('ChannelDestroyed', 20_010, { channel: chan(B, 'Up', { creationtime: ts(100) }), cause: 16, cause_txt: 'Normal Clearing' }),
    ];
    const newer: ModelEvent[] = [
      ev('ChannelHangupRequest', 25_500, { channel: chan(A, 'Up'), cause: 16 }),
      ev('ChannelDestroyed', 25_600, { channel: chan(A, 'Up'), cause: 16, cause_txt: 'Normal Clearing' }),
    ];
    const model = apply(restored, [...older, ...newer]);
    // B, which the snapshot ended, is not brought back nor ended twice: its real end replaces the guess.
    expect(model.channels.has(B)).toBe(false);
    expect(ended(model, B).timeline.map((e) => e.kind)).toEqual([...bBefore.slice(0, -1).map((e) => e.kind), 'destroyed']);
    // A's answer is not noted a second time; its hangup after the snapshot is, once, in order.
    const a = ended(model, A);
    expect(a.timeline.slice(0, aBefore.length)).toEqual(aBefore);
    expect(a.timeline.slice(aBefore.length).map((e) => [e.kind, e.at - T0])).toEqual([
      ['hangup-request', 25_500],
      ['destroyed', 25_600],
    ]);
    expect(a.endedAt).toBe(T0 + 25_600);
    expect(a.endedWhileDisconnected).toBe(false);
    expect([...model.channels.keys()]).toEqual([C]);
  });
});

describe('a call reconcile ended "while disconnected" whose real end the PBX did send', () => {
  // The new socket is open before the listing is taken: B hung up in between, so
  // the listing misses it and its ChannelDestroyed, older than the snapshot, sits
  // among the buffered events (or reaches the console just after the listing).
  const bDestroyed = (atMs: number, cause = 16, text = 'Normal Clearing', state = 'Up') =>
    ev('ChannelDestroyed', atMs, { channel: chan(B, state, { creationtime: ts(100) }), cause, cause_txt: text });
  const withCAnd = (buffered: ModelEvent[]) => [
    ...buffered,
    ev('ChannelDestroyed', 25_120, { channel: chan(C, 'Up', { creationtime: ts(15_000) }), cause: 16, cause_txt: 'Normal Clearing' }),
  ];

  it('takes the real cause and end time, in place, once (buffered with the snapshot, as the engine applies them)', () => {
    const lost = apply(beforeOutage(), [{ type: 'ConsoleLinkLost', at: LOST_AT, reason: 'socket closed' }]);
    const guessed = apply(lost, reconcile(lost, snapshot, SNAPSHOT_AT));
    const guess = ended(guessed, B);
    // One batch: the reconcile's events, then the buffered ones (an older end for B, a newer one for C).
    const model = apply(lost, [...reconcile(lost, snapshot, SNAPSHOT_AT), ...withCAnd([ev('ChannelHangupRequest', 20_000, { channel: chan(B, 'Up'), cause: 16 }), bDestroyed(20_010)])]);
    const b = ended(model, B);
    expect(b).toMatchObject({ endedAt: T0 + 20_010, endedWhileDisconnected: false, hangupCause: 16, hangupCauseText: 'Normal Clearing', answeredAt: T0 + 2_000, approximate: false });
    expect(b.timeline).toEqual([...guess.timeline.slice(0, -1), { at: T0 + 20_010, kind: 'destroyed', source: 'ChannelDestroyed', detail: 'Normal Clearing' }]);
    expect(callReport(b, NOW)).toMatchObject({ status: 'answered', cause: 16, talkMs: 18_010 });
    // Nothing reordered: B ended before C among the ended calls, as the reconcile had it.
    expect([...model.ended.keys()]).toEqual([B, C]);
    expect(model.channels.has(B)).toBe(false);
    // Said once: a second copy of the same end finds no guess left to correct.
    const again = apply(model, [bDestroyed(20_010)]);
    expect(ended(again, B)).toBe(b);
    expect(again.eventsSkipped).toBe(model.eventsSkipped + 1);
  });

  it('also when the end overtakes the listing and arrives in a later batch', () => {
    const lost = apply(beforeOutage(), [{ type: 'ConsoleLinkLost', at: LOST_AT, reason: 'socket closed' }]);
    const guessed = apply(lost, withCAnd(reconcile(lost, snapshot, SNAPSHOT_AT)));
    expect(ended(guessed, B).endedWhileDisconnected).toBe(true);
    const model = apply(guessed, [bDestroyed(20_010, 17, 'User busy')]);
    expect(ended(model, B)).toMatchObject({ endedAt: T0 + 20_010, endedWhileDisconnected: false, hangupCause: 17 });
    expect(ended(model, B).timeline.filter((e) => e.kind === 'destroyed' || e.kind === 'ended-while-disconnected')).toHaveLength(1);
    expect([...model.ended.keys()]).toEqual([B, C]);
    // The earlier model is untouched (the ended log is persistent).
    expect(ended(guessed, B).endedWhileDisconnected).toBe(true);
  });

  it('a ringing call ended while disconnected: its real end says how (busy, not unknown), and an answer only the end tells is approximate', () => {
    const lost = apply(beforeOutage(), [{ type: 'ConsoleLinkLost', at: LOST_AT, reason: 'socket closed' }]);
    const none = { ...snapshot, channels: [] };
    const busy = apply(lost, [...reconcile(lost, none, SNAPSHOT_AT), ev('ChannelDestroyed', 11_000, { channel: chan(A, 'Ring'), cause: 17, cause_txt: 'User busy' })]);
    expect(callReport(ended(busy, A), NOW)).toMatchObject({ status: 'busy', cause: 17, endedAt: T0 + 11_000 });
    const answered = apply(lost, [...reconcile(lost, none, SNAPSHOT_AT), ev('ChannelDestroyed', 11_000, { channel: chan(A, 'Up'), cause: 16, cause_txt: 'Normal Clearing' })]);
    expect(ended(answered, A)).toMatchObject({ answeredAt: T0 + 11_000, approximate: true, endedWhileDisconnected: false });
  });

  it('a call that ended while the console watched is never ended again', () => {
    const model = apply(beforeOutage(), [bDestroyed(3_000)]);
    const again = apply(model, [bDestroyed(9_000, 17, 'User busy')]);
    expect(ended(again, B)).toBe(ended(model, B));
    expect(again.eventsSkipped).toBe(model.eventsSkipped + 1);
  });
});

describe('whether a channel is in the console app (isInStasisApp)', () => {
  const withDialplan = (app_name: string, app_data: string) =>
    chan('x', 'Up', { dialplan: { context: 'from-internal', exten: '200', priority: 2, app_name, app_data } });

  it.each([
    ['Stasis', 'console', true],
    ['Stasis', 'console,inbound,queue-1', true],
    ['Stasis', 'console,', true],
    ['Stasis', 'consoles', false],
    ['Stasis', 'other,console', false],
    ['Stasis', 'Console', false],
    ['Stasis', '', false],
    ['Dial', 'console', false],
    ['AppDial2', '(Outgoing Line)', false],
  ] as const)('%s(%s) → %s', (app, data, expected) => {
    expect(isInStasisApp(withDialplan(app, data), APP)).toBe(expected);
  });

  it('is false without a dialplan position', () => {
    const { dialplan: _dialplan, ...bare } = chan('x', 'Up');
    expect(isInStasisApp(bare, APP)).toBe(false);
  });

  it('decides inStasis for snapshot channels from the model app', () => {
    const model = createModel({ app: 'reception' });
    const events = reconcile(
      model,
      {
        channels: [withDialplan('Stasis', 'reception,vip'), { ...withDialplan('Stasis', 'console'), id: 'y' }],
        bridges: [],
        endpoints: [],
        deviceStates: [],
      },
      SNAPSHOT_AT,
    );
    expect(events.slice(0, 2).map((event) => event.type === 'ConsoleChannelSeen' && event.inStasis)).toEqual([true, false]);
    const applied = apply(model, events);
    expect(live(applied, 'x').inStasis).toBe(true);
    expect(live(applied, 'y').inStasis).toBe(false);
  });
});
