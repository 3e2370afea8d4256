import type { ChannelView, DialplanPosition, Party, TimelineEntry, TimelineKind } from './types.js';

/**
 * A channel's timeline kept as columns: a time, a kind, a source and a detail
 * per step, in four arrays the channel's versions share. An entry object per
 * event (56 B, plus a 16 B box for its time) was the bulk of what the call
 * model kept and the scavenger promoted while ingesting (bench/findings.md,
 * ingest); a column of times holds the numbers unboxed, and the other three
 * hold references to values the model keeps anyway.
 *
 * Versions share the columns append-only: a version sees the first entry
 * (how the call began) and its own window [from, to); a later version appends
 * past `to` only while nobody else has (`at.length === to`), otherwise it
 * copies its window first. Every version therefore stays as it was.
 */
class Columns {
  constructor(
    /** Times only, so V8 keeps them as unboxed doubles. */
    readonly at: number[] = [],
    /**
     * Kind, source and detail of each entry, three slots apiece (one array,
     * not three: most timelines are short and every array has its header
     * and spare room). A detail is the entry itself (Verbatim) when the
     * entry came in another shape.
     */
    readonly rest: unknown[] = [],
  ) {}
}

/**
 * An entry that came from outside the reducer (a snapshot, an old recording
 * whose entries carry their label) in a shape other than {at, kind, source,
 * detail}: given back as it was.
 */
class Verbatim {
  constructor(readonly entry: TimelineEntry) {}
}

/** Whether the entry has just the fields the columns keep (at, kind, source, detail). */
function isPlain(entry: TimelineEntry): boolean {
  return Object.keys(entry).length === 4 && 'at' in entry && 'kind' in entry && 'source' in entry && 'detail' in entry;
}

type Fields = Omit<ChannelView, 'timeline'>;

/**
 * What the reducer keeps for a channel: the ChannelView fields as own
 * properties, and `timeline` as an own enumerable getter that builds the
 * entries from the columns when read (once per version), so spreading,
 * JSON, structured clone (IPC) and the readers see the plain array they
 * always did.
 */
export class ChannelRecord implements ChannelView {
  declare id: string;
  declare name: string;
  declare state: string;
  declare caller: Party;
  declare connected: Party;
  declare dialplan: DialplanPosition | null;
  declare inStasis: boolean;
  declare bridgeId: string | null;
  declare onHold: boolean;
  declare muted: { readonly in: boolean; readonly out: boolean };
  declare ringing: boolean;
  declare silenced: boolean;
  declare playbacks: readonly string[];
  declare createdAt: number;
  declare answeredAt: number | null;
  declare endedAt: number | null;
  declare hangupCause: number | null;
  declare hangupCauseText: string | null;
  declare endedWhileDisconnected: boolean;
  declare approximate: boolean;
  declare readonly timeline: readonly TimelineEntry[];
  declare timelineDropped: number;
  #columns: Columns;
  #from: number;
  #to: number;
  #entries: readonly TimelineEntry[] | null = null;

  private constructor(fields: Fields, columns: Columns, from: number, to: number) {
    // Assigned in ChannelView's order, so JSON and the readers see the keys as before.
    this.id = fields.id;
    this.name = fields.name;
    this.state = fields.state;
    this.caller = fields.caller;
    this.connected = fields.connected;
    this.dialplan = fields.dialplan;
    this.inStasis = fields.inStasis;
    this.bridgeId = fields.bridgeId;
    this.onHold = fields.onHold;
    this.muted = fields.muted;
    this.ringing = fields.ringing;
    this.silenced = fields.silenced;
    this.playbacks = fields.playbacks;
    this.createdAt = fields.createdAt;
    this.answeredAt = fields.answeredAt;
    this.endedAt = fields.endedAt;
    this.hangupCause = fields.hangupCause;
    this.hangupCauseText = fields.hangupCauseText;
    this.endedWhileDisconnected = fields.endedWhileDisconnected;
    this.approximate = fields.approximate;
    Object.defineProperty(this, 'timeline', TIMELINE);
    this.timelineDropped = fields.timelineDropped;
    this.#columns = columns;
    this.#from = from;
    this.#to = to;
  }

