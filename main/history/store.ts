import { mkdir, open, readdir, readFile, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConsoleError } from '../../common/errors.js';
import { historyCsv, historyCsvRows } from '../../common/history/csv.js';
import { compileQuery } from '../../common/history/query.js';
import {
  HISTORY_EXPORT_MAX_ROWS,
  historyRecordSchema,
  type HistoryExportPage,
  type HistoryExportRequest,
  type HistoryPage,
  type HistoryQuery,
  type HistoryRecord,
} from '../../common/history/types.js';
import { PARTIAL_SEGMENT, retentionCut, rewriteSegments, SEGMENT_NAME, segmentName, type HistoryRetention } from './retention.js';
import { HistoryTable } from './table.js';

/**
 * Call history on disk without a native module: append-only JSON-lines
 * segments (`calls-000001.jsonl`, …) plus an in-memory index sorted by start
 * time. Appending a line is the only write, so a crash can at worst leave one
 * half line at the end of the last segment — skipped (and counted) on the next
 * load, never fatal. A segment is closed after SEGMENT_RECORDS lines so no
 * single file grows without bound and a future retention policy can drop
 * whole old files. In memory the calls are columns (main/history/table.ts):
 * 100,000 of them take a few tens of MB, not the ≈170 MB the same records
 * take as objects. A query is one pass over the rows narrowed by binary
 * search on the date range; text is matched once per distinct string.
 */

export const SEGMENT_RECORDS = 20_000;

export interface HistoryLoadReport {
  readonly records: number;
  /** Lines that were not a valid record (a torn last write, a hand edit), skipped. */
  readonly skippedLines: number;
  readonly problems: readonly string[];
  /** Calls past the retention (count or age) that the load dropped. */
  readonly expired: number;
}

export interface HistoryStoreOptions {
  /** How much history to keep; without one, every call is kept. */
  readonly retention?: HistoryRetention;
  /** The clock the age limit reads (tests set it). */
  readonly now?: () => number;
  /**
   * Another console owns the folder (main/data-lock.ts): read what is there,
   * keep this run's calls in memory, and never write (nor cut a torn line
   * the owner may be finishing). The sentence says why, for the UI.
   */
  readonly readOnly?: string | null;
}

export class HistoryStore {
  private table = new HistoryTable();
  private segment = 0;
  private segmentLines = 0;
  /** Bytes of whole lines in the current segment: where a failed append is cut back to. */
  private segmentBytes = 0;
  private queue: Promise<void> = Promise.resolve();
  private loaded: HistoryLoadReport = { records: 0, skippedLines: 0, problems: [], expired: 0 };
  private loading: Promise<HistoryLoadReport> | null = null;
  /** Between load() and the end of the read. */
  private reading = false;
  private retention: HistoryRetention | null;
  private readonly now: () => number;
  readonly readOnly: string | null;

  /** `dir` null: history for this run only (tests, a host without a data folder). */
  constructor(
    private readonly dir: string | null,
    options: HistoryStoreOptions = {},
  ) {
    this.retention = options.retention ?? null;
    this.now = options.now ?? Date.now;
    this.readOnly = options.readOnly ?? null;
  }

  /**
   * A new retention (the settings changed): applied at once, exactly, after
   * the load. Resolves with how many calls it dropped.
   */
  async setRetention(retention: HistoryRetention): Promise<number> {
    this.retention = retention;
    await this.ready();
    return this.expire(true);
  }

  /**
   * Reads the segments once (later calls share the first read). Main starts
   * it without waiting, so a long history never delays the console's start;
   * `add` and `ready` wait for it, so nothing added meanwhile is lost.
   */
  load(): Promise<HistoryLoadReport> {
    if (!this.loading) {
      this.reading = true;
      this.loading = this.read().finally(() => {
        this.reading = false;
      });
    }
    return this.loading;
  }

  /** Resolves once the history on disk is in memory (at once for a store never loaded). */
  async ready(): Promise<void> {
    if (this.loading) await this.loading.catch(() => undefined);
  }

  private async read(): Promise<HistoryLoadReport> {
    if (!this.dir) return this.loaded;
    await mkdir(this.dir, { recursive: true });
    const all = await readdir(this.dir);
    // A compaction that a crash interrupted: its unfinished file is not history (the old segments still are).
    if (!this.readOnly) for (const name of all) if (PARTIAL_SEGMENT.test(name)) await unlink(join(this.dir, name)).catch(() => undefined);
    const names = all.filter((name) => SEGMENT_NAME.test(name)).sort();
    const problems: string[] = [];
    let skipped = 0;
    // Rows go straight into the table, never all records as objects at once.
    const table = new HistoryTable();
    for (const name of names) {
      const path = join(this.dir, name);
      let bytes = await readFile(path);
      // A file not ending in a newline lost its last write half-way (a crash, a full disk): that torn
      // line is no record, so cut it off; the next append then starts on a line of its own.
      const end = bytes.lastIndexOf(0x0a) + 1;
      if (end < bytes.length) {
        skipped += 1;
        problems.push(`${name}: dropped a torn last line (${bytes.length - end} bytes of a write cut short)`);
        if (!this.readOnly) await truncate(path, end);
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
        // The same call written twice (a retry after a crash) keeps its last version.
        if (record) table.put(record);
        else {
          skipped += 1;
          if (problems.length < 5) problems.push(`${name} line ${lineNo} is not a call record; skipped`);
        }
      }
      this.segment = Number(SEGMENT_NAME.exec(name)?.[1] ?? 0);
      this.segmentLines = kept;
      this.segmentBytes = end;
    }
    table.reorder();
    table.trim();
    this.table = table;
    const expired = await this.expire(false);
    this.loaded = { records: table.size, skippedLines: skipped, problems, expired };
    return this.loaded;
  }

