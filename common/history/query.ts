import { looksLikeNumber } from '../phonebook/normalize.js';
import type { HistoryQuery, HistoryRecord, HistoryStatus } from './types.js';

/**
 * History search as pure functions over records, so the store (main) and the
 * tests share one meaning of "matches". The store keeps, per record, the
 * lowercase text and the digits it searches (`searchKeys`), built once.
 */

export interface SearchKeys {
  readonly text: string;
  readonly digits: string;
}

export function searchKeys(record: HistoryRecord): SearchKeys {
  const text = [
    record.caller.name,
    record.caller.number,
    record.callerName,
    record.connected.name,
    record.connected.number,
    record.channelName,
    record.causeText ?? '',
    ...record.transfers.map((transfer) => transfer.target),
    ...record.parkedIn.map((slot) => `park ${slot}`),
  ]
    .join('\u0001')
    .toLowerCase();
  const digits = [record.caller.number, record.connected.number, ...record.transfers.map((transfer) => transfer.target)]
    .map((value) => value.replace(/[^0-9]/g, ''))
    .join('\u0001');
  return { text, digits };
}

export interface CompiledQuery {
  readonly words: readonly string[];
  readonly digits: string | null;
  readonly from: number;
  readonly to: number;
  readonly statuses: ReadonlySet<HistoryStatus> | null;
  readonly direction: HistoryRecord['direction'] | null;
  readonly profileId: string | null;
}

export function compileQuery(query: HistoryQuery): CompiledQuery {
  const text = (query.text ?? '').trim();
  const numeric = text !== '' && looksLikeNumber(text);
  return {
    words: numeric ? [] : text.toLowerCase().split(/\s+/).filter(Boolean),
    digits: numeric ? text.replace(/[^0-9]/g, '') : null,
    from: query.from ?? Number.NEGATIVE_INFINITY,
    to: query.to ?? Number.POSITIVE_INFINITY,
    statuses: query.statuses && query.statuses.length > 0 ? new Set(query.statuses) : null,
    direction: query.direction ?? null,
    profileId: query.profileId ?? null,
  };
}

export function matches(record: HistoryRecord, keys: SearchKeys, query: CompiledQuery): boolean {
  if (record.startedAt < query.from || record.startedAt > query.to) return false;
  if (query.statuses && !query.statuses.has(record.status)) return false;
  if (query.direction && record.direction !== query.direction) return false;
  if (query.profileId && record.profileId !== query.profileId) return false;
  if (query.digits !== null && !keys.digits.includes(query.digits)) return false;
  for (const word of query.words) if (!keys.text.includes(word)) return false;
  return true;
}
