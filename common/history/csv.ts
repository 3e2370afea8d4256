import { callerLabel, type HistoryRecord } from './types.js';

/**
 * History as CSV for a spreadsheet: RFC 4180 (CRLF rows, fields quoted when
 * they hold a comma, quote or line break, quotes doubled) and safe to open in
 * Excel or LibreOffice: a cell starting with =, +, -, @ (or tab / CR) would be
 * run as a formula, so it gets a leading apostrophe (OWASP's advice). A
 * caller's "+44…" number keeps its digits; only the spreadsheet's reading
 * changes.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(cells: readonly (string | number | null | undefined)[]): string {
  return cells.map(csvCell).join(',');
}

export const HISTORY_CSV_HEADER = [
  'Start',
  'Answered',
  'End',
  'Direction',
  'Caller number',
  'Caller name',
  'Connected number',
  'Connected name',
  'Status',
  'Cause',
  'Ring (s)',
  'Talk (s)',
  'Total (s)',
  'Transfers',
  'Parked in',
  'Channel',
] as const;

/** "2026-11-23 09:48:13" in the machine's local time: what a spreadsheet reads as a date. */
export function localTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export function historyCsvLine(record: HistoryRecord, time: (ms: number) => string = localTimestamp): string {
  return csvRow([
    time(record.startedAt),
    record.answeredAt === null ? '' : time(record.answeredAt),
    time(record.endedAt),
    record.direction,
    record.caller.number,
    callerLabel(record) === record.caller.number ? '' : callerLabel(record),
    record.connected.number,
    record.connected.name,
    record.status,
    record.causeText ?? (record.cause === null ? '' : String(record.cause)),
    seconds(record.ringMs),
    seconds(record.talkMs),
    seconds(record.totalMs),
    record.transfers.map((transfer) => `${transfer.kind} to ${transfer.target}: ${transfer.status}${transfer.reason ? ` (${transfer.reason})` : ''}`).join('; '),
    record.parkedIn.join(' '),
    record.channelName,
  ]);
}

/** The whole file, header first, CRLF line ends, ending with one. */
export function historyCsv(records: Iterable<HistoryRecord>, time?: (ms: number) => string): string {
  return `${csvRow(HISTORY_CSV_HEADER)}\r\n${historyCsvRows(records, time)}`;
}

/** Rows without the header, each ending in CRLF: pages of an export, joined, are one file. */
export function historyCsvRows(records: Iterable<HistoryRecord>, time?: (ms: number) => string): string {
  let text = '';
  for (const record of records) text += `${historyCsvLine(record, time)}\r\n`;
  return text;
}
