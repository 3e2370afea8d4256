import type { AriBridge, AriChannel, AriDeviceState, AriEndpoint, AriEvent } from '../ari.js';

export interface Party {
  readonly name: string;
  readonly number: string;
}

export interface DialplanPosition {
  readonly context: string;
  readonly exten: string;
  readonly priority: number;
  readonly app: string;
  readonly appData: string;
}

export type TimelineKind =
  | 'created'
  | 'state'
  | 'stasis-start'
  | 'stasis-end'
  | 'dialplan'
  | 'caller-id'
  | 'connected-line'
  | 'hold'
  | 'unhold'
  | 'mute'
  | 'unmute'
  | 'ring'
  | 'ring-stop'
  | 'silence'
  | 'silence-stop'
  | 'bridge-enter'
  | 'bridge-leave'
  | 'playback-start'
  | 'playback-end'
  | 'dtmf'
  | 'transfer'
  | 'hangup-request'
  | 'destroyed'
  | 'link-lost'
  | 'link-restored'
  | 'seen-at-connect'
  | 'ended-while-disconnected'
  | 'other';

/** A bridge as a timeline entry names it: its name when the event gave one ('' otherwise). */
export interface BridgeRef {
  readonly id: string;
  readonly name: string;
}

/**
 * What each kind of entry keeps besides its kind and source: only what its
 * words need (timelineLabel in labels.ts builds them where they are shown).
 * Mostly values the model holds anyway (the channel's state, caller or
 * dialplan position), so an entry allocates no text of its own: building a
 * label per event, shown or not, was a third of the model's allocation
 * (bench/findings.md, ingest).
 */
export interface TimelineDetails {
  /** The state the channel was created in. */
  readonly created: string;
  readonly state: string;
  /** StasisStart's arguments, null when it had none. */
  readonly 'stasis-start': readonly unknown[] | null;
  readonly 'stasis-end': null;
  readonly dialplan: DialplanPosition;
  readonly 'caller-id': Party;
  readonly 'connected-line': Party;
  readonly hold: null;
  readonly unhold: null;
  readonly mute: MuteDirection;
  readonly unmute: MuteDirection;
  readonly ring: null;
  readonly 'ring-stop': null;
  readonly silence: null;
  readonly 'silence-stop': null;
  readonly 'bridge-enter': BridgeRef;
  readonly 'bridge-leave': BridgeRef;
  /** The media URI. */
  readonly 'playback-start': string;
  readonly 'playback-end': string;
  /** The digit, null when the event had none. */
  readonly dtmf: string | null;
  readonly transfer: string;
  /** The cause code, null when the event had none. */
  readonly 'hangup-request': number | null;
  /** The cause text, null when the event had none. */
  readonly destroyed: string | null;
  /** Why the link went down. */
  readonly 'link-lost': string;
  /** What reconcile found changed, in words ('' when nothing). */
  readonly 'link-restored': string;
  readonly 'seen-at-connect': { readonly reason: 'connect' | 'reconnect'; readonly state: string };
  readonly 'ended-while-disconnected': null;
  /** Unlisted ARI events: the words are the event type (source). */
  readonly other: null;
}

/** One step of a channel's life. Plain data, so it crosses IPC and recordings as JSON. */
export type TimelineEntry = {
  readonly [K in TimelineKind]: {
    /** Milliseconds since the epoch, on the PBX's clock where the PBX stamped it. */
    readonly at: number;
    readonly kind: K;
    /** The ARI event type, or the console's synthetic one. */
    readonly source: string;
    readonly detail: TimelineDetails[K];
  };
}[TimelineKind];

export type MuteDirection = 'in' | 'out' | 'both';

export interface ChannelView {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly caller: Party;
  readonly connected: Party;
  readonly dialplan: DialplanPosition | null;
  readonly inStasis: boolean;
  readonly bridgeId: string | null;
  readonly onHold: boolean;
  readonly muted: { readonly in: boolean; readonly out: boolean };
  readonly ringing: boolean;
  readonly silenced: boolean;
  /** Playback ids currently playing to this channel. */
  readonly playbacks: readonly string[];
  readonly createdAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
  readonly hangupCause: number | null;
  readonly hangupCauseText: string | null;
  readonly endedWhileDisconnected: boolean;
  /**
   * True when the console first saw this channel in a snapshot rather than
   * from its ChannelCreated: its answer time is then the time we saw it Up.
   */
  readonly approximate: boolean;
  /** Built when read from the columns the model keeps (channel-record.ts); a plain array to every reader. */
  readonly timeline: readonly TimelineEntry[];
  /** Timeline entries dropped by the cap (the oldest after the first). */
  readonly timelineDropped: number;
}