  /** A new channel with an empty timeline. */
  static create(fields: Fields): ChannelRecord {
    return new ChannelRecord(fields, new Columns(), 1, 0);
  }

  /** A copy a batch may change: the fields copied, the columns shared. Any ChannelView will do. */
  static writable(view: ChannelView): ChannelRecord {
    if (view instanceof ChannelRecord) return new ChannelRecord(view, view.#columns, view.#from, view.#to);
    const columns = new Columns();
    for (const entry of view.timeline) {
      columns.at.push(entry.at);
      columns.rest.push(entry.kind, entry.source, isPlain(entry) ? entry.detail : new Verbatim(entry));
    }
    return new ChannelRecord(view, columns, 1, columns.at.length);
  }

  static entriesOf(record: ChannelRecord): readonly TimelineEntry[] {
    record.#entries ??= record.#build();
    return record.#entries;
  }

  get timelineLength(): number {
    return this.#to === 0 ? 0 : 1 + this.#to - this.#from;
  }

  /** The kind of the newest entry. */
  lastKind(): TimelineKind | undefined {
    if (this.#to === 0) return undefined;
    return this.#columns.rest[3 * (this.#to > this.#from ? this.#to - 1 : 0)] as TimelineKind;
  }

  /** Adds a step; past `max` entries the oldest after the first is dropped (and counted). */
  append(at: number, kind: TimelineKind, source: string, detail: unknown, max: number): void {
    const columns = this.#columns.at.length === this.#to ? this.#columns : this.#fork();
    columns.at.push(at);
    columns.rest.push(kind, source, detail);
    this.#to += 1;
    this.#entries = null;
    if (this.timelineLength > max) {
      if (this.#from < this.#to) this.#from += 1;
      this.timelineDropped += 1;
      // Dropped entries left at the front: once they outnumber the kept ones, start fresh columns.
      if (this.#from > this.#to - this.#from + 1) this.#fork();
    }
  }

  /** Removes the newest entry (a guessed end the real one replaces). */
  popLast(): void {
    if (this.#to === 0) return;
    this.#to = this.#to > this.#from ? this.#to - 1 : 0;
    this.#entries = null;
  }

  /**
   * Columns of the exact size for a channel that has ended: it rarely grows
   * again, and the room arrays keep for growing would outweigh a short
   * timeline.
   */
  trim(): void {
    const columns = this.#columns;
    if (this.#from > 1 || columns.at.length !== this.#to || columns.rest.length !== 3 * this.#to) this.#fork();
  }

  /** Own columns holding just this version's entries, exactly sized. */
  #fork(): Columns {
    const source = this.#columns;
    const length = this.timelineLength;
    const at = new Array<number>(length);
    const rest = new Array<unknown>(3 * length);
    let n = 0;
    const copy = (i: number): void => {
      at[n] = source.at[i] as number;
      rest[3 * n] = source.rest[3 * i];
      rest[3 * n + 1] = source.rest[3 * i + 1];
      rest[3 * n + 2] = source.rest[3 * i + 2];
      n += 1;
    };
    if (length > 0) {
      copy(0);
      for (let i = this.#from; i < this.#to; i++) copy(i);
    }
    const columns = new Columns(at, rest);
    this.#columns = columns;
    this.#from = 1;
    this.#to = length;
    return columns;
  }

  #build(): readonly TimelineEntry[] {
    const entries: TimelineEntry[] = [];
    if (this.#to === 0) return entries;
    entries.push(this.#entry(0));
    for (let i = this.#from; i < this.#to; i++) entries.push(this.#entry(i));
    return entries;
  }

  #entry(i: number): TimelineEntry {
    const columns = this.#columns;
    const detail = columns.rest[3 * i + 2];
    if (detail instanceof Verbatim) return detail.entry;
    // One shape for every entry; the cast restates what append() was given together.
    return { at: columns.at[i] as number, kind: columns.rest[3 * i] as TimelineKind, source: columns.rest[3 * i + 1] as string, detail } as TimelineEntry;
  }
}

const TIMELINE: PropertyDescriptor = {
  get(this: ChannelRecord): readonly TimelineEntry[] {
    return ChannelRecord.entriesOf(this);
  },
  enumerable: true,
  configurable: true,
};