  get size(): number {
    return this.table.size;
  }

  lastLoad(): HistoryLoadReport {
    return this.loaded;
  }

  /** Appends calls; a call already kept (same id) is replaced in memory and on the next load. */
  async add(records: readonly HistoryRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.ready();
    // A bulk add (an import, a test) sorts once rather than inserting one by one.
    if (records.length > 32) this.table.bulk(records);
    else for (const record of records) this.table.upsert(record);
    if (!this.dir || this.readOnly) return;
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
        const path = join(dir, segmentName(this.segment));
        if (this.segmentLines === 0) this.segmentBytes = 0;
        const text = Buffer.from(chunk.map((record) => `${JSON.stringify(record)}\n`).join(''));
        this.segmentBytes = await appendWhole(path, text, this.segmentBytes);
        this.segmentLines += chunk.length;
      }
    });
    this.queue = write.catch(() => undefined);
    await write;
    await this.expire(false);
  }

  /**
   * Drops the calls past the retention from memory and, through the write
   * queue (after every append before it), compacts the files to the calls
   * that stay. `exact`: cut to the limit now, not only once over it by a margin.
   */
  private async expire(exact: boolean): Promise<number> {
    if (!this.retention) return 0;
    const cut = retentionCut(this.table, this.retention, this.now(), exact);
    if (cut === 0) return 0;
    this.table.dropOldest(cut);
    if (!this.dir || this.readOnly) return cut;
    const dir = this.dir;
    const compact = this.queue.then(async () => {
      const last = await rewriteSegments(dir, this.table, this.segment + 1, SEGMENT_RECORDS);
      this.segment = last.segment;
      this.segmentLines = last.lines;
      this.segmentBytes = last.bytes;
    });
    this.queue = compact.catch(() => undefined);
    await compact;
    return cut;
  }

  get(id: string): HistoryRecord | undefined {
    return this.table.get(id);
  }

  /** What a page of results should say besides the calls: still reading the disk, or read-only. */
  state(): Pick<HistoryPage, 'loading' | 'readOnly'> {
    return { ...(this.reading ? { loading: true } : {}), ...(this.readOnly ? { readOnly: this.readOnly } : {}) };
  }

  /** Matching calls, newest first, one page of them, and how many match in all. */
  query(query: HistoryQuery): { total: number; items: HistoryRecord[] } {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    const compiled = compileQuery(query);
    if (compiled.words.length === 0 && compiled.digits === null && !compiled.statuses && !compiled.direction && !compiled.profileId) {
      // Only a date range (the list as it opens): a slice, no pass over every call.
      const hi = this.table.upperBound(compiled.to);
      const lo = Math.min(hi, this.table.upperBound(compiled.from - 1));
      const end = Math.max(lo, hi - offset);
      const items: HistoryRecord[] = [];
      for (let position = end - 1; position >= Math.max(lo, end - limit); position -= 1) items.push(this.table.at(position));
      return { total: hi - lo, items };
    }
    const items: HistoryRecord[] = [];
    let total = 0;
    for (const position of this.table.matching(compiled)) {
      if (total >= offset && items.length < limit) items.push(this.table.at(position));
      total += 1;
    }
    return { total, items };
  }

  /**
   * One page of the matching calls as CSV, newest first (common/history/csv.ts):
   * the header on the first page, and a cursor to the next page or null.
   */
  exportPage(request: Pick<HistoryExportRequest, keyof HistoryQuery | 'cursor'>, time?: (ms: number) => string): HistoryExportPage {
    const limit = request.limit ?? HISTORY_EXPORT_MAX_ROWS;
    const below = request.cursor === undefined ? Number.POSITIVE_INFINITY : this.cursorPosition(request.cursor);
    const records: HistoryRecord[] = [];
    let more = false;
    for (const position of this.table.matching(compileQuery(request), below)) {
      if (records.length === limit) {
        more = true;
        break;
      }
      records.push(this.table.at(position));
    }
    const last = records.at(-1);
    const rows = historyCsvRows(records, time);
    return {
      csv: request.cursor === undefined ? historyCsv([], time) + rows : rows,
      count: records.length,
      next: more && last ? `${last.startedAt}|${last.id}` : null,
    };
  }

  private cursorPosition(cursor: string): number {
    const bar = cursor.indexOf('|');
    const startedAt = Number(cursor.slice(0, bar));
    if (bar < 1 || !Number.isFinite(startedAt)) throw new ConsoleError('invalid_request', 'That export cursor is not one this console gave out; start the export again.');
    return this.table.positionOf(startedAt, cursor.slice(bar + 1));
  }

  /** Bytes on disk, for the settings screen. */
  async diskBytes(): Promise<number> {
    if (!this.dir) return 0;
    let bytes = 0;
    for (const name of await readdir(this.dir)) if (SEGMENT_NAME.test(name)) bytes += (await stat(join(this.dir, name))).size;
    return bytes;
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
