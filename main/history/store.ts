import { mkdir, open, readdir, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { historyCsv } from '../../common/history/csv.js';
import { compileQuery, matches, searchKeys, type SearchKeys } from '../../common/history/query.js';
import { historyRecordSchema, type HistoryPage, type HistoryQuery, type HistoryRecord } from '../../common/history/types.js';

/**
 * Call history on disk without a native module: append-only JSON-lines
 * segments (`calls-000001.jsonl`, …) plus an in-memory index sorted by start
 * time. Appending a line is the only write, so a crash can at worst leave one
 * half line at the end of the last segment — skipped (and counted) on the next
 * load, never fatal. A segment is closed after SEGMENT_RECORDS lines so no
 * single file grows without bound and a future retention policy can drop
 * whole old files. At 100,000 calls a query is one linear pass over
 * precomputed lowercase keys, narrowed by binary search on the date range.
 */

export const SEGMENT_RECORDS = 20_000;
const SEGMENT_NAME = /^calls-(\d{6})\.jsonl$/;

export interface HistoryLoadReport {
  readonly records: number;
  /** Lines that were not a valid record (a torn last write, a hand edit), skipped. */
  readonly skippedLines: number;
  readonly problems: readonly string[];
}

interface Entry {
  readonly record: HistoryRecord;
  readonly keys: SearchKeys;
}

export class HistoryStore {
  /** Sorted by startedAt ascending (then id), so date ranges are a binary search. */
  private entries: Entry[] = [];
  private readonly byId = new Map<string, Entry>();
  private segment = 0;
  private segmentLines = 0;
  /** Bytes of whole lines in the current segment: where a failed append is cut back to. */
  private segmentBytes = 0;
  private queue: Promise<void> = Promise.resolve();
  private loaded: HistoryLoadReport = { records: 0, skippedLines: 0, problems: [] };
  private loading: Promise<HistoryLoadReport> | null = null;

  /** `dir` null: history for this run only (tests, a host without a data folder). */
  constructor(private readonly dir: string | null) {}

  /**
   * Reads the segments once (later calls share the first read). Main starts
   * it without waiting, so a long history never delays the console's start;
   * `add` and `ready` wait for it, so nothing added meanwhile is lost.
   */
  load(): Promise<HistoryLoadReport> {
    this.loading ??= this.read();
    return this.loading;
  }

  /** Resolves once the history on disk is in memory (at once for a store never loaded). */
  async ready(): Promise<void> {
    if (this.loading) await this.loading.catch(() => undefined);
  }

  private async read(): Promise<HistoryLoadReport> {
    if (!this.dir) return this.loaded;
    await mkdir(this.dir, { recursive: true });
    const names = (await readdir(this.dir)).filter((name) => SEGMENT_NAME.test(name)).sort();
    const problems: string[] = [];
    let skipped = 0;
    const all: Entry[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      let bytes = await readFile(path);
      // A file not ending in a newline lost its last write half-way (a crash, a full disk): that torn
      // line is no record, so cut it off; the next append then starts on a line of its own.
      const end = bytes.lastIndexOf(0x0a) + 1;
      if (end < bytes.length) {
        skipped += 1;
        problems.push(`${name}: dropped a torn last line (${bytes.length - end} bytes of a write cut short)`);
        await truncate(path, end);
        bytes = bytes.subarray(0, end);
      }
      const lines = bytes.toString('utf8').split('\n');
      let lineNo = 0;
      let kept = 0;
      for (const line of lines) {
        lineNo += 1;
        if (line.trim() === '') continue;
        kept += 1;
        const record = parseLine(line);
        if (record) all.push({ record, keys: searchKeys(record) });
        else {
          skipped += 1;
          if (problems.length < 5) problems.push(`${name} line ${lineNo} is not a call record; skipped`);
        }
      }
      this.segment = Number(SEGMENT_NAME.exec(name)?.[1] ?? 0);
      this.segmentLines = kept;
      this.segmentBytes = end;
    }
    // The same call written twice (a retry after a crash) keeps its last version.
    for (const entry of all) this.byId.set(entry.record.id, entry);
    this.entries = [...this.byId.values()].sort(compareEntries);
    this.loaded = { records: this.entries.length, skippedLines: skipped, problems };
    return this.loaded;
  }

  get size(): number {
    return this.entries.length;
  }

  lastLoad(): HistoryLoadReport {
    return this.loaded;
  }

  /** Appends calls; a call already kept (same id) is replaced in memory and on the next load. */
  async add(records: readonly HistoryRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.ready();
    if (records.length > 32) {
      // A bulk add (an import, a test) sorts once rather than inserting one by one.
      for (const record of records) this.byId.set(record.id, { record, keys: searchKeys(record) });
      this.entries = [...this.byId.values()].sort(compareEntries);
    } else {
      for (const record of records) this.index(record);
    }
    if (!this.dir) return;
    const dir = this.dir;
    // One writer at a time: lines from two adds never interleave.
    const write = this.queue.then(async () => {
      let rest = records;
      while (rest.length > 0) {
        if (this.segment === 0 || this.segmentLines >= SEGMENT_RECORDS) {
          this.segment += 1;
          this.segmentLines = 0;
        }
        const room = SEGMENT_RECORDS - this.segmentLines;
        const chunk = rest.slice(0, room);
        rest = rest.slice(room);
        const path = join(dir, `calls-${String(this.segment).padStart(6, '0')}.jsonl`);
        if (this.segmentLines === 0) this.segmentBytes = 0;
        const text = Buffer.from(chunk.map((record) => `${JSON.stringify(record)}\n`).join(''));
        this.segmentBytes = await appendWhole(path, text, this.segmentBytes);
        this.segmentLines += chunk.length;
      }
    });
    this.queue = write.catch(() => undefined);
    await write;
  }

  get(id: string): HistoryRecord | undefined {
    return this.byId.get(id)?.record;
  }

  /** Matching calls, newest first, one page of them, and how many match in all. */
  query(query: HistoryQuery): HistoryPage & { items: HistoryRecord[] } {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    const compiled = compileQuery(query);
    if (compiled.words.length === 0 && compiled.digits === null && !compiled.statuses && !compiled.direction && !compiled.profileId) {
      // Only a date range (the list as it opens): a slice, no pass over every call.
      const hi = upperBound(this.entries, compiled.to);
      const lo = Math.min(hi, upperBound(this.entries, compiled.from - 1));
      const end = Math.max(lo, hi - offset);
      const items = this.entries.slice(Math.max(lo, end - limit), end).reverse().map((entry) => entry.record);
      return { total: hi - lo, items };
    }
    const items: HistoryRecord[] = [];
    let total = 0;
    for (const entry of this.matching(query)) {
      if (total >= offset && items.length < limit) items.push(entry.record);
      total += 1;
    }
    return { total, items };
  }

  /** Every matching call as CSV, newest first (common/history/csv.ts). */
  exportCsv(query: HistoryQuery, time?: (ms: number) => string): { csv: string; count: number } {
    const records = [...this.matching(query)].map((entry) => entry.record);
    return { csv: historyCsv(records, time), count: records.length };
  }

  /** Bytes on disk, for the settings screen. */
  async diskBytes(): Promise<number> {
    if (!this.dir) return 0;
    let bytes = 0;
    for (const name of await readdir(this.dir)) if (SEGMENT_NAME.test(name)) bytes += (await stat(join(this.dir, name))).size;
    return bytes;
  }

  private *matching(query: HistoryQuery): Generator<Entry> {
    const compiled = compileQuery(query);
    // Newest first: walk down from the last entry that starts no later than `to`.
    let i = upperBound(this.entries, compiled.to) - 1;
    for (; i >= 0; i -= 1) {
      const entry = this.entries[i] as Entry;
      if (entry.record.startedAt < compiled.from) break;
      if (matches(entry.record, entry.keys, compiled)) yield entry;
    }
  }

  private index(record: HistoryRecord): void {
    const entry: Entry = { record, keys: searchKeys(record) };
    const previous = this.byId.get(record.id);
    if (previous) this.entries.splice(this.entries.indexOf(previous), 1);
    this.byId.set(record.id, entry);
    // Calls end roughly in start order: the insertion point is almost always at the end.
    let at = this.entries.length;
    while (at > 0 && compareEntries(this.entries[at - 1] as Entry, entry) > 0) at -= 1;
    this.entries.splice(at, 0, entry);
  }
}

/**
 * Appends `text` (whole lines, ending in a newline) in one write. If the write
 * fails or comes up short, the file is cut back to `good` bytes, so a later
 * append never continues a half-written line. Returns the new length.
 */
async function appendWhole(path: string, text: Buffer, good: number): Promise<number> {
  const handle = await open(path, 'a');
  try {
    const { bytesWritten } = await handle.write(text, 0, text.length);
    if (bytesWritten !== text.length) throw new Error(`only ${bytesWritten} of ${text.length} bytes reached ${path}`);
    return good + text.length;
  } catch (error) {
    await handle.truncate(good).catch(() => undefined);
    throw error;
  } finally {
    await handle.close();
  }
}

function parseLine(line: string): HistoryRecord | null {
  try {
    const parsed = historyRecordSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function compareEntries(a: Entry, b: Entry): number {
  return a.record.startedAt - b.record.startedAt || (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0);
}

/** Index of the first entry starting after `time`. */
function upperBound(entries: readonly Entry[], time: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as Entry).record.startedAt <= time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
