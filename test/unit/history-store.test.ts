import { appendFile, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_CSV_HEADER, historyCsv, historyCsvRows } from '../../common/history/csv.js';
import { compileQuery, matches, searchKeys } from '../../common/history/query.js';
import { HISTORY_EXPORT_MAX_ROWS, historyExportRequestSchema, type HistoryQuery, type HistoryRecord, type HistoryStatus } from '../../common/history/types.js';
import { DEFAULT_SETTINGS, settingsFromUnknown, settingsPatchSchema } from '../../common/settings.js';
import { retentionOf } from '../../main/history/retention.js';
import { HistoryStore, SEGMENT_RECORDS } from '../../main/history/store.js';
import { workflowFacts } from '../../main/history/feed.js';
import type { WorkflowsView } from '../../common/workflow-contract.js';
import { DAY, historyRecord as record, T0 } from './history-fixtures.js';

/** Heap plus array buffers (typed arrays live outside the heap) after a full collection; gc exposed at run time, for the figures only. */
function settledHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'history-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the history store', () => {
  it('keeps calls across a restart, newest first', async () => {
    const first = new HistoryStore(dir);
    await first.load();
    await first.add([record(1), record(2)]);
    await first.add([record(3)]);
    const second = new HistoryStore(dir);
    expect((await second.load()).records).toBe(3);
    expect(second.query({}).items.map((r) => r.id)).toEqual([record(3).id, record(2).id, record(1).id]);
    expect(second.get(record(2).id)).toEqual(record(2));
  });

  it('keeps the last version of a call written twice, once', async () => {
    const store = new HistoryStore(dir);
    await store.load();
    await store.add([record(1)]);
    await store.add([record(1, { callerName: 'From the phonebook' })]);
    expect(store.size).toBe(1);
    const reloaded = new HistoryStore(dir);
    await reloaded.load();
    expect(reloaded.size).toBe(1);
    expect(reloaded.get(record(1).id)?.callerName).toBe('From the phonebook');
  });

  it('skips a torn last line and a hand-edited one, and appends cleanly after them', async () => {
    const store = new HistoryStore(dir);
    await store.load();
    await store.add([record(1), record(2)]);
    const [segment] = await readdir(dir);
    await appendFile(join(dir, segment as string), 'this is not json\n{"id":"half a rec');
    const reloaded = new HistoryStore(dir);
    const report = await reloaded.load();
    expect(report.records).toBe(2);
    expect(report.skippedLines).toBe(2);
    expect(report.problems).toEqual([`${segment}: dropped a torn last line (17 bytes of a write cut short)`, `${segment} line 3 is not a call record; skipped`]);
    await reloaded.add([record(3)]);
    const third = new HistoryStore(dir);
    expect((await third.load()).records).toBe(3);
    expect(third.get(record(3).id)).toEqual(record(3));
  });

  it('drops a record cut short by a crash, so the next append starts on a line of its own', async () => {
    const store = new HistoryStore(dir);
    await store.load();
    await store.add([record(1), record(2), record(3)]);
    const path = join(dir, 'calls-000001.jsonl');
    const whole = await readFile(path);
    // The crash hit in the middle of the third record's line.
    const cut = whole.length - Math.floor(JSON.stringify(record(3)).length / 2);
    await truncate(path, cut);
    const afterCrash = new HistoryStore(dir);
    const report = await afterCrash.load();
    expect(report.records).toBe(2);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/^calls-000001\.jsonl: dropped a torn last line/);
    // The torn bytes are gone from the file, not just skipped on every load.
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().split('\n').map((line) => (JSON.parse(line) as HistoryRecord).id)).toEqual([record(1).id, record(2).id]);
    await afterCrash.add([record(4)]);
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => (JSON.parse(line) as HistoryRecord).id)).toEqual([record(1).id, record(2).id, record(4).id]);
    expect(await new HistoryStore(dir).load()).toEqual({ records: 3, skippedLines: 0, problems: [], expired: 0 });
  });

  it('read-only (another console owns the folder): reads, but neither cuts the owner\'s half-written line nor appends', async () => {
    const owner = new HistoryStore(dir);
    await owner.load();
    await owner.add([record(1)]);
    const path = join(dir, 'calls-000001.jsonl');
    await appendFile(path, '{"id":"the owner is writing th');
    const before = await readFile(path, 'utf8');
    const reader = new HistoryStore(dir, { readOnly: 'Another ARI Console is using the data folder.' });
    expect((await reader.load()).records).toBe(1);
    await reader.add([record(2)]);
    expect(reader.size).toBe(2);
    expect(await readFile(path, 'utf8')).toBe(before);
    expect(await readdir(dir)).toEqual(['calls-000001.jsonl']);
  });

  it('starts a new segment file every SEGMENT_RECORDS calls', async () => {
    const store = new HistoryStore(dir);
    await store.load();
    const many = Array.from({ length: SEGMENT_RECORDS + 10 }, (_, i) => record(i));
    await store.add(many);
    expect((await readdir(dir)).sort()).toEqual(['calls-000001.jsonl', 'calls-000002.jsonl']);
    const tail = await readFile(join(dir, 'calls-000002.jsonl'), 'utf8');
    expect(tail.trim().split('\n')).toHaveLength(10);
  });

  it('searches text, numbers by digits, statuses, direction and date ranges', async () => {
    const store = new HistoryStore(null);
    await store.add(Array.from({ length: 200 }, (_, i) => record(i)));
    const alice = store.query({ text: 'alice example', limit: 1000 });
    expect(alice.total).toBe(Math.ceil(200 / 7));
    expect(alice.items.every((r) => r.caller.name === 'Alice Example')).toBe(true);
    // Spaces and a national format still find the number by its digits.
    expect(store.query({ text: '207 94 00042' }).items.map((r) => r.id)).toEqual([record(42).id]);
    const busy = store.query({ statuses: ['busy'], limit: 1000 });
    expect(busy.items.every((r) => r.status === 'busy')).toBe(true);
    expect(busy.total).toBe(40);
    const window = store.query({ from: record(10).startedAt, to: record(19).startedAt, direction: 'inbound', limit: 1000 });
    expect(window.items.map((r) => r.id)).toEqual(
      [19, 17, 16, 14, 13, 11, 10].map((i) => record(i).id),
    );
    expect(store.query({ text: 'park 701' }).total).toBe(Math.ceil(200 / 13));
    expect(store.query({ text: 'PJSIP/104', limit: 1000 }).items.some((r) => r.transfers.length > 0)).toBe(true);
  });

  it('answers every kind of query as common/history/query.ts\'s matches does, record by record', async () => {
    const records = Array.from({ length: 600 }, (_, i) =>
      record(i, {
        ...(i % 4 === 1 ? { id: `home:${1_700_000_000 + i}.${i}`, profileId: 'home' } : {}),
        ...(i % 9 === 0 ? { causeText: null, cause: null } : {}),
        ...(i % 5 === 0 ? { callerName: 'Bob From The Book', caller: { name: '', number: '0207 946 0018' } } : {}),
      }),
    );
    const store = new HistoryStore(null);
    await store.add(records.slice(0, 400));
    for (const one of records.slice(400)) await store.add([one]);
    // Replacing a call keeps one copy, with the new facts.
    await store.add([{ ...(records[7] as HistoryRecord), status: 'busy', startedAt: T0 - DAY }]);
    records[7] = { ...(records[7] as HistoryRecord), status: 'busy', startedAt: T0 - DAY };
    const queries: HistoryQuery[] = [
      { text: 'bob book' },
      { text: '7946 0018' },
      { text: 'no answer', profileId: 'home' },
      { text: 'pjsip/104' },
      { text: 'PARK 701', direction: 'outbound' },
      { text: 'caller 12', statuses: ['answered', 'failed'] },
      { profileId: 'nobody' },
      { profileId: 'home', from: record(100).startedAt, to: record(300).startedAt },
      { statuses: ['busy'], from: T0 - DAY, to: T0 },
      { text: '104', direction: 'inbound' },
    ];
    const newestFirst = [...records].sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
    const found: number[] = [];
    for (const query of queries) {
      const compiled = compileQuery(query);
      const expected = newestFirst.filter((r) => matches(r, searchKeys(r), compiled));
      const page = store.query({ ...query, limit: 1000 });
      expect({ query, ids: page.items.map((r) => r.id) }).toEqual({ query, ids: expected.map((r) => r.id) });
      expect(page.items).toEqual(expected);
      found.push(expected.length);
    }
    // Each query but the unknown profile finds something, so the comparison above is never of two empty lists.
    expect(found.map((n) => n > 0)).toEqual(queries.map((query) => query.profileId !== 'nobody'));
    expect(store.size).toBe(600);
  });

  it('pages newest first and counts every match', async () => {
    const store = new HistoryStore(null);
    await store.add(Array.from({ length: 50 }, (_, i) => record(i)));
    const page = store.query({ offset: 10, limit: 5 });
    expect(page.total).toBe(50);
    expect(page.items.map((r) => r.id)).toEqual([39, 38, 37, 36, 35].map((i) => record(i).id));
    // A date range alone takes a slice; it must agree with a plain filter, bounds included.
    const range = store.query({ from: record(10).startedAt, to: record(20).startedAt, offset: 2, limit: 4 });
    expect(range.total).toBe(11);
    expect(range.items.map((r) => r.id)).toEqual([18, 17, 16, 15].map((i) => record(i).id));
    expect(store.query({ from: record(48).startedAt, offset: 1, limit: 10 }).items.map((r) => r.id)).toEqual([record(48).id]);
    expect(store.query({ to: record(0).startedAt - 1 })).toEqual({ total: 0, items: [] });
    expect(store.query({ offset: 60 })).toEqual({ total: 50, items: [] });
  });

  it('keeps a call that ends while the history is still being read', async () => {
    const first = new HistoryStore(dir);
    await first.load();
    await first.add([record(1), record(2)]);
    const second = new HistoryStore(dir);
    const loading = second.load();
    await second.add([record(3)]);
    await loading;
    expect(second.size).toBe(3);
    await second.ready();
    expect(second.query({}).items.map((r) => r.id)).toEqual([3, 2, 1].map((i) => record(i).id));
  });

  it('exports what matches as CSV, header first', async () => {
    const store = new HistoryStore(null);
    await store.add([record(1), record(2), record(3)]);
    const { csv, count, next } = store.exportPage({ statuses: ['no-answer', 'busy'] }, () => 'T');
    expect(count).toBe(2);
    expect(next).toBeNull();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(HISTORY_CSV_HEADER.join(','));
    expect(lines).toHaveLength(3);
    expect(csv).toBe(historyCsv([record(2), record(1)], () => 'T'));
    // A caller's "+44…" would be a formula in a spreadsheet: it is quoted out.
    expect(lines[1]).toContain(`'+44`);
  });

  it('exports in pages that join into the one file, even while calls keep ending', async () => {
    const store = new HistoryStore(null);
    await store.add(Array.from({ length: 250 }, (_, i) => record(i)));
    // Two calls with the same start time: the cursor tells them apart by id.
    await store.add([record(1000, { startedAt: record(100).startedAt }), record(1001, { startedAt: record(100).startedAt })]);
    const query = { statuses: ['answered', 'busy', 'failed', 'unknown', 'no-answer'] as HistoryStatus[] };
    const whole = store.exportPage({ ...query, limit: HISTORY_EXPORT_MAX_ROWS }, () => 'T');
    expect(whole.count).toBe(252);
    const pages: string[] = [];
    let cursor: string | undefined;
    let first = true;
    do {
      const page = store.exportPage({ ...query, limit: 40, ...(cursor === undefined ? {} : { cursor }) }, () => 'T');
      pages.push(page.csv);
      expect(page.csv.startsWith(HISTORY_CSV_HEADER.join(','))).toBe(first);
      first = false;
      cursor = page.next ?? undefined;
      // A call that ends mid-export (newer than every row so far, and one older) changes no page still to come.
      if (pages.length === 2) await store.add([record(5000), record(5001, { startedAt: record(0).startedAt - 1 })]);
    } while (cursor !== undefined);
    expect(pages).toHaveLength(7);
    const joined = pages.join('');
    // Every call that was there when the export began, once, in order; the older newcomer lands at the end.
    expect(joined).toBe(whole.csv + historyCsvRows([record(5001, { startedAt: record(0).startedAt - 1 })], () => 'T'));
    // Same start time, different ids: both exported, neither twice.
    expect(joined.split(record(1000).channelName).length - 1).toBe(1);
    expect(joined.split(record(1001).channelName).length - 1).toBe(1);
  });

  it('refuses a cursor it did not give out, and the contract caps a page', async () => {
    const store = new HistoryStore(null);
    await store.add([record(1)]);
    expect(() => store.exportPage({ cursor: 'nonsense' })).toThrow(/export cursor/);
    expect(historyExportRequestSchema.safeParse({ limit: HISTORY_EXPORT_MAX_ROWS + 1 }).success).toBe(false);
    expect(historyExportRequestSchema.safeParse({ text: 'alice', cursor: '1|office:1', limit: 100 }).success).toBe(true);
  });

  it('holds 100,000 calls: all survive a restart and every query agrees with a plain filter', { timeout: 120_000 }, async () => {
    const N = 100_000;
    const all = Array.from({ length: N }, (_, i) => record(i));
    // Out of order, as calls from several profiles may end.
    const shuffled = [...all].sort((a, b) => ((a.startedAt * 7919) % 1009) - ((b.startedAt * 7919) % 1009));
    const store = new HistoryStore(dir);
    await store.load();
    for (let i = 0; i < N; i += 5_000) await store.add(shuffled.slice(i, i + 5_000));
    // A few single calls on top, as the live feed adds them.
    await store.add([record(N), record(N + 1)]);
    all.push(record(N), record(N + 1));

    // Heap figures for the log (bench territory: printed, never asserted).
    const before = settledHeap();
    const loadStart = performance.now();
    const reloaded = new HistoryStore(dir);
    const report = await reloaded.load();
    const loadMs = performance.now() - loadStart;
    const tableBytes = settledHeap() - before;
    const asObjects = all.map((r) => JSON.parse(JSON.stringify(r)) as HistoryRecord);
    const objectBytes = settledHeap() - before - tableBytes;
    console.log(
      `history figures: ${N + 2} calls in memory ≈ ${mb(tableBytes)} MB (heap + array buffers) as columns (the same records as objects ≈ ${mb(objectBytes)} MB); load ${Math.round(loadMs)} ms`,
    );
    asObjects.length = 0;
    expect(report).toEqual({ records: N + 2, skippedLines: 0, problems: [], expired: 0 });
    expect((await readdir(dir)).length).toBe(Math.ceil((N + 2) / SEGMENT_RECORDS));

    const newestFirst = [...all].sort((a, b) => b.startedAt - a.startedAt);
    const from = T0 + 20 * DAY;
    const to = T0 + 40 * DAY;
    const expected = newestFirst.filter((r) => r.startedAt >= from && r.startedAt <= to && r.status === 'answered' && r.caller.name === 'Alice Example');
    const page = reloaded.query({ text: 'Alice', from, to, statuses: ['answered'], limit: 1000 });
    expect(page.total).toBe(expected.length);
    expect(page.items.map((r) => r.id)).toEqual(expected.slice(0, 1000).map((r) => r.id));

    const last = reloaded.query({ offset: N - 3, limit: 10 });
    expect(last.total).toBe(N + 2);
    expect(last.items.map((r) => r.id)).toEqual(newestFirst.slice(N - 3).map((r) => r.id));

    const one = reloaded.query({ text: String(record(77_777).caller.number) });
    expect(one.items.map((r) => r.id)).toEqual([record(77_777).id]);
  });

  it('ignores files in its folder that are not segments', async () => {
    await writeFile(join(dir, 'notes.txt'), 'not history');
    const store = new HistoryStore(dir);
    expect((await store.load()).records).toBe(0);
  });
});

