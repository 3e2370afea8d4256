import { ChannelRecord } from './channel-record.js';
import { copyMap } from './copy-map.js';
import { EndedLog, EndedLogDraft } from './ended-log.js';
import type { BridgeView, CallModel, ChannelView, EndpointView, TimelineDetails, TimelineKind } from './types.js';

/** A channel this batch may change (its timeline through ModelDraft.note). */
export type ChannelDraft = ChannelRecord;

/**
 * Copy-on-write over one batch of events: each collection and each channel is
 * copied at most once per batch, then mutated in place. A batch of k events
 * over n channels costs O(n + k), not O(n * k), and untouched channels keep
 * their identity so the renderer can skip them. A channel this batch already
 * copied (or made) is simply one that is not the version the batch started
 * from: no set of owned channels to fill and look up per event.
 */
export class ModelDraft {
  private channelsCopy: Map<string, ChannelView> | null = null;
  private endedDraft: EndedLogDraft<ChannelView> | null = null;
  private bridgesCopy: Map<string, BridgeView> | null = null;
  private endpointsCopy: Map<string, EndpointView> | null = null;
  private deviceStatesCopy: Map<string, string> | null = null;
  linkLostAt: number | null;
  eventsApplied: number;
  eventsSkipped: number;

  constructor(private readonly base: CallModel) {
    this.linkLostAt = base.linkLostAt;
    this.eventsApplied = base.eventsApplied;
    this.eventsSkipped = base.eventsSkipped;
  }

  get config(): CallModel['config'] {
    return this.base.config;
  }

  get channels(): ReadonlyMap<string, ChannelView> {
    return this.channelsCopy ?? this.base.channels;
  }

  get bridges(): ReadonlyMap<string, BridgeView> {
    return this.bridgesCopy ?? this.base.bridges;
  }

  get endpoints(): ReadonlyMap<string, EndpointView> {
    return this.endpointsCopy ?? this.base.endpoints;
  }

  /** A live channel, writable for the rest of this batch. */
  editChannel(id: string): ChannelDraft | undefined {
    const current = this.channels.get(id);
    if (!current) return undefined;
    if (current !== this.base.channels.get(id)) return current as ChannelDraft;
    const copy = ChannelRecord.writable(current);
    this.writableChannels().set(id, copy);
    return copy;
  }

  putChannel(channel: ChannelDraft): void {
    this.writableChannels().set(channel.id, channel);
  }

  /**
   * An ended channel that passes `when`, writable for the rest of this batch
   * and kept in its place among the ended ones: only to correct an end the
   * console had to guess (a corrected end must not make it the newest).
   */
  editEnded(id: string, when: (channel: ChannelView) => boolean): ChannelDraft | undefined {
    const current = this.endedDraft ? this.endedDraft.get(id) : this.base.ended.get(id);
    if (!current || !when(current)) return undefined;
    if (current !== this.base.ended.get(id)) return current as ChannelDraft;
    const copy = ChannelRecord.writable(current);
    this.writableEnded().replace(id, copy);
    return copy;
  }

  /** Moves a live channel to the bounded list of ended ones. */
  endChannel(channel: ChannelDraft): void {
    channel.trim();
    this.writableChannels().delete(channel.id);
    const ended = this.writableEnded();
    ended.delete(channel.id);
    ended.append(channel.id, channel);
    const excess = ended.size - this.config.maxEnded;
    if (excess > 0) ended.dropOldest(excess);
  }

  /**
   * Adds a step to a channel's timeline, kept as columns (channel-record.ts);
   * the words are built only where shown (labels.ts). Past maxTimeline the
   * first entry (how the call began) stays and the oldest after it goes.
   */
  note<K extends TimelineKind>(channel: ChannelDraft, at: number, kind: K, detail: TimelineDetails[K], source: string): void {
    channel.append(at, kind, source, detail, this.config.maxTimeline);
  }

  putBridge(bridge: BridgeView): void {
    this.bridgesCopy ??= copyMap(this.base.bridges);
    this.bridgesCopy.set(bridge.id, bridge);
  }

  deleteBridge(id: string): void {
    if (!this.bridges.has(id)) return;
    this.bridgesCopy ??= copyMap(this.base.bridges);
    this.bridgesCopy.delete(id);
  }

  putEndpoint(endpoint: EndpointView): void {
    this.endpointsCopy ??= copyMap(this.base.endpoints);
    this.endpointsCopy.set(endpoint.key, endpoint);
  }

  replaceEndpoints(endpoints: Map<string, EndpointView>): void {
    this.endpointsCopy = endpoints;
  }

  putDeviceState(name: string, state: string): void {
    this.deviceStatesCopy ??= copyMap(this.base.deviceStates);
    this.deviceStatesCopy.set(name, state);
  }

  replaceDeviceStates(states: Map<string, string>): void {
    this.deviceStatesCopy = states;
  }

  finish(): CallModel {
    return {
      config: this.base.config,
      channels: this.channels,
      ended: this.endedDraft?.finish() ?? this.base.ended,
      bridges: this.bridges,
      endpoints: this.endpoints,
      deviceStates: this.deviceStatesCopy ?? this.base.deviceStates,
      linkLostAt: this.linkLostAt,
      eventsApplied: this.eventsApplied,
      eventsSkipped: this.eventsSkipped,
    };
  }

  private writableChannels(): Map<string, ChannelView> {
    this.channelsCopy ??= copyMap(this.base.channels);
    return this.channelsCopy;
  }

  private writableEnded(): EndedLogDraft<ChannelView> {
    this.endedDraft ??= new EndedLogDraft(EndedLog.from(this.base.ended));
    return this.endedDraft;
  }
}
