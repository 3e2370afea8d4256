import { readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Settings } from '../../common/settings.js';
import type { HistoryTable } from './table.js';

/**
 * How long call history is kept (the settings' historyMaxCalls and
 * historyMaxDays), and the compaction that enforces it: the calls that stay
 * are written to new segment files and the old files deleted, so the folder
 * shrinks with the history instead of only ever growing.
 */

export interface HistoryRetention {
  /** At most this many calls; the oldest go first. */
  readonly maxCalls: number;
  /** Calls that started more than this many days ago go; 0: no age limit. */
  readonly maxDays: number;
}

export const DAY_MS = 86_400_000;

export function retentionOf(settings: Pick<Settings, 'historyMaxCalls' | 'historyMaxDays'>): HistoryRetention {
  return { maxCalls: settings.historyMaxCalls, maxDays: settings.historyMaxDays };
}

/**
 * How many of the oldest calls to drop, 0 for none. Rewriting 100,000 calls
 * after every call that ends would be absurd, so outside `now` (a load, a
 * changed setting) the history may run over by a little — 2 % of its count,
 * or a day past its age — and is then cut back to the limit exactly.
 */
export function retentionCut(table: Pick<HistoryTable, 'size' | 'lowerBound' | 'startedAtOf'>, retention: HistoryRetention, now: number, exact: boolean): number {
  if (table.size === 0) return 0;
  const byCount = Math.max(0, table.size - retention.maxCalls);
  const cutoff = retention.maxDays > 0 ? now - retention.maxDays * DAY_MS : Number.NEGATIVE_INFINITY;
  const byAge = table.lowerBound(cutoff);
  const cut = Math.max(byCount, byAge);
  if (exact) return cut;
  const overCount = byCount > Math.max(1, Math.ceil(retention.maxCalls / 50));
  const overAge = table.startedAtOf(0) < cutoff - DAY_MS;
  return overCount || overAge ? cut : 0;
}

export const SEGMENT_NAME = /^calls-(\d{6})\.jsonl$/;
/** A compaction's file before it is renamed into place; one left by a crash is deleted at the next load. */
export const PARTIAL_SEGMENT = /^calls-\d{6}\.jsonl\.tmp$/;

export function segmentName(segment: number): string {
  return `calls-${String(segment).padStart(6, '0')}.jsonl`;
}

/**
 * Writes every call of `table` (start-time order) into new segments numbered
 * from `first`, each renamed into place once whole, then deletes the segments
 * that were there before. A crash half-way leaves old and new side by side:
 * the load keeps one copy of each call (the newer file wins) and compacts
 * again. Returns the last segment written and its line count and bytes.
 */
export async function rewriteSegments(dir: string, table: HistoryTable, first: number, perSegment: number): Promise<{ segment: number; lines: number; bytes: number }> {
  const before = (await readdir(dir)).filter((name) => SEGMENT_NAME.test(name));
  let segment = first - 1;
  let lines = 0;
  let bytes = 0;
  for (let start = 0; start < table.size; start += perSegment) {
    segment += 1;
    const parts: string[] = [];
    for (let position = start; position < Math.min(table.size, start + perSegment); position += 1) parts.push(`${JSON.stringify(table.at(position))}\n`);
    const text = Buffer.from(parts.join(''));
    const path = join(dir, segmentName(segment));
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
    lines = parts.length;
    bytes = text.length;
  }
  const kept = new Set(Array.from({ length: segment - first + 1 }, (_, i) => segmentName(first + i)));
  for (const name of before) if (!kept.has(name)) await unlink(join(dir, name)).catch(() => undefined);
  // Nothing kept: the next append opens a fresh segment after the last number used.
  return table.size === 0 ? { segment: first - 1, lines: 0, bytes: 0 } : { segment, lines, bytes };
}
