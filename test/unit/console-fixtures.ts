import { createModel, type BridgeView, type CallModel, type ChannelView, type TimelineDetails, type TimelineEntry, type TimelineKind } from '../../common/model/index.js';

/** Hand-built call-model values for the pure view rules: each test states exactly the call it means. */

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export function channel(id: string, change: Partial<ChannelView> = {}): ChannelView {
  return {
    id,
    name: `PJSIP/${id}-00000001`,
    state: 'Up',
    caller: { name: `Caller ${id}`, number: id },
    connected: { name: '', number: '' },
    dialplan: null,
    inStasis: true,
    bridgeId: null,
    onHold: false,
    muted: { in: false, out: false },
    ringing: false,
    silenced: false,
    playbacks: [],
    createdAt: T0,
    answeredAt: T0 + 5000,
    endedAt: null,
    hangupCause: null,
    hangupCauseText: null,
    endedWhileDisconnected: false,
    approximate: false,
    timeline: [],
    timelineDropped: 0,
    ...change,
  };
}

export function bridge(id: string, change: Partial<BridgeView> = {}): BridgeView {
  return {
    id,
    name: `Bridge ${id}`,
    kind: 'mixing',
    bridgeType: 'mixing',
    technology: 'simple_bridge',
    bridgeClass: 'stasis',
    creator: 'Stasis',
    channelIds: [],
    createdAt: T0,
    ...change,
  };
}

export function model(channels: readonly ChannelView[], bridges: readonly BridgeView[] = [], ended: readonly ChannelView[] = []): CallModel {
  return {
    ...createModel(),
    channels: new Map(channels.map((item) => [item.id, item])),
    bridges: new Map(bridges.map((item) => [item.id, item])),
    ended: new Map(ended.map((item) => [item.id, item])),
  };
}

export function entry<K extends TimelineKind>(at: number, kind: K, detail: TimelineDetails[K]): TimelineEntry {
  return { at, kind, source: 'test', detail } as TimelineEntry;
}