describe('how long the history keeps calls', () => {
  const NOW = T0 + 400 * DAY;
  const segments = async () => (await readdir(dir)).filter((name) => name.endsWith('.jsonl')).sort();
  const linesOnDisk = async () => {
    let lines: HistoryRecord[] = [];
    for (const name of await segments()) {
      const text = await readFile(join(dir, name), 'utf8');
      lines = lines.concat(text.trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line) as HistoryRecord));
    }
    return lines;
  };

  it('keeps the newest calls up to the count, compacting the files once over it by a margin', async () => {
    const store = new HistoryStore(dir, { retention: { maxCalls: 1000, maxDays: 0 }, now: () => NOW });
    await store.load();
    await store.add(Array.from({ length: 1000 }, (_, i) => record(i)));
    // 2 % over the limit is tolerated, so one call that ends does not rewrite the whole history.
    await store.add(Array.from({ length: 20 }, (_, i) => record(1000 + i)));
    expect(store.size).toBe(1020);
    await store.add([record(1020)]);
    expect(store.size).toBe(1000);
    expect(store.query({ limit: 1 }).items[0]?.id).toBe(record(1020).id);
    expect(store.query({ offset: 999, limit: 1 }).items[0]?.id).toBe(record(21).id);
    expect(store.get(record(20).id)).toBeUndefined();
    // The files hold exactly the calls kept, in a segment of their own; the old ones are gone.
    expect((await linesOnDisk()).map((r) => r.id)).toEqual(Array.from({ length: 1000 }, (_, i) => record(21 + i).id));
    expect(await segments()).toEqual(['calls-000002.jsonl']);
    // Appending carries on after the compaction, and a restart reads the same history.
    await store.add([record(1021)]);
    const reloaded = new HistoryStore(dir, { retention: { maxCalls: 1000, maxDays: 0 }, now: () => NOW });
    expect(await reloaded.load()).toEqual({ records: 1001, skippedLines: 0, problems: [], expired: 0 });
    expect(reloaded.query({ limit: 1 }).items[0]).toEqual(record(1021));
  });

  it('forgets calls older than the age limit, at load and when the setting changes', async () => {
    // One call a day for 400 days, the last one today.
    const daily = Array.from({ length: 400 }, (_, i) => record(i, { startedAt: NOW - (399 - i) * DAY }));
    const unlimited = new HistoryStore(dir);
    await unlimited.load();
    await unlimited.add(daily);

    const store = new HistoryStore(dir, { retention: { maxCalls: 100_000, maxDays: 365 }, now: () => NOW });
    const report = await store.load();
    expect(report.expired).toBe(34);
    expect(report.records).toBe(366);
    expect(store.query({ offset: 365, limit: 5 }).items.map((r) => r.startedAt)).toEqual([NOW - 365 * DAY]);
    expect((await linesOnDisk()).length).toBe(366);

    // The receptionist shortens it to 30 days: applied at once, exactly.
    expect(await store.setRetention({ maxCalls: 100_000, maxDays: 30 })).toBe(335);
    expect(store.size).toBe(31);
    expect((await linesOnDisk()).map((r) => r.startedAt)).toEqual(daily.slice(-31).map((r) => r.startedAt));
    // The count wins when it is the stricter limit; no age limit at all keeps what is left.
    expect(await store.setRetention({ maxCalls: 10, maxDays: 30 })).toBe(21);
    expect(await store.setRetention({ maxCalls: 1000, maxDays: 0 })).toBe(0);
    expect((await linesOnDisk()).map((r) => r.startedAt)).toEqual(daily.slice(-10).map((r) => r.startedAt));
  });

  it('comes from the settings: 100,000 calls and 365 days unless changed, bad values fall back', () => {
    expect(retentionOf(DEFAULT_SETTINGS)).toEqual({ maxCalls: 100_000, maxDays: 365 });
    expect(retentionOf(settingsFromUnknown({ historyMaxCalls: 5000, historyMaxDays: 0 }))).toEqual({ maxCalls: 5000, maxDays: 0 });
    expect(retentionOf(settingsFromUnknown({ historyMaxCalls: 5, historyMaxDays: 'forever' }))).toEqual({ maxCalls: 100_000, maxDays: 365 });
    expect(settingsPatchSchema.safeParse({ historyMaxDays: -1 }).success).toBe(false);
  });

  it('drops a compaction file a crash left unfinished, and keeps one copy of calls a crash left in both files', async () => {
    const store = new HistoryStore(dir);
    await store.load();
    await store.add([record(1), record(2), record(3)]);
    // As if a compaction crashed after writing its segment but before deleting the old one, and another mid-file.
    await writeFile(join(dir, 'calls-000002.jsonl'), `${JSON.stringify(record(2))}\n${JSON.stringify(record(3))}\n`);
    await writeFile(join(dir, 'calls-000003.jsonl.tmp'), '{"id":"half');
    const reloaded = new HistoryStore(dir, { retention: { maxCalls: 1000, maxDays: 0 }, now: () => NOW });
    expect(await reloaded.load()).toEqual({ records: 3, skippedLines: 0, problems: [], expired: 0 });
    expect((await readdir(dir)).sort()).toEqual(['calls-000001.jsonl', 'calls-000002.jsonl']);
  });
});