export type BridgeKind = 'mixing' | 'holding' | 'other';

export interface BridgeView {
  readonly id: string;
  readonly name: string;
  readonly kind: BridgeKind;
  /** Raw ARI bridge_type, e.g. "mixing", "holding". */
  readonly bridgeType: string;
  readonly technology: string;
  readonly bridgeClass: string;
  readonly creator: string;
  readonly channelIds: readonly string[];
  readonly createdAt: number;
}

export interface EndpointView {
  readonly key: string;
  readonly technology: string;
  readonly resource: string;
  readonly state: string;
  readonly channelIds: readonly string[];
}

export interface ModelConfig {
  /** The Stasis application the console owns. */
  readonly app: string;
  /** Ended channels kept for their timelines and reports. */
  readonly maxEnded: number;
  /** Timeline entries kept per channel. */
  readonly maxTimeline: number;
}

export const DEFAULT_MODEL_CONFIG: ModelConfig = { app: 'console', maxEnded: 500, maxTimeline: 200 };

export interface CallModel {
  readonly config: ModelConfig;
  readonly channels: ReadonlyMap<string, ChannelView>;
  /** Ended channels, oldest first; bounded by config.maxEnded. */
  readonly ended: ReadonlyMap<string, ChannelView>;
  readonly bridges: ReadonlyMap<string, BridgeView>;
  readonly endpoints: ReadonlyMap<string, EndpointView>;
  readonly deviceStates: ReadonlyMap<string, string>;
  /** Set while the events link is down: the model may be stale since then. */
  readonly linkLostAt: number | null;
  readonly eventsApplied: number;
  readonly eventsSkipped: number;
}

/**
 * Events the console synthesizes itself, for what ARI does not announce
 * (mute, silence, ring indication) and for reconciliation after a gap.
 * ARI never uses the "Console" prefix; the engine drops PBX frames that do.
 */
export type ConsoleEvent =
  | { readonly type: 'ConsoleLinkLost'; readonly at: number; readonly reason: string }
  | { readonly type: 'ConsoleLinkRestored'; readonly at: number }
  | {
      readonly type: 'ConsoleChannelSeen';
      readonly at: number;
      readonly channel: AriChannel;
      readonly inStasis: boolean;
      readonly bridgeId: string | null;
      readonly reason: 'connect' | 'reconnect';
    }
  | { readonly type: 'ConsoleChannelVanished'; readonly at: number; readonly channelId: string }
  | { readonly type: 'ConsoleBridgeSeen'; readonly at: number; readonly bridge: AriBridge }
  | { readonly type: 'ConsoleBridgeVanished'; readonly at: number; readonly bridgeId: string }
  | { readonly type: 'ConsoleEndpointsSeen'; readonly at: number; readonly endpoints: readonly AriEndpoint[] }
  | { readonly type: 'ConsoleDeviceStatesSeen'; readonly at: number; readonly deviceStates: readonly AriDeviceState[] }
  | {
      readonly type: 'ConsoleChannelFlag';
      readonly at: number;
      readonly channelId: string;
      /** hold/unhold: ARI's POST /channels/{id}/hold indicates hold to the channel but raises no ChannelHold. */
      readonly flag: 'mute' | 'unmute' | 'ring' | 'ring-stop' | 'silence' | 'silence-stop' | 'hold' | 'unhold';
      readonly direction?: MuteDirection;
    };

export type ModelEvent = AriEvent | ConsoleEvent;

export function isConsoleEvent(event: ModelEvent): event is ConsoleEvent {
  return event.type.startsWith('Console');
}

/** The model as plain arrays, for snapshots sent over IPC or a WebSocket. */
export interface SerializedModel {
  readonly config: ModelConfig;
  readonly channels: readonly ChannelView[];
  readonly ended: readonly ChannelView[];
  readonly bridges: readonly BridgeView[];
  readonly endpoints: readonly EndpointView[];
  readonly deviceStates: readonly (readonly [string, string])[];
  readonly linkLostAt: number | null;
  readonly eventsApplied: number;
  readonly eventsSkipped: number;
}
