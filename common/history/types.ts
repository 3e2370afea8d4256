import { z } from 'zod';

/**
 * One finished call as the history keeps it: the call report of the
 * channel (common/model/report.ts) plus who was on it and what the console
 * did with it. Stored as one JSON line per call (main/history/store.ts).
 */

export const HISTORY_STATUSES = ['answered', 'no-answer', 'busy', 'failed', 'unknown'] as const;
export type HistoryStatus = (typeof HISTORY_STATUSES)[number];

const party = z.object({ name: z.string(), number: z.string() }).strict();

export const historyTransferSchema = z
  .object({
    kind: z.enum(['blind', 'attended', 'pickup', 'dial']),
    target: z.string(),
    status: z.enum(['completed', 'cancelled', 'failed']),
    reason: z.string(),
    at: z.number(),
  })
  .strict();

export const historyRecordSchema = z
  .object({
    /** `<profileId>:<channelId>`: unique, and the same if a call is recorded twice. */
    id: z.string(),
    profileId: z.string(),
    channelId: z.string(),
    channelName: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    caller: party,
    /** The phonebook's name for the caller's number when the PBX sent none. */
    callerName: z.string(),
    connected: party,
    startedAt: z.number(),
    answeredAt: z.number().nullable(),
    endedAt: z.number(),
    ringMs: z.number(),
    talkMs: z.number(),
    totalMs: z.number(),
    status: z.enum(HISTORY_STATUSES),
    cause: z.number().nullable(),
    causeText: z.string().nullable(),
    transfers: z.array(historyTransferSchema),
    /** Park slots the call waited in. */
    parkedIn: z.array(z.number()),
    /** Durations rest on a time the console did not see directly. */
    approximate: z.boolean(),
  })
  .strict();

export type HistoryRecord = z.output<typeof historyRecordSchema>;
export type HistoryTransfer = z.output<typeof historyTransferSchema>;

export const historyQuerySchema = z
  .object({
    /** Words (all must match) over names, numbers and transfer targets; a number matches by its digits. */
    text: z.string().max(200).optional(),
    /** Start time bounds, milliseconds since the epoch, inclusive. */
    from: z.number().int().nonnegative().optional(),
    to: z.number().int().nonnegative().optional(),
    statuses: z.array(z.enum(HISTORY_STATUSES)).max(HISTORY_STATUSES.length).optional(),
    direction: z.enum(['inbound', 'outbound']).optional(),
    profileId: z.string().max(64).optional(),
    offset: z.number().int().min(0).max(10_000_000).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict();

export type HistoryQuery = z.output<typeof historyQuerySchema>;

/** Rows per export page at most: a page of CSV stays around a megabyte, far below any IPC or WebSocket limit. */
export const HISTORY_EXPORT_MAX_ROWS = 5000;

/**
 * An export comes in pages: the first (no cursor) starts with the CSV header,
 * each answers `next` to pass back for the one after, null after the last.
 * A cursor (not an offset) marks where a page ended, so calls that end during
 * the export neither repeat a row nor push one out.
 */
export const historyExportRequestSchema = historyQuerySchema
  .extend({
    cursor: z.string().max(300).optional(),
    limit: z.number().int().min(1).max(HISTORY_EXPORT_MAX_ROWS).optional(),
  })
  .strict();

export type HistoryExportRequest = z.output<typeof historyExportRequestSchema>;

export const historyExportPageSchema = z
  .object({
    /** CSV text of this page: header first on the first page, every row ending in CRLF. */
    csv: z.string(),
    /** Rows in this page. */
    count: z.number(),
    next: z.string().nullable(),
  })
  .strict();

export type HistoryExportPage = z.output<typeof historyExportPageSchema>;

export const historyPageSchema = z
  .object({
    /** All records that match, of which `items` is one page, newest first. */
    total: z.number(),
    items: z.array(historyRecordSchema),
    /** The history on disk is still being read (at start): what is here is only what ended since. */
    loading: z.boolean().optional(),
    /** Another console owns the data folder: why this one keeps new calls for this run only. */
    readOnly: z.string().optional(),
  })
  .strict();

export type HistoryPage = z.output<typeof historyPageSchema>;

/** The name to show for the caller: the PBX's, else the phonebook's, else the number. */
export function callerLabel(record: Pick<HistoryRecord, 'caller' | 'callerName'>): string {
  return record.caller.name || record.callerName || record.caller.number || 'unknown';
}