describe('what the workflows add to a record', () => {
  it('takes the finished transfers the call was the caller of, and the park slots it waited in', () => {
    const transfer = (id: string, callerId: string, outcome: { status: 'completed' | 'cancelled' | 'failed'; reason: string } | null, startedAt: number) =>
      ({ id, kind: 'blind', callerId, target: { endpoint: 'PJSIP/104', label: '104' }, outcome: outcome && { ...outcome, at: startedAt + 1 }, startedAt }) as unknown as WorkflowsView['transfers'][number];
    const view = {
      profileId: 'office',
      transfers: [transfer('t2', 'c1', { status: 'completed', reason: 'answered' }, 20), transfer('t1', 'c1', { status: 'failed', reason: 'busy' }, 10), transfer('t3', 'c1', null, 30), transfer('t4', 'c2', { status: 'completed', reason: 'answered' }, 5)],
      park: { config: {}, slots: [{ slot: 702, channelId: 'c1' }], recent: [{ slot: 701, channelId: 'c1' }, { slot: 703, channelId: 'c2' }] },
      snoops: [],
      snoopEnabled: false,
      operatorEndpoint: null,
    } as unknown as WorkflowsView;
    expect(workflowFacts(view, 'c1')).toEqual({
      transfers: [
        { kind: 'blind', target: '104', status: 'failed', reason: 'busy', at: 10 },
        { kind: 'blind', target: '104', status: 'completed', reason: 'answered', at: 20 },
      ],
      parkedIn: [701, 702],
    });
    expect(workflowFacts(view, 'nobody')).toEqual({ transfers: [], parkedIn: [] });
  });
});
