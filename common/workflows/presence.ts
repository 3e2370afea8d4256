import type { CallModel, ChannelView, EndpointView, Party } from '../model/types.js';

/**
 * Presence (BLF) derived from the call model, never stored: endpoints say
 * whether a phone is registered, live channels say what it is doing. Because
 * both are reconciled after every reconnect, presence cannot stay stuck on a
 * state the PBX no longer has. Device states (DeviceStateChanged) only fill in
 * for phones whose channels the console cannot see.
 */

export type PresenceStatus = 'offline' | 'available' | 'ringing' | 'busy' | 'on-hold' | 'unknown';

export interface PresenceCall {
  readonly channelId: string;
  readonly state: string;
  /** Who the phone is talking to (or who is calling it). */
  readonly peer: Party;
  readonly onHold: boolean;
  readonly inStasis: boolean;
  readonly since: number;
}

export interface PresenceEntry {
  /** "PJSIP/101" */
  readonly key: string;
  readonly technology: string;
  readonly resource: string;
  readonly status: PresenceStatus;
  /** The endpoint's own state from ARI: online, offline, unknown. */
  readonly endpointState: string;
  readonly deviceState: string | null;
  readonly calls: readonly PresenceCall[];
}

const RINGING_STATES = new Set(['Ring', 'Ringing']);

/** Channels of an endpoint are named `<tech>/<resource>-<seq>`, e.g. PJSIP/101-0000002a. */
export function endpointKeyOfChannel(name: string): string | null {
  const match = /^([A-Za-z][A-Za-z0-9]*)\/(.+)-[0-9a-f]{8}$/.exec(name);
  return match ? `${match[1]}/${match[2]}` : null;
}

function fromDeviceState(deviceState: string | null, endpointState: string): PresenceStatus {
  switch (deviceState) {
    case 'RINGING':
    case 'RINGINUSE':
      return 'ringing';
    case 'INUSE':
    case 'BUSY':
      return 'busy';
    case 'ONHOLD':
      return 'on-hold';
    case 'UNAVAILABLE':
    case 'INVALID':
      return endpointState === 'online' ? 'available' : 'offline';
    default:
      if (endpointState === 'online') return 'available';
      if (endpointState === 'offline') return 'offline';
      return deviceState === 'NOT_INUSE' ? 'available' : 'unknown';
  }
}

function statusOf(calls: readonly PresenceCall[], deviceState: string | null, endpointState: string): PresenceStatus {
  if (calls.some((call) => RINGING_STATES.has(call.state))) return 'ringing';
  const up = calls.filter((call) => call.state === 'Up');
  if (up.length > 0) return up.every((call) => call.onHold) ? 'on-hold' : 'busy';
  // A channel still Down/dialing: the phone is busy placing a call.
  if (calls.length > 0) return 'busy';
  return fromDeviceState(deviceState, endpointState);
}

function callOf(channel: ChannelView): PresenceCall {
  const peer = channel.connected.name || channel.connected.number ? channel.connected : channel.caller;
  return { channelId: channel.id, state: channel.state, peer, onHold: channel.onHold, inStasis: channel.inStasis, since: channel.createdAt };
}

/** Every endpoint the PBX listed, with what it is doing, sorted by technology then resource (numerically). */
export function presenceOf(model: CallModel): PresenceEntry[] {
  const byEndpoint = new Map<string, ChannelView[]>();
  for (const channel of model.channels.values()) {
    const key = endpointKeyOfChannel(channel.name);
    if (!key) continue;
    const list = byEndpoint.get(key);
    if (list) list.push(channel);
    else byEndpoint.set(key, [channel]);
  }
  const entries: PresenceEntry[] = [];
  for (const endpoint of model.endpoints.values()) entries.push(entryOf(model, endpoint, byEndpoint.get(endpoint.key) ?? []));
  return entries.sort(compareEntries);
}

function entryOf(model: CallModel, endpoint: EndpointView, named: readonly ChannelView[]): PresenceEntry {
  const channels = new Map(named.map((channel) => [channel.id, channel]));
  // The endpoint's own list, where ARI kept it current (snapshots, EndpointStateChange).
  for (const id of endpoint.channelIds) {
    const channel = model.channels.get(id);
    if (channel) channels.set(id, channel);
  }
  const calls = [...channels.values()].sort((a, b) => a.createdAt - b.createdAt).map(callOf);
  const deviceState = model.deviceStates.get(endpoint.key) ?? null;
  return {
    key: endpoint.key,
    technology: endpoint.technology,
    resource: endpoint.resource,
    status: statusOf(calls, deviceState, endpoint.state),
    endpointState: endpoint.state,
    deviceState,
    calls,
  };
}

function compareEntries(a: PresenceEntry, b: PresenceEntry): number {
  if (a.technology !== b.technology) return a.technology.localeCompare(b.technology);
  const na = Number(a.resource);
  const nb = Number(b.resource);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.resource.localeCompare(b.resource);
}

/**
 * Drop rule for "drag a call onto a person": a live call in the console's app,
 * not the person's own, onto someone who is registered.
 */
export function canTransferTo(channel: ChannelView | undefined, entry: PresenceEntry): { ok: true } | { ok: false; why: string } {
  if (!channel || channel.endedAt !== null) return { ok: false, why: 'That call has ended.' };
  if (!channel.inStasis) return { ok: false, why: "That call is not under the console's control." };
  if (endpointKeyOfChannel(channel.name) === entry.key || entry.calls.some((call) => call.channelId === channel.id)) {
    return { ok: false, why: `That call is ${entry.resource}'s own.` };
  }
  if (entry.status === 'offline') return { ok: false, why: `${entry.resource} is offline.` };
  return { ok: true };
}
