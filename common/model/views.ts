import { isInStasisApp, parseAriTime, type AriBridge, type AriCallerId, type AriChannel, type AriDialplan, type AriEndpoint } from '../ari.js';
import { ChannelRecord } from './channel-record.js';
import type { ChannelDraft } from './draft.js';
import type { BridgeKind, BridgeView, DialplanPosition, EndpointView, ModelConfig, Party } from './types.js';

/** Conversions from ARI's JSON to the model's views, shared by ARI and console events. */

const NO_PARTY: Party = { name: '', number: '' };

export function partyFrom(id: AriCallerId | undefined): Party {
  if (!id) return NO_PARTY;
  const name = typeof id.name === 'string' ? id.name : '';
  const number = typeof id.number === 'string' ? id.number : '';
  return name === '' && number === '' ? NO_PARTY : { name, number };
}

export function dialplanFrom(channel: AriChannel): DialplanPosition | null {
  const dp = channel.dialplan;
  if (!dp) return null;
  return {
    context: dp.context ?? '',
    exten: dp.exten ?? '',
    priority: typeof dp.priority === 'number' ? dp.priority : 0,
    app: dp.app_name ?? '',
    appData: dp.app_data ?? '',
  };
}

export function newChannel(channel: AriChannel, at: number, config: ModelConfig): ChannelDraft {
  const state = typeof channel.state === 'string' ? channel.state : 'Unknown';
  return ChannelRecord.create({
    id: channel.id,
    name: typeof channel.name === 'string' ? channel.name : channel.id,
    state,
    caller: partyFrom(channel.caller),
    connected: partyFrom(channel.connected),
    dialplan: dialplanFrom(channel),
    inStasis: isInStasisApp(channel, config.app),
    bridgeId: null,
    onHold: false,
    muted: { in: false, out: false },
    ringing: false,
    silenced: false,
    playbacks: [],
    createdAt: parseAriTime(channel.creationtime, at),
    answeredAt: state === 'Up' ? at : null,
    endedAt: null,
    hangupCause: null,
    hangupCauseText: null,
    endedWhileDisconnected: false,
    approximate: false,
    timelineDropped: 0,
  });
}

/**
 * Copies what a channel snapshot says into the draft. With `changes`, also
 * says what changed, in words (reconcile). Runs for most events, so it
 * allocates only for what actually changed (bench/RESULTS.md, ingest).
 */
export function mergeChannel(draft: ChannelDraft, channel: AriChannel, at: number, changes?: string[]): void {
  if (typeof channel.state === 'string' && channel.state !== draft.state) {
    changes?.push(`state ${draft.state} → ${channel.state}`);
    draft.state = channel.state;
    if (channel.state === 'Up' && draft.answeredAt === null) draft.answeredAt = at;
  }
  if (typeof channel.name === 'string') draft.name = channel.name;
  if (channel.caller && !partyIs(channel.caller, draft.caller)) {
    const caller = partyFrom(channel.caller);
    changes?.push(`caller ${describeParty(caller)}`);
    draft.caller = caller;
  }
  if (channel.connected && !partyIs(channel.connected, draft.connected)) {
    const connected = partyFrom(channel.connected);
    changes?.push(`connected ${describeParty(connected)}`);
    draft.connected = connected;
  }
  if (channel.dialplan && !dialplanIs(channel.dialplan, draft.dialplan)) draft.dialplan = dialplanFrom(channel);
}

/** Whether ARI's caller id reads as `party` (what partyFrom would make of it). */
function partyIs(id: AriCallerId, party: Party): boolean {
  return (typeof id.name === 'string' ? id.name : '') === party.name && (typeof id.number === 'string' ? id.number : '') === party.number;
}

/** Whether ARI's dialplan position reads as `position` (what dialplanFrom would make of it). */
function dialplanIs(dp: AriDialplan, position: DialplanPosition | null): boolean {
  return (
    position !== null &&
    (dp.context ?? '') === position.context &&
    (dp.exten ?? '') === position.exten &&
    (typeof dp.priority === 'number' ? dp.priority : 0) === position.priority &&
    (dp.app_name ?? '') === position.app &&
    (dp.app_data ?? '') === position.appData
  );
}

export function describeParty(party: Party): string {
  // Joined, not a template literal: one flat string for the timeline to keep (see reducer.ts, text).
  if (party.name && party.number) return [party.name, ' <', party.number, '>'].join('');
  return party.name || party.number || 'unknown';
}

function bridgeKind(type: string): BridgeKind {
  if (type.includes('holding')) return 'holding';
  if (type.includes('mixing')) return 'mixing';
  return 'other';
}

export function bridgeFrom(bridge: AriBridge, at: number, previous?: BridgeView): BridgeView {
  const bridgeType = bridge.bridge_type ?? previous?.bridgeType ?? '';
  return {
    id: bridge.id,
    name: bridge.name ?? previous?.name ?? '',
    kind: bridgeKind(bridgeType),
    bridgeType,
    technology: bridge.technology ?? previous?.technology ?? '',
    bridgeClass: bridge.bridge_class ?? previous?.bridgeClass ?? '',
    creator: bridge.creator ?? previous?.creator ?? '',
    channelIds: Array.isArray(bridge.channels) ? bridge.channels.filter((id) => typeof id === 'string') : (previous?.channelIds ?? []),
    createdAt: previous?.createdAt ?? parseAriTime(bridge.creationtime, at),
  };
}

export function endpointFrom(endpoint: AriEndpoint): EndpointView {
  return {
    key: `${endpoint.technology}/${endpoint.resource}`,
    technology: endpoint.technology,
    resource: endpoint.resource,
    state: endpoint.state ?? 'unknown',
    channelIds: Array.isArray(endpoint.channel_ids) ? endpoint.channel_ids : [],
  };
}

