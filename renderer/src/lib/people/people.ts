import type { Verdict } from '../../../../common/bridge-rules.js';
import { HISTORY_STATUSES, type HistoryQuery, type HistoryStatus } from '../../../../common/history/types.js';
import type { CallModel, ChannelView } from '../../../../common/model/index.js';
import { parseContactsCsv } from '../../../../common/phonebook/csv.js';
import type { ContactInput, ParsedContacts } from '../../../../common/phonebook/types.js';
import { parseVcards } from '../../../../common/phonebook/vcard.js';
import { ringingInbound } from '../../../../common/workflows/incoming.js';
import { canTransferTo, endpointKeyOfChannel, type PresenceEntry, type PresenceStatus } from '../../../../common/workflows/presence.js';
import { resolveShortcuts, SHORTCUT_ACTIONS, type ShortcutAction, type ShortcutMap } from '../../../../common/workflows/shortcuts.js';

/**
 * The pure half of the people panels (presence, phonebook, history): words,
 * drop rules, query building, file parsing. The Svelte files only render and
 * send; everything here is unit-tested (test/unit/people-ui.test.ts).
 */

export const PRESENCE_WORDS: Record<PresenceStatus, string> = {
  available: 'Available',
  ringing: 'Ringing',
  busy: 'On a call',
  'on-hold': 'On hold',
  offline: 'Offline',
  unknown: 'Unknown',
};

const RINGING_STATES = new Set(['Ring', 'Ringing']);

/**
 * endpointKeyOfChannel, remembered per channel name: the badge asks again on
 * every batch for the same ringing channels, and the regex per name was
 * 1–2 % of the page's time with 1,000 calls up (bench/findings.md, render).
 * Names are unique per call, so the memo is emptied once it grows large.
 */
const endpointKeys = new Map<string, string | null>();
function endpointKeyOf(name: string): string | null {
  let key = endpointKeys.get(name);
  if (key === undefined) {
    if (endpointKeys.size >= 4096) endpointKeys.clear();
    key = endpointKeyOfChannel(name);
    endpointKeys.set(name, key);
  }
  return key;
}
const RINGING_DEVICE_STATES = new Set(['RINGING', 'RINGINUSE']);

/**
 * How many people presenceOf would call "ringing", for the People tab's badge,
 * without building every entry: the badge is on screen whichever tab is open,
 * and presenceOf per batch (a regex per channel name, an entry per endpoint,
 * a sort) was 2–5 % of the page's time with 1,000 calls up (bench/findings.md).
 * Same rule: a phone rings when one of its calls (by channel name or by the
 * endpoint's own list) is ringing, or, with no call at all, when its device
 * state says so. Channel names are looked at only in those rare last cases.
 */
export function ringingPeople(model: CallModel): number {
  if (model.endpoints.size === 0) return 0;
  const ringingKeys = new Set<string>();
  for (const channel of model.channels.values()) {
    if (!RINGING_STATES.has(channel.state)) continue;
    const key = endpointKeyOf(channel.name);
    if (key !== null) ringingKeys.add(key);
  }
  let namedKeys: Set<string> | null = null;
  let count = 0;
  for (const endpoint of model.endpoints.values()) {
    if (ringingKeys.has(endpoint.key)) {
      count += 1;
      continue;
    }
    const own = endpoint.channelIds.map((id) => model.channels.get(id)).filter((channel) => channel !== undefined);
    if (own.some((channel) => RINGING_STATES.has(channel.state))) {
      count += 1;
      continue;
    }
    if (own.length > 0 || !RINGING_DEVICE_STATES.has(model.deviceStates.get(endpoint.key) ?? '')) continue;
    namedKeys ??= new Set([...model.channels.values()].map((channel) => endpointKeyOf(channel.name) ?? ''));
    if (!namedKeys.has(endpoint.key)) count += 1;
  }
  return count;
}

/** A drop of a dragged call on a person: the presence rule, in the board's Verdict shape. */
export function presenceDropVerdict(model: CallModel | null, channelId: string, entry: PresenceEntry, readOnly: string | null): Verdict<{ target: string }> {
  if (readOnly) return { ok: false, reason: readOnly };
  const verdict = canTransferTo(model?.channels.get(channelId), entry);
  return verdict.ok ? { ok: true, action: { target: entry.key } } : { ok: false, reason: verdict.why };
}

/** Presence filtered by what the receptionist typed: extension, technology or name. */
export function filterPresence(entries: readonly PresenceEntry[], text: string, names: ReadonlyMap<string, string>): PresenceEntry[] {
  const query = text.trim().toLowerCase();
  if (query === '') return [...entries];
  return entries.filter((entry) => `${entry.key} ${names.get(entry.resource) ?? ''}`.toLowerCase().includes(query));
}

