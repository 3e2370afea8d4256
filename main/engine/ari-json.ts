/**
 * ARI 22 JSON as the REST API returns it (field names exactly as Asterisk
 * sends them). Fields the swagger marks required are required here; the rest
 * are optional because Asterisk omits them depending on version or state.
 *
 * common/ari.ts holds the defensive, all-optional shapes the event reducer
 * reads; the checks at the bottom keep these REST shapes assignable to them,
 * so a REST result can be fed to the model without casts.
 */
import type * as Defensive from '../../common/ari.js';

export interface AriCallerIdJson {
  name: string;
  number: string;
}

export interface AriDialplanJson {
  context: string;
  exten: string;
  priority: number;
  app_name?: string;
  app_data?: string;
}

export interface AriChannel {
  id: string;
  name: string;
  state: string;
  protocol_id?: string;
  caller: AriCallerIdJson;
  connected: AriCallerIdJson;
  accountcode: string;
  dialplan: AriDialplanJson;
  creationtime: string;
  language: string;
  channelvars?: Record<string, string>;
}

export interface AriBridge {
  id: string;
  technology: string;
  bridge_type: string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime?: string;
  video_mode?: string;
  video_source_id?: string;
}

export interface AriEndpoint {
  technology: string;
  resource: string;
  state?: string;
  channel_ids: string[];
}

export interface AriDeviceState {
  name: string;
  state: string;
}

export interface AriPlayback {
  id: string;
  media_uri: string;
  target_uri: string;
  state: string;
  language?: string;
  next_media_uri?: string;
}

export interface AsteriskInfo {
  system?: { version: string; entity_id: string };
  build?: { os: string; kernel: string; machine: string; options: string; date: string; user: string };
  status?: { startup_time: string; last_reload_time: string };
  config?: {
    name: string;
    default_language: string;
    max_channels?: number;
    max_open_files?: number;
    max_load?: number;
    setid?: { user: string; group: string };
  };
}

// Compile-time drift guards: fail typecheck if the two views diverge.
type Assignable<T extends U, U> = T;
export type _ChannelFitsModel = Assignable<AriChannel, Defensive.AriChannel>;
export type _BridgeFitsModel = Assignable<AriBridge, Defensive.AriBridge>;
export type _EndpointFitsModel = Assignable<AriEndpoint, Defensive.AriEndpoint>;
export type _DeviceStateFitsModel = Assignable<AriDeviceState, Defensive.AriDeviceState>;
export type _InfoFitsModel = Assignable<AsteriskInfo, Defensive.AsteriskInfo>;

/**
 * ari-client hands back resource objects: the JSON fields plus bound methods
 * and a circular `_client`. Strip those so results are data (IPC-safe).
 */
export function toPlainJson<T>(value: unknown): T {
  if (Array.isArray(value)) return value.map((item) => toPlainJson(item)) as T;
  if (value === null || typeof value !== 'object') return value as T;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === '_client' || key === '_generatedId' || typeof field === 'function') continue;
    out[key] = field;
  }
  return out as T;
}
