import { parseAriTime, type AriBridge, type AriChannel, type AriEvent } from '../ari.js';
import { ModelDraft, type ChannelDraft } from './draft.js';
import { applyConsoleEvent } from './console-events.js';
import { EndedLog } from './ended-log.js';
import { DEFAULT_MODEL_CONFIG, isConsoleEvent, type BridgeView, type CallModel, type ModelConfig, type ModelEvent, type TimelineKind } from './types.js';
import { bridgeFrom, describeParty, endpointFrom, mergeChannel, newChannel } from './views.js';

export function createModel(config: Partial<ModelConfig> = {}): CallModel {
  return {
    config: { ...DEFAULT_MODEL_CONFIG, ...config },
    channels: new Map(),
    ended: EndedLog.empty(),
    bridges: new Map(),
    endpoints: new Map(),
    deviceStates: new Map(),
    linkLostAt: null,
    eventsApplied: 0,
    eventsSkipped: 0,
  };
}

/**
 * The call model's only writer: folds a batch of ARI and console events into
 * a new model. Pure: the same model and events give the same result; `now`
 * stamps events that carry no timestamp of their own.
 */
export function applyEvents(model: CallModel, events: readonly ModelEvent[], now: number): CallModel {
  if (events.length === 0) return model;
  const draft = new ModelDraft(model);
  for (const event of events) {
    try {
      const applied = isConsoleEvent(event) ? applyConsoleEvent(draft, event) : applyAriEvent(draft, event, now);
      if (applied) draft.eventsApplied += 1;
      else draft.eventsSkipped += 1;
    } catch {
      // A malformed event must cost us that event, never the batch.
      draft.eventsSkipped += 1;
    }
  }
  return draft.finish();
}

/**
 * A timeline label of three or more parts as one flat string. A template
 * literal of longer parts builds a tree of cons strings (32 B each; eight for
 * a dialplan step) that the timeline keeps, so every scavenge copies and
 * every major GC marks each node; join writes the characters once. Two parts
 * stay a template literal: one cons node costs no more than the join's
 * temporary array (bench/findings.md, ingest).
 */
function text(...parts: readonly (string | number)[]): string {
  return parts.join('');
}

function bridgeLabel(bridge: AriBridge | BridgeView | undefined, id: string): string {
  const name = bridge?.name;
  return name ? text(name, ' (', id.slice(0, 8), ')') : id.slice(0, 8);
}

function hasChannel(event: AriEvent): event is AriEvent & { channel: AriChannel } {
  return typeof event.channel === 'object' && event.channel !== null && typeof event.channel.id === 'string';
}

function hasBridge(event: AriEvent): event is AriEvent & { bridge: AriBridge } {
  return typeof event.bridge === 'object' && event.bridge !== null && typeof event.bridge.id === 'string';
}

/** Events that fire many times per call and say nothing a person needs on a timeline. */
const TIMELINE_NOISE = new Set(['ChannelVarset', 'ChannelTalkingStarted', 'ChannelTalkingFinished', 'ChannelToneDetected']);

function note(draft: ModelDraft, channel: ChannelDraft, at: number, kind: TimelineKind, label: string, source: string): void {
  draft.addTimeline(channel, { at, kind, label, source });
}

/** Returns false for events the model cannot use (unknown channel, missing fields). */
function applyAriEvent(draft: ModelDraft, event: AriEvent, now: number): boolean {
  if (typeof event.type !== 'string') return false;
  const at = parseAriTime(event.timestamp, now);
  switch (event.type) {
    case 'ChannelCreated':
    case 'StasisStart': {
      if (!hasChannel(event)) return false;
      let channel = draft.editChannel(event.channel.id);
      if (!channel) {
        channel = newChannel(event.channel, at, draft.config);
        draft.putChannel(channel);
        note(draft, channel, at, 'created', text('Created (', channel.state, ')'), event.type);
      } else {
        mergeChannel(channel, event.channel, at);
      }
      if (event.type === 'StasisStart') {
        channel.inStasis = true;
        const args = Array.isArray(event.args) && event.args.length > 0 ? text(' (', event.args.join(', '), ')') : '';
        note(draft, channel, at, 'stasis-start', `Entered the console's app${args}`, event.type);
      }
      return true;
    }
    case 'ChannelDestroyed': {
      if (!hasChannel(event)) return false;
      const channel = draft.editChannel(event.channel.id);
      if (!channel) return false;
      mergeChannel(channel, event.channel, at);
      channel.endedAt = at;
      channel.hangupCause = typeof event.cause === 'number' ? event.cause : null;
      channel.hangupCauseText = typeof event.cause_txt === 'string' ? event.cause_txt : null;
      channel.ringing = false;
      channel.playbacks = [];
      note(draft, channel, at, 'destroyed', channel.hangupCauseText ? `Hung up: ${channel.hangupCauseText}` : 'Hung up', event.type);
      draft.endChannel(channel);
      return true;
    }
    case 'BridgeCreated': {
      if (!hasBridge(event)) return false;
      draft.putBridge(bridgeFrom(event.bridge, at, draft.bridges.get(event.bridge.id)));
      return true;
    }
    case 'BridgeDestroyed': {
      if (!hasBridge(event)) return false;
      draft.deleteBridge(event.bridge.id);
      return true;
    }
    case 'DeviceStateChanged': {
      const device = event.device_state;
      if (!device || typeof device.name !== 'string' || typeof device.state !== 'string') return false;
      draft.putDeviceState(device.name, device.state);
      return true;
    }
    case 'EndpointStateChange': {
      const endpoint = event.endpoint;
      if (!endpoint || typeof endpoint.technology !== 'string' || typeof endpoint.resource !== 'string') return false;
      draft.putEndpoint(endpointFrom(endpoint));
      return true;
    }
    case 'PlaybackStarted':
    case 'PlaybackFinished':
      return applyPlayback(draft, event, at);
    default:
      return applyChannelEvent(draft, event, at);
  }
}

