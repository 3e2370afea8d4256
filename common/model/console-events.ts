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
        if (channel) draft.addTimeline(channel, { at, kind: 'link-lost', label: `Link to PBX lost (${event.reason})`, source: event.type });
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
        const label = event.reason === 'connect' ? `Already in progress when the console connected (${channel.state})` : `Began while disconnected (${channel.state})`;
        draft.addTimeline(channel, { at, kind: 'seen-at-connect', label, source: event.type });
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
      const detail = changes.length > 0 ? `: ${changes.join(', ')}` : '';
      draft.addTimeline(existing, { at, kind: 'link-restored', label: `State restored after reconnect${detail}`, source: event.type });
      return true;
    }
    case 'ConsoleChannelVanished': {
      const channel = draft.editChannel(event.channelId);
      if (!channel) return false;
      channel.endedAt = at;
      channel.endedWhileDisconnected = true;
      channel.ringing = false;
      channel.playbacks = [];
      draft.addTimeline(channel, { at, kind: 'ended-while-disconnected', label: 'Ended while disconnected', source: event.type });
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
  const note = (kind: typeof event.flag, label: string) =>
    draft.addTimeline(channel, { at: event.at, kind, label, source: event.type });
  switch (event.flag) {
    case 'mute':
    case 'unmute': {
      const value = event.flag === 'mute';
      const muted = { ...channel.muted };
      if (direction === 'in' || direction === 'both') muted.in = value;
      if (direction === 'out' || direction === 'both') muted.out = value;
      channel.muted = muted;
      note(event.flag, `${value ? 'Muted' : 'Unmuted'} (${direction})`);
      return true;
    }
    case 'ring':
      channel.ringing = true;
      note('ring', 'Ringing indicated to caller');
      return true;
    case 'ring-stop':
      channel.ringing = false;
      note('ring-stop', 'Ringing indication stopped');
      return true;
    case 'silence':
      channel.silenced = true;
      note('silence', 'Playing silence');
      return true;
    case 'silence-stop':
      channel.silenced = false;
      note('silence-stop', 'Silence stopped');
      return true;
    case 'hold':
      channel.onHold = true;
      note('hold', 'Put on hold by the console');
      return true;
    case 'unhold':
      channel.onHold = false;
      note('unhold', 'Taken off hold by the console');
      return true;
  }
}
