/**
 * The subset of ARI's JSON (Asterisk 22) that the call model reads.
 * Fields are optional where Asterisk omits them in some versions or events:
 * the reducer reads every field defensively because a malformed event must
 * be skipped, never crash the engine.
 */

export interface AriCallerId {
  name?: string;
  number?: string;
}

export interface AriDialplan {
  context?: string;
  exten?: string;
  priority?: number;
  app_name?: string;
  app_data?: string;
}

export interface AriChannel {
  id: string;
  name?: string;
  state?: string;
  caller?: AriCallerId;
  connected?: AriCallerId;
  accountcode?: string;
  dialplan?: AriDialplan;
  creationtime?: string;
  language?: string;
  protocol_id?: string;
}

export interface AriBridge {
  id: string;
  technology?: string;
  bridge_type?: string;
  bridge_class?: string;
  creator?: string;
  name?: string;
  channels?: string[];
  creationtime?: string;
  video_mode?: string;
}

export interface AriEndpoint {
  technology: string;
  resource: string;
  state?: string;
  channel_ids?: string[];
}

export interface AriDeviceState {
  name: string;
  state: string;
}

export interface AriPlayback {
  id: string;
  media_uri?: string;
  target_uri?: string;
  state?: string;
}

export interface AsteriskInfo {
  system?: { version?: string; entity_id?: string };
  build?: { os?: string; date?: string };
  status?: { startup_time?: string; last_reload_time?: string };
  config?: { name?: string };
}

/** An event as it arrives on the events socket: only `type` is certain. */
export interface AriEvent {
  type: string;
  timestamp?: string;
  application?: string;
  channel?: AriChannel;
  bridge?: AriBridge;
  endpoint?: AriEndpoint;
  device_state?: AriDeviceState;
  playback?: AriPlayback;
  cause?: number;
  cause_txt?: string;
  digit?: string;
  duration_ms?: number;
  args?: string[];
  peer?: { peer_status?: string; cause?: string };
  [key: string]: unknown;
}

/** Whether a channel's dialplan position says it is inside Stasis(app). */
export function isInStasisApp(channel: AriChannel, app: string): boolean {
  const dialplan = channel.dialplan;
  if (!dialplan || dialplan.app_name !== 'Stasis') return false;
  const data = dialplan.app_data ?? '';
  return data === app || data.startsWith(`${app},`);
}

/** ARI timestamps look like 2026-11-23T09:12:33.123+0000. */
export function parseAriTime(value: unknown, fallback: number): number {
  // A malformed frame may carry anything here; only ARI's string form counts.
  if (typeof value !== 'string' || value === '') return fallback;
  const fast = value.length === 28 ? fastAriTime(value) : NaN;
  if (!Number.isNaN(fast)) return fast;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? fallback : parsed;
}

/** Decimal value of `length` ASCII digits at `at`, or NaN. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Every event carries one or two timestamps, and Date.parse was a fifth of
 * the model's cost per event (bench/RESULTS.md, ingest). This reads ARI's
 * exact shape by hand; anything else (and any day past the 28th, where months
 * differ) is NaN, so parseAriTime falls back to Date.parse and the result
 * is always what Date.parse would have said.
 */
function fastAriTime(text: string): number {
  // Events come in bursts within one second: the same date, time and offset
  // as the last timestamp read leave only the milliseconds to read.
  if (sameSecond(text, lastText)) {
    const ms = digits(text, 20, 3);
    if (text.charCodeAt(19) === 46 && ms >= 0) return lastSecond + ms;
  }
  if (text[4] !== '-' || text[7] !== '-' || text[10] !== 'T' || text[13] !== ':' || text[16] !== ':' || text[19] !== '.') return NaN;
  const sign = text[23] === '+' ? 1 : text[23] === '-' ? -1 : 0;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const ms = digits(text, 20, 3);
  const offsetHours = digits(text, 24, 2);
  const offsetMinutes = digits(text, 26, 2);
  // NaN fails every comparison, so one malformed field sends it all to Date.parse.
  if (!(sign !== 0 && month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59)) return NaN;
  if (!(year >= 1000)) return NaN;
  const whole = (daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second) * 1000 - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  lastText = text;
  lastSecond = whole;
  return whole + ms;
}

/** The last timestamp fastAriTime read in full, and its value without the milliseconds. */
let lastText = '';
let lastSecond = 0;

/** Same characters as `last` everywhere but the milliseconds (20-22); `last` was valid. */
function sameSecond(text: string, last: string): boolean {
  if (last.length !== 28) return false;
  for (let i = 0; i < 20; i++) if (text.charCodeAt(i) !== last.charCodeAt(i)) return false;
  for (let i = 23; i < 28; i++) if (text.charCodeAt(i) !== last.charCodeAt(i)) return false;
  return true;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (what Date.UTC counts),
 * in integer arithmetic: Date.UTC itself cost as much as reading the digits.
 * H. Hinnant's days_from_civil.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