function applyPlayback(draft: ModelDraft, event: AriEvent, at: number): boolean {
  const playback = event.playback;
  if (!playback || typeof playback.id !== 'string') return false;
  const target = playback.target_uri ?? '';
  // Playbacks to bridges are not a channel's business.
  if (!target.startsWith('channel:')) return true;
  const channel = draft.editChannel(target.slice('channel:'.length));
  if (!channel) return false;
  const media = playback.media_uri ?? 'media';
  if (event.type === 'PlaybackStarted') {
    if (!channel.playbacks.includes(playback.id)) channel.playbacks = [...channel.playbacks, playback.id];
    note(draft, channel, at, 'playback-start', `Playing ${media}`, event.type);
  } else {
    channel.playbacks = channel.playbacks.filter((id) => id !== playback.id);
    note(draft, channel, at, 'playback-end', `Finished playing ${media}`, event.type);
  }
  return true;
}

/** Events about one channel that update it in place and add to its timeline. */
function applyChannelEvent(draft: ModelDraft, event: AriEvent, at: number): boolean {
  if (!hasChannel(event)) return false;
  const channel = draft.editChannel(event.channel.id);
  if (!channel) return false;
  const type = event.type;
  switch (type) {
    case 'ChannelStateChange': {
      const before = channel.state;
      mergeChannel(channel, event.channel, at);
      if (before !== channel.state) note(draft, channel, at, 'state', channel.state === 'Up' ? 'Answered (Up)' : `State: ${channel.state}`, type);
      return true;
    }
    case 'ChannelCallerId':
      mergeChannel(channel, event.channel, at);
      note(draft, channel, at, 'caller-id', `Caller ID: ${describeParty(channel.caller)}`, type);
      return true;
    case 'ChannelConnectedLine':
      mergeChannel(channel, event.channel, at);
      note(draft, channel, at, 'connected-line', `Connected to ${describeParty(channel.connected)}`, type);
      return true;
    case 'ChannelDialplan': {
      mergeChannel(channel, event.channel, at);
      const dp = channel.dialplan;
      if (dp) note(draft, channel, at, 'dialplan', text(dp.context, ',', dp.exten, ',', dp.priority, ' ', dp.app, '(', dp.appData, ')'), type);
      return true;
    }
    case 'StasisEnd':
      mergeChannel(channel, event.channel, at);
      channel.inStasis = false;
      note(draft, channel, at, 'stasis-end', "Left the console's app", type);
      return true;
    case 'ChannelHold':
      channel.onHold = true;
      note(draft, channel, at, 'hold', 'On hold', type);
      return true;
    case 'ChannelUnhold':
      channel.onHold = false;
      note(draft, channel, at, 'unhold', 'Off hold', type);
      return true;
    case 'ChannelHangupRequest': {
      note(draft, channel, at, 'hangup-request', typeof event.cause === 'number' ? text('Hangup requested (cause ', event.cause, ')') : 'Hangup requested', type);
      return true;
    }
    case 'ChannelDtmfReceived':
      note(draft, channel, at, 'dtmf', `DTMF ${typeof event.digit === 'string' ? event.digit : '?'}`, type);
      return true;
    case 'ChannelEnteredBridge':
    case 'ChannelLeftBridge':
      return applyBridgeMembership(draft, channel, event, at);
    default:
      if (!TIMELINE_NOISE.has(type)) note(draft, channel, at, 'other', type, type);
      return true;
  }
}

function applyBridgeMembership(draft: ModelDraft, channel: ChannelDraft, event: AriEvent, at: number): boolean {
  if (!hasBridge(event)) return false;
  const bridgeId = event.bridge.id;
  draft.putBridge(bridgeFrom(event.bridge, at, draft.bridges.get(bridgeId)));
  if (event.type === 'ChannelEnteredBridge') {
    channel.bridgeId = bridgeId;
    note(draft, channel, at, 'bridge-enter', `Joined bridge ${bridgeLabel(event.bridge, bridgeId)}`, event.type);
  } else {
    if (channel.bridgeId === bridgeId) channel.bridgeId = null;
    note(draft, channel, at, 'bridge-leave', `Left bridge ${bridgeLabel(event.bridge, bridgeId)}`, event.type);
  }
  return true;
}
