import { channelIdsOf } from '../common/event-channels.js';
import type { ModelEvent } from '../common/model/index.js';
import type { RawEventEntry } from '../common/recording.js';
import { redact } from './log.js';

/**
 * The last raw events of each channel, for the "raw events" list under a
 * timeline: what the PBX (or the console itself) actually said, when the
 * timeline's summary is not enough. Bounded per channel and in total; the
 * channels least recently heard from go first. Events are kept as received
 * and redacted when served: ARI events carry no credentials, but a variable
 * or a URL in one could, and the page must never see one.
 */
export interface RawEventLogOptions {
  readonly perChannel?: number;
  readonly maxEvents?: number;
}

export class RawEventLog {
  private readonly perChannel: number;
  private readonly maxEvents: number;
  /** Keyed by profile and channel; Map order is least recently updated first. */
  private readonly byChannel = new Map<string, RawEventEntry[]>();
  private total = 0;

  constructor(options: RawEventLogOptions = {}) {
    this.perChannel = Math.max(1, options.perChannel ?? 150);
    this.maxEvents = Math.max(this.perChannel, options.maxEvents ?? 15_000);
  }

  add(profileId: string, events: readonly ModelEvent[], at: number): void {
    for (const event of events) {
      for (const channelId of channelIdsOf(event)) this.push(`${profileId}\u0000${channelId}`, { at, event });
    }
    this.evict();
  }

  get(profileId: string, channelId: string): RawEventEntry[] {
    const entries = this.byChannel.get(`${profileId}\u0000${channelId}`) ?? [];
    return entries.map((entry) => ({ at: entry.at, event: redact(entry.event) as ModelEvent }));
  }

  forgetProfile(profileId: string): void {
    const prefix = `${profileId}\u0000`;
    for (const [key, entries] of this.byChannel) {
      if (!key.startsWith(prefix)) continue;
      this.total -= entries.length;
      this.byChannel.delete(key);
    }
  }

  get size(): number {
    return this.total;
  }

  private push(key: string, entry: RawEventEntry): void {
    let entries = this.byChannel.get(key);
    if (entries) this.byChannel.delete(key);
    else entries = [];
    entries.push(entry);
    this.total += 1;
    if (entries.length > this.perChannel) {
      entries.splice(0, entries.length - this.perChannel);
      this.total -= 1;
    }
    this.byChannel.set(key, entries);
  }

  private evict(): void {
    for (const [key, entries] of this.byChannel) {
      if (this.total <= this.maxEvents) return;
      this.byChannel.delete(key);
      this.total -= entries.length;
    }
  }
}
