import type { CompiledQuery } from '../../common/history/query.js';
import { HISTORY_STATUSES, type HistoryRecord, type HistoryStatus, type HistoryTransfer } from '../../common/history/types.js';

/**
 * The history in memory, column by column. 100,000 records as objects cost
 * ≈170 MB of heap (a dozen small objects and strings per call); here each
 * number is 8 bytes in a Float64Array, status and flags a byte, and the
 * strings that repeat from call to call (caller and connected names and
 * numbers, the phonebook name, the cause text, the profile) are kept once in
 * an intern table that rows point into. Only the channel id and name, which
 * are new for every call, are strings of their own. Transfers and park slots
 * are rare, so they sit in a side map.
 *
 * `order` lists the rows by start time (then id), so a date range is a binary
 * search and "newest first" a walk down from its end. Search semantics are
 * those of common/history/query.ts (`matches`), which the tests compare
 * against record by record.
 */

const NO_STRING = -1;
const INBOUND = 1;
const APPROXIMATE = 2;
const STATUS_CODE = new Map<HistoryStatus, number>(HISTORY_STATUSES.map((status, code) => [status, code]));

/** Strings kept once; rows hold their index. */
class Interner {
  private readonly index = new Map<string, number>();
  readonly values: string[] = [];

  id(value: string): number {
    let id = this.index.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.index.set(value, id);
    }
    return id;
  }

  /** The index of a string already kept, without keeping a new one (lookups must not grow the table). */
  find(value: string): number | undefined {
    return this.index.get(value);
  }

  value(id: number): string {
    return this.values[id] as string;
  }

  /** Per interned string, whether `test` holds: one pass over the distinct strings instead of one per row. */
  mark(test: (value: string) => boolean): Uint8Array {
    const marks = new Uint8Array(this.values.length);
    for (let id = 0; id < this.values.length; id += 1) if (test(this.values[id] as string)) marks[id] = 1;
    return marks;
  }
}

interface Extras {
  readonly transfers: readonly HistoryTransfer[];
  readonly parkedIn: readonly number[];
}

/** The interned string columns, in the order `stringsOf` reads them. */
const STRING_COLUMNS = ['profile', 'callerName', 'callerNumber', 'bookName', 'connectedName', 'connectedNumber', 'causeText'] as const;
type StringColumn = (typeof STRING_COLUMNS)[number];

export class HistoryTable {
  private capacity = 0;
  private rows = 0;
  private readonly strings = new Interner();
  private str: Record<StringColumn, Int32Array> = emptyStrings(0);
  private startedAt = new Float64Array(0);
  /** NaN for a call never answered. */
  private answeredAt = new Float64Array(0);
  private endedAt = new Float64Array(0);
  private ringMs = new Float64Array(0);
  private talkMs = new Float64Array(0);
  private totalMs = new Float64Array(0);
  /** NaN for no cause. */
  private cause = new Float64Array(0);
  private status = new Uint8Array(0);
  private flags = new Uint8Array(0);
  private channelId: string[] = [];
  private channelName: string[] = [];
  private readonly extras = new Map<number, Extras>();
  /** Row numbers sorted by start time, then id. */
  private order = new Int32Array(0);
  /** profile intern id → channel id → row. The channel id string is the one the column holds. */
  private readonly rowOf = new Map<number, Map<string, number>>();

  get size(): number {
    return this.rows;
  }

  get(id: string): HistoryRecord | undefined {
    const row = this.rowById(id);
    return row === undefined ? undefined : this.record(row);
  }

  /** Adds a call, or replaces the one with the same id. */
  upsert(record: HistoryRecord): void {
    const existing = this.rowById(record.id);
    if (existing !== undefined) {
      this.removeFromOrder(existing);
      this.write(existing, record);
      this.insertInOrder(existing);
      return;
    }
    const row = this.append(record);
    this.insertInOrder(row);
  }

  /** Many calls at once (a load, an import): one sort instead of one insertion each. */
  bulk(records: Iterable<HistoryRecord>): void {
    for (const record of records) this.put(record);
    this.reorder();
  }

  /** Adds or replaces a call without placing it in the order: `reorder()` must follow before any read. */
  put(record: HistoryRecord): void {
    const existing = this.rowById(record.id);
    if (existing !== undefined) this.write(existing, record);
    else this.append(record);
  }

  /** Gives back the room doubling left unused (after a load: the table then grows again only as calls end). */
  trim(): void {
    if (this.capacity > this.rows) this.grow(this.rows);
  }

  reorder(): void {
    const rows = Array.from({ length: this.rows }, (_, row) => row).sort((a, b) => this.compareRows(a, b));
    this.order.set(rows);
  }

  /** Position in `order` of the first call starting after `time`. */
  upperBound(time: number): number {
    let lo = 0;
    let hi = this.rows;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.startedAt[this.order[mid] as number] as number) <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Position in `order` of the first call starting at or after `time`. */
  lowerBound(time: number): number {
    let lo = 0;
    let hi = this.rows;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.startedAt[this.order[mid] as number] as number) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The call at a position of the start-time order. */
  at(position: number): HistoryRecord {
    return this.record(this.order[position] as number);
  }

