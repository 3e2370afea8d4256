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
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? fallback : parsed;
}
