import { isInStasisApp, type AriBridge, type AriChannel, type AriDeviceState, type AriEndpoint } from '../ari.js';
import type { CallModel, ConsoleEvent } from './types.js';

export interface PbxSnapshot {
  readonly channels: readonly AriChannel[];
  readonly bridges: readonly AriBridge[];
  readonly endpoints: readonly AriEndpoint[];
  readonly deviceStates: readonly AriDeviceState[];
}

/**
 * The difference between what the model believes and what the PBX listed, as
 * synthetic events the reducer applies like any other. Events buffered while
 * the snapshot was in flight are applied after these: they began after the
 * socket opened, so replaying them over the snapshot converges on the PBX.
 */
export function reconcile(
  model: CallModel,
  snapshot: PbxSnapshot,
  at: number,
  /** Whether the console had been live before; by default, guessed from the model. */
  reason: 'connect' | 'reconnect' = model.linkLostAt === null && model.channels.size === 0 && model.eventsApplied === 0 ? 'connect' : 'reconnect',
): ConsoleEvent[] {
  const events: ConsoleEvent[] = [];

  const bridgeOf = new Map<string, string>();
  for (const bridge of snapshot.bridges) {
    for (const channelId of bridge.channels ?? []) bridgeOf.set(channelId, bridge.id);
  }

  const listed = new Set<string>();
  for (const channel of snapshot.channels) {
    if (typeof channel.id !== 'string') continue;
    listed.add(channel.id);
    events.push({
      type: 'ConsoleChannelSeen',
      at,
      channel,
      inStasis: isInStasisApp(channel, model.config.app),
      bridgeId: bridgeOf.get(channel.id) ?? null,
      reason,
    });
  }
  for (const id of model.channels.keys()) {
    if (!listed.has(id)) events.push({ type: 'ConsoleChannelVanished', at, channelId: id });
  }

  const listedBridges = new Set<string>();
  for (const bridge of snapshot.bridges) {
    if (typeof bridge.id !== 'string') continue;
    listedBridges.add(bridge.id);
    events.push({ type: 'ConsoleBridgeSeen', at, bridge });
  }
  for (const id of model.bridges.keys()) {
    if (!listedBridges.has(id)) events.push({ type: 'ConsoleBridgeVanished', at, bridgeId: id });
  }

  events.push({ type: 'ConsoleEndpointsSeen', at, endpoints: snapshot.endpoints });
  events.push({ type: 'ConsoleDeviceStatesSeen', at, deviceStates: snapshot.deviceStates });
  events.push({ type: 'ConsoleLinkRestored', at });
  return events;
}