  startedAtOf(position: number): number {
    return this.startedAt[this.order[position] as number] as number;
  }

  /** How many calls sort before (start time, then id) the given one: where it is, or would be, in the order. */
  positionOf(startedAt: number, id: string): number {
    let position = this.lowerBound(startedAt);
    while (position < this.rows && this.startedAtOf(position) === startedAt && this.idOf(this.order[position] as number) < id) position += 1;
    return position;
  }

  /** Positions of the calls that match, newest first; with `below`, only those before that position. */
  *matching(query: CompiledQuery, below = Number.POSITIVE_INFINITY): Generator<number> {
    const test = this.compile(query);
    for (let position = Math.min(below, this.upperBound(query.to)) - 1; position >= 0; position -= 1) {
      const row = this.order[position] as number;
      if ((this.startedAt[row] as number) < query.from) return;
      if (test(row)) yield position;
    }
  }

  /** Keeps the calls from `position` of the start-time order on, the older ones go; the columns shrink to fit. */
  dropOldest(position: number): void {
    if (position <= 0) return;
    const kept: HistoryRecord[] = [];
    for (let p = position; p < this.rows; p += 1) kept.push(this.at(p));
    this.clear();
    this.bulk(kept);
    this.trim();
  }

  private clear(): void {
    this.rows = 0;
    this.capacity = 0;
    this.grow(0);
    this.channelId = [];
    this.channelName = [];
    this.extras.clear();
    this.rowOf.clear();
  }

  private rowById(id: string): number | undefined {
    const colon = id.indexOf(':');
    if (colon < 0) return undefined;
    const profile = this.strings.find(id.slice(0, colon));
    return profile === undefined ? undefined : this.rowOf.get(profile)?.get(id.slice(colon + 1));
  }

  private append(record: HistoryRecord): number {
    if (this.rows === this.capacity) this.grow(Math.max(1024, this.capacity * 2));
    const row = this.rows;
    this.rows += 1;
    this.write(row, record);
    const profile = this.str.profile[row] as number;
    let rows = this.rowOf.get(profile);
    if (!rows) this.rowOf.set(profile, (rows = new Map()));
    rows.set(this.channelId[row] as string, row);
    return row;
  }

  private write(row: number, record: HistoryRecord): void {
    const s = this.strings;
    this.str.profile[row] = s.id(record.profileId);
    this.str.callerName[row] = s.id(record.caller.name);
    this.str.callerNumber[row] = s.id(record.caller.number);
    this.str.bookName[row] = s.id(record.callerName);
    this.str.connectedName[row] = s.id(record.connected.name);
    this.str.connectedNumber[row] = s.id(record.connected.number);
    this.str.causeText[row] = record.causeText === null ? NO_STRING : s.id(record.causeText);
    this.startedAt[row] = record.startedAt;
    this.answeredAt[row] = record.answeredAt ?? Number.NaN;
    this.endedAt[row] = record.endedAt;
    this.ringMs[row] = record.ringMs;
    this.talkMs[row] = record.talkMs;
    this.totalMs[row] = record.totalMs;
    this.cause[row] = record.cause ?? Number.NaN;
    this.status[row] = STATUS_CODE.get(record.status) ?? 0;
    this.flags[row] = (record.direction === 'inbound' ? INBOUND : 0) | (record.approximate ? APPROXIMATE : 0);
    // The id is `<profileId>:<channelId>` by construction (common/history/record.ts), so it is not kept twice.
    this.channelId[row] = record.channelId;
    this.channelName[row] = record.channelName;
    if (record.transfers.length > 0 || record.parkedIn.length > 0) this.extras.set(row, { transfers: record.transfers, parkedIn: record.parkedIn });
    else this.extras.delete(row);
  }

  private record(row: number): HistoryRecord {
    const text = (column: StringColumn) => this.strings.value(this.str[column][row] as number);
    const profileId = text('profile');
    const channelId = this.channelId[row] as string;
    const extras = this.extras.get(row);
    const answeredAt = this.answeredAt[row] as number;
    const cause = this.cause[row] as number;
    const causeText = this.str.causeText[row] as number;
    const flags = this.flags[row] as number;
    return {
      id: `${profileId}:${channelId}`,
      profileId,
      channelId,
      channelName: this.channelName[row] as string,
      direction: flags & INBOUND ? 'inbound' : 'outbound',
      caller: { name: text('callerName'), number: text('callerNumber') },
      callerName: text('bookName'),
      connected: { name: text('connectedName'), number: text('connectedNumber') },
      startedAt: this.startedAt[row] as number,
      answeredAt: Number.isNaN(answeredAt) ? null : answeredAt,
      endedAt: this.endedAt[row] as number,
      ringMs: this.ringMs[row] as number,
      talkMs: this.talkMs[row] as number,
      totalMs: this.totalMs[row] as number,
      status: HISTORY_STATUSES[this.status[row] as number] as HistoryStatus,
      cause: Number.isNaN(cause) ? null : cause,
      causeText: causeText === NO_STRING ? null : this.strings.value(causeText),
      transfers: extras ? extras.transfers.map((transfer) => ({ ...transfer })) : [],
      parkedIn: extras ? [...extras.parkedIn] : [],
      approximate: (flags & APPROXIMATE) !== 0,
    };
  }

