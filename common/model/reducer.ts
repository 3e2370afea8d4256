import { parseAriTime, type AriBridge, type AriChannel, type AriEvent } from '../ari.js';
import { ModelDraft, type ChannelDraft } from './draft.js';
import { applyConsoleEvent } from './console-events.js';
import { EndedLog } from './ended-log.js';
import { DEFAULT_MODEL_CONFIG, isConsoleEvent, type BridgeRef, type CallModel, type ModelConfig, type ModelEvent } from './types.js';
import { bridgeFrom, endpointFrom, mergeChannel, newChannel } from './views.js';

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

/** What a timeline entry keeps of a bridge: its id and the name the event gave. */
function bridgeRef(bridge: AriBridge): BridgeRef {
  return { id: bridge.id, name: bridge.name ?? '' };
}

function hasChannel(event: AriEvent): event is AriEvent & { channel: AriChannel } {
  return typeof event.channel === 'object' && event.channel !== null && typeof event.channel.id === 'string';
}

function hasBridge(event: AriEvent): event is AriEvent & { bridge: AriBridge } {
  return typeof event.bridge === 'object' && event.bridge !== null && typeof event.bridge.id === 'string';
}

/** Events that fire many times per call and say nothing a person needs on a timeline. */
const TIMELINE_NOISE = new Set(['ChannelVarset', 'ChannelTalkingStarted', 'ChannelTalkingFinished', 'ChannelToneDetected']);

/**
 * A channel the reconcile after a reconnect ended as "Ended while
 * disconnected" (the snapshot no longer listed it), whose real end the PBX
 * did send: buffered while that snapshot was in flight, or overtaking it. Its
 * ChannelDestroyed replaces the guess (time, cause, timeline entry) where the
 * channel stands among the ended ones; any later one finds no guess left, so
 * nothing ends twice.
 */
function guessedEnd(draft: ModelDraft, id: string): ChannelDraft | undefined {
  const channel = draft.editEnded(id, (ended) => ended.endedWhileDisconnected);
  if (channel?.lastKind() === 'ended-while-disconnected') channel.popLast();
  return channel;
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
        draft.note(channel, at, 'created', channel.state, event.type === 'StasisStart' ? 'StasisStart' : 'ChannelCreated');
      } else {
        mergeChannel(channel, event.channel, at);
      }
      if (event.type === 'StasisStart') {
        channel.inStasis = true;
        draft.note(channel, at, 'stasis-start', Array.isArray(event.args) && event.args.length > 0 ? event.args : null, 'StasisStart');
      }
      return true;
    }
    case 'ChannelDestroyed': {
      if (!hasChannel(event)) return false;
      const live = draft.editChannel(event.channel.id);
      const channel = live ?? guessedEnd(draft, event.channel.id);
      if (!channel) return false;
      const answeredAt = channel.answeredAt;
      mergeChannel(channel, event.channel, at);
      // Answered while disconnected: only the end says so, not when.
      if (!live && answeredAt === null && channel.answeredAt !== null) channel.approximate = true;
      channel.endedAt = at;
      channel.endedWhileDisconnected = false;
      channel.hangupCause = typeof event.cause === 'number' ? event.cause : null;
      channel.hangupCauseText = typeof event.cause_txt === 'string' ? event.cause_txt : null;
      channel.ringing = false;
      channel.playbacks = [];
      draft.note(channel, at, 'destroyed', channel.hangupCauseText, 'ChannelDestroyed');
      if (live) draft.endChannel(channel);
      return true;
    }
    case 'BridgeCreated': {
      if (!hasBridge(event)) return false;
      draft.putBridge(bridgeFrom(event.bridge, at, draft.bridges.get(event.bridge.id)));
      return true;
    }
    case 'BridgeDestroyed': {
      if (!hasBridge(event)) return false;
      const gone = event.bridge.id;
      // Asterisk sends each leg's ChannelLeftBridge first; should one come
      // late or never, no leg stays in a bridge that no longer exists.
      const members = [...(draft.bridges.get(gone)?.channelIds ?? []), ...(event.bridge.channels ?? [])];
      for (const id of members) {
        if (draft.channels.get(id)?.bridgeId !== gone) continue;
        const channel = draft.editChannel(id);
        if (channel) channel.bridgeId = null;
      }
      draft.deleteBridge(gone);
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
    draft.note(channel, at, 'playback-start', media, 'PlaybackStarted');
  } else {
    channel.playbacks = channel.playbacks.filter((id) => id !== playback.id);
    draft.note(channel, at, 'playback-end', media, 'PlaybackFinished');
  }
  return true;
}

