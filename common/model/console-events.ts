import { bridgeFrom, endpointFrom, mergeChannel, newChannel } from './views.js';
import type { ModelDraft } from './draft.js';
import type { ConsoleEvent, EndpointView } from './types.js';

/**
 * Console-synthesized events: what ARI does not announce (mute, silence, ring
 * indication) and reconciliation after a gap, written as timeline entries so
 * a person sees "state restored after reconnect" rather than a silent jump.
 */
export function applyConsoleEvent(draft: ModelDraft, event: ConsoleEvent): boolean {
  const at = event.at;
  switch (event.type) {
    case 'ConsoleLinkLost': {
      if (draft.linkLostAt !== null) return true;
      draft.linkLostAt = at;
      for (const id of [...draft.channels.keys()]) {
        const channel = draft.editChannel(id);
        if (channel) draft.note(channel, at, 'link-lost', event.reason, event.type);
      }
      return true;
    }
    case 'ConsoleLinkRestored':
      draft.linkLostAt = null;
      return true;
    case 'ConsoleChannelSeen': {
      const existing = draft.editChannel(event.channel.id);
      if (!existing) {
        const channel = newChannel(event.channel, at, draft.config);
        channel.inStasis = event.inStasis;
        channel.bridgeId = event.bridgeId;
        channel.approximate = true;
        draft.putChannel(channel);
        draft.note(channel, at, 'seen-at-connect', { reason: event.reason, state: channel.state }, event.type);
        return true;
      }
      const changes: string[] = [];
      mergeChannel(existing, event.channel, at, changes);
      if (existing.inStasis !== event.inStasis) {
        changes.push(event.inStasis ? "entered the console's app" : "left the console's app");
        existing.inStasis = event.inStasis;
      }
      if (existing.bridgeId !== event.bridgeId) {
        changes.push(event.bridgeId ? `in bridge ${event.bridgeId.slice(0, 8)}` : 'out of its bridge');
        existing.bridgeId = event.bridgeId;
      }
      draft.note(existing, at, 'link-restored', changes.join(', '), event.type);
      return true;
    }
    case 'ConsoleChannelVanished': {
      const channel = draft.editChannel(event.channelId);
      if (!channel) return false;
      channel.endedAt = at;
      channel.endedWhileDisconnected = true;
      channel.ringing = false;
      channel.playbacks = [];
      draft.note(channel, at, 'ended-while-disconnected', null, event.type);
      draft.endChannel(channel);
      return true;
    }
    case 'ConsoleBridgeSeen':
      draft.putBridge(bridgeFrom(event.bridge, at, draft.bridges.get(event.bridge.id)));
      return true;
    case 'ConsoleBridgeVanished':
      draft.deleteBridge(event.bridgeId);
      return true;
    case 'ConsoleEndpointsSeen': {
      const endpoints = new Map<string, EndpointView>();
      for (const endpoint of event.endpoints) {
        const view = endpointFrom(endpoint);
        endpoints.set(view.key, view);
      }
      draft.replaceEndpoints(endpoints);
      return true;
    }
    case 'ConsoleDeviceStatesSeen':
      draft.replaceDeviceStates(new Map(event.deviceStates.map((device) => [device.name, device.state])));
      return true;
    case 'ConsoleChannelFlag':
      return applyFlag(draft, event);
  }
}

function applyFlag(draft: ModelDraft, event: Extract<ConsoleEvent, { type: 'ConsoleChannelFlag' }>): boolean {
  const channel = draft.editChannel(event.channelId);
  if (!channel) return false;
  const direction = event.direction ?? 'both';
  const note = (kind: Exclude<typeof event.flag, 'mute' | 'unmute'>) => draft.note(channel, event.at, kind, null, event.type);
  switch (event.flag) {
    case 'mute':
    case 'unmute': {
      const value = event.flag === 'mute';
      const muted = { ...channel.muted };
      if (direction === 'in' || direction === 'both') muted.in = value;
      if (direction === 'out' || direction === 'both') muted.out = value;
      channel.muted = muted;
      draft.note(channel, event.at, event.flag, direction, event.type);
      return true;
    }
    case 'ring':
      channel.ringing = true;
      note('ring');
      return true;
    case 'ring-stop':
      channel.ringing = false;
      note('ring-stop');
      return true;
    case 'silence':
      channel.silenced = true;
      note('silence');
      return true;
    case 'silence-stop':
      channel.silenced = false;
      note('silence-stop');
      return true;
    case 'hold':
      channel.onHold = true;
      note('hold');
      return true;
    case 'unhold':
      channel.onHold = false;
      note('unhold');
      return true;
  }
}