// ---- History filters.

export type DateRange = 'today' | 'week' | 'month' | 'all' | 'custom';

/** Bound to the panel's inputs, hence mutable. */
export interface HistoryFilters {
  text: string;
  range: DateRange;
  /** yyyy-mm-dd, local time; used when range is 'custom'. */
  from: string;
  to: string;
  statuses: HistoryStatus[];
}

export const DEFAULT_HISTORY_FILTERS: Readonly<HistoryFilters> = { text: '', range: 'all', from: '', to: '', statuses: [] };

const DAY = 86_400_000;

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** "2026-11-23" at local midnight, or null for anything else. */
export function parseLocalDate(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const d = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(d.getTime()) || d.getDate() !== Number(match[3]) ? null : d.getTime();
}

/** The history query the filters mean at `now`; `to` of a custom range includes that whole day. */
export function historyQueryOf(filters: HistoryFilters, now: number, page: { offset: number; limit: number }): HistoryQuery {
  const query: { -readonly [K in keyof HistoryQuery]: HistoryQuery[K] } = { offset: page.offset, limit: page.limit };
  if (filters.text.trim() !== '') query.text = filters.text.trim().slice(0, 200);
  if (filters.statuses.length > 0 && filters.statuses.length < HISTORY_STATUSES.length) query.statuses = [...filters.statuses];
  const today = startOfDay(now);
  switch (filters.range) {
    case 'today':
      query.from = today;
      break;
    case 'week':
      query.from = today - 6 * DAY;
      break;
    case 'month':
      query.from = today - 29 * DAY;
      break;
    case 'custom': {
      const from = parseLocalDate(filters.from);
      const to = parseLocalDate(filters.to);
      if (from !== null) query.from = from;
      // The next local midnight minus one millisecond (DST-safe through Date).
      if (to !== null) query.to = new Date(new Date(to).setDate(new Date(to).getDate() + 1)).getTime() - 1;
      break;
    }
    case 'all':
      break;
  }
  return query;
}

export const STATUS_WORDS: Record<HistoryStatus, string> = {
  answered: 'Answered',
  'no-answer': 'No answer',
  busy: 'Busy',
  failed: 'Failed',
  unknown: 'Unknown',
};

/** The file name an export is saved as: what it holds and when. */
export function exportFileName(now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `call-history-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}.csv`;
}

// ---- Phonebook import.

/** vCard by its name or content, else CSV. */
export function importFormatOf(fileName: string, text: string): 'csv' | 'vcard' {
  if (/\.(vcf|vcard)$/i.test(fileName) || /^\uFEFF?\s*BEGIN:VCARD/i.test(text)) return 'vcard';
  return 'csv';
}

export function parseContactsFile(fileName: string, text: string): ParsedContacts & { format: 'csv' | 'vcard' } {
  const format = importFormatOf(fileName, text);
  return { format, ...(format === 'vcard' ? parseVcards(text) : parseContactsCsv(text)) };
}

/** Requests stay small (the browser host caps a frame): contacts go in batches. */
export function batches<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Contacts as the phonebook form edits them: one "label: number" per line. */
export function numbersFromText(text: string): ContactInput['numbers'] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const match = /^([^:0-9+(]{1,40}):\s*(.+)$/.exec(line);
      return match ? { label: (match[1] ?? '').trim().toLowerCase(), number: (match[2] ?? '').trim() } : { label: '', number: line };
    })
    .filter((entry) => entry.number !== '')
    .slice(0, 20);
}

export function numbersToText(numbers: ContactInput['numbers']): string {
  return numbers.map((entry) => (entry.label ? `${entry.label}: ${entry.number}` : entry.number)).join('\n');
}

// Incoming calls: shared with the Electron shell (common/workflows/incoming.ts).
export { incomingText, newlyRinging, ringingInbound } from '../../../../common/workflows/incoming.js';

/** The call "answer next" takes: the one ringing longest at the console. */
export function nextRinging(model: CallModel | null): ChannelView | null {
  return ringingInbound(model).sort((a, b) => a.createdAt - b.createdAt)[0] ?? null;
}

/** The bindings from the settings' shortcuts (unset fields keep their defaults). */
export function shortcutMapOf(overrides: { readonly [A in ShortcutAction]?: string | undefined } | undefined): ShortcutMap {
  const defined: Partial<Record<ShortcutAction, string>> = {};
  for (const action of SHORTCUT_ACTIONS) {
    const value = overrides?.[action];
    if (value !== undefined) defined[action] = value;
  }
  return resolveShortcuts(defined);
}