  /** The row test of a query (common/history/query.ts's `matches`, over columns). */
  private compile(query: CompiledQuery): (row: number) => boolean {
    const statuses = query.statuses ? new Set([...query.statuses].map((status) => STATUS_CODE.get(status))) : null;
    const inbound = query.direction === null ? null : query.direction === 'inbound';
    // A profile no call was kept for matches nothing (-2 is no intern index).
    const profile = query.profileId === null ? null : (this.strings.find(query.profileId) ?? -2);
    const numbers = ['callerNumber', 'connectedNumber'] as const;
    const texts = ['callerName', 'callerNumber', 'bookName', 'connectedName', 'connectedNumber'] as const;
    const digits = query.digits;
    const digitMarks = digits === null ? null : this.strings.mark((value) => digitsOf(value).includes(digits));
    const wordMarks = query.words.map((word) => this.strings.mark((value) => value.toLowerCase().includes(word)));
    return (row) => {
      if (statuses && !statuses.has(this.status[row])) return false;
      if (inbound !== null && ((this.flags[row] as number) & INBOUND) !== (inbound ? INBOUND : 0)) return false;
      if (profile !== null && this.str.profile[row] !== profile) return false;
      const extras = this.extras.get(row);
      if (digitMarks && digits !== null) {
        const hit = numbers.some((column) => digitMarks[this.str[column][row] as number] === 1) || (extras?.transfers.some((t) => digitsOf(t.target).includes(digits)) ?? false);
        if (!hit) return false;
      }
      for (let w = 0; w < wordMarks.length; w += 1) {
        const marks = wordMarks[w] as Uint8Array;
        const word = query.words[w] as string;
        if (texts.some((column) => marks[this.str[column][row] as number] === 1)) continue;
        const cause = this.str.causeText[row] as number;
        if (cause !== NO_STRING && marks[cause] === 1) continue;
        if ((this.channelName[row] as string).toLowerCase().includes(word)) continue;
        if (extras && extraTexts(extras).some((value) => value.includes(word))) continue;
        return false;
      }
      return true;
    };
  }

  private grow(capacity: number): void {
    const copy = <T extends Float64Array | Uint8Array | Int32Array>(from: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(from.subarray(0, Math.min(this.rows, capacity)));
      return next;
    };
    const f64 = (n: number) => new Float64Array(n);
    this.startedAt = copy(this.startedAt, f64);
    this.answeredAt = copy(this.answeredAt, f64);
    this.endedAt = copy(this.endedAt, f64);
    this.ringMs = copy(this.ringMs, f64);
    this.talkMs = copy(this.talkMs, f64);
    this.totalMs = copy(this.totalMs, f64);
    this.cause = copy(this.cause, f64);
    this.status = copy(this.status, (n) => new Uint8Array(n));
    this.flags = copy(this.flags, (n) => new Uint8Array(n));
    this.order = copy(this.order, (n) => new Int32Array(n));
    const str = emptyStrings(capacity);
    for (const column of STRING_COLUMNS) str[column].set(this.str[column].subarray(0, Math.min(this.rows, capacity)));
    this.str = str;
    this.capacity = capacity;
  }

  private compareRows(a: number, b: number): number {
    const byTime = (this.startedAt[a] as number) - (this.startedAt[b] as number);
    if (byTime !== 0) return byTime;
    const ia = this.idOf(a);
    const ib = this.idOf(b);
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  }

  private idOf(row: number): string {
    return `${this.strings.value(this.str.profile[row] as number)}:${this.channelId[row] as string}`;
  }

  /** Calls end roughly in start order: the insertion point is almost always at the end. */
  private insertInOrder(row: number): void {
    const filled = this.rows - 1;
    let at = filled;
    while (at > 0 && this.compareRows(this.order[at - 1] as number, row) > 0) at -= 1;
    this.order.copyWithin(at + 1, at, filled);
    this.order[at] = row;
  }

  private removeFromOrder(row: number): void {
    const at = this.order.subarray(0, this.rows).indexOf(row);
    this.order.copyWithin(at, at + 1, this.rows);
  }
}

function emptyStrings(capacity: number): Record<StringColumn, Int32Array> {
  return Object.fromEntries(STRING_COLUMNS.map((column) => [column, new Int32Array(capacity)])) as Record<StringColumn, Int32Array>;
}

function digitsOf(value: string): string {
  return value.replace(/[^0-9]/g, '');
}

function extraTexts(extras: Extras): string[] {
  return [...extras.transfers.map((transfer) => transfer.target.toLowerCase()), ...extras.parkedIn.map((slot) => `park ${slot}`)];
}