/**
 * Events about one channel that update it in place and add to its timeline.
 * An entry's source is written as the literal, not the frame's `type`: V8
 * does not internalize JSON.parse's string values, so `type` would keep a
 * copy of those bytes alive per entry (~40 B; bench/findings.md, ingest).
 */
function applyChannelEvent(draft: ModelDraft, event: AriEvent, at: number): boolean {
  if (!hasChannel(event)) return false;
  const channel = draft.editChannel(event.channel.id);
  if (!channel) return false;
  const type = event.type;
  switch (type) {
    case 'ChannelStateChange': {
      const before = channel.state;
      mergeChannel(channel, event.channel, at);
      if (before !== channel.state) draft.note(channel, at, 'state', channel.state, 'ChannelStateChange');
      return true;
    }
    case 'ChannelCallerId':
      mergeChannel(channel, event.channel, at);
      draft.note(channel, at, 'caller-id', channel.caller, 'ChannelCallerId');
      return true;
    case 'ChannelConnectedLine':
      mergeChannel(channel, event.channel, at);
      draft.note(channel, at, 'connected-line', channel.connected, 'ChannelConnectedLine');
      return true;
    case 'ChannelDialplan': {
      mergeChannel(channel, event.channel, at);
      const dp = channel.dialplan;
      if (dp) draft.note(channel, at, 'dialplan', dp, 'ChannelDialplan');
      return true;
    }
    case 'StasisEnd':
      mergeChannel(channel, event.channel, at);
      channel.inStasis = false;
      draft.note(channel, at, 'stasis-end', null, 'StasisEnd');
      return true;
    case 'ChannelHold':
      channel.onHold = true;
      draft.note(channel, at, 'hold', null, 'ChannelHold');
      return true;
    case 'ChannelUnhold':
      channel.onHold = false;
      draft.note(channel, at, 'unhold', null, 'ChannelUnhold');
      return true;
    case 'ChannelHangupRequest':
      draft.note(channel, at, 'hangup-request', typeof event.cause === 'number' ? event.cause : null, 'ChannelHangupRequest');
      return true;
    case 'ChannelDtmfReceived':
      draft.note(channel, at, 'dtmf', typeof event.digit === 'string' ? event.digit : null, 'ChannelDtmfReceived');
      return true;
    case 'ChannelEnteredBridge':
    case 'ChannelLeftBridge':
      return applyBridgeMembership(draft, channel, event, at);
    default:
      if (!TIMELINE_NOISE.has(type)) draft.note(channel, at, 'other', null, type);
      return true;
  }
}

function applyBridgeMembership(draft: ModelDraft, channel: ChannelDraft, event: AriEvent, at: number): boolean {
  if (!hasBridge(event)) return false;
  const bridgeId = event.bridge.id;
  const known = draft.bridges.get(bridgeId);
  // A leave never brings a bridge into being: after its BridgeDestroyed
  // (should they come in that order) it would stay on the board for good.
  if (known || event.type === 'ChannelEnteredBridge') draft.putBridge(bridgeFrom(event.bridge, at, known));
  if (event.type === 'ChannelEnteredBridge') {
    channel.bridgeId = bridgeId;
    draft.note(channel, at, 'bridge-enter', bridgeRef(event.bridge), 'ChannelEnteredBridge');
  } else {
    if (channel.bridgeId === bridgeId) channel.bridgeId = null;
    draft.note(channel, at, 'bridge-leave', bridgeRef(event.bridge), 'ChannelLeftBridge');
  }
  return true;
}
