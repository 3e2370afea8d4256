import type { ModelEvent } from './model/types.js';

/**
 * The channels an event is about, for the per-channel raw event list. ARI
 * names them in several places (the channel, a Dial's caller and peer, a
 * playback's target, transfer parties); the console's own events name one.
 * Link events concern every channel and are listed under none.
 */

const CHANNEL_FIELDS = ['channel', 'peer', 'caller', 'forwarded', 'transferer_first_leg', 'transferer_second_leg', 'transferee', 'transfer_target', 'replace_channel'];

function idOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : null;
}

function targetChannel(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const uri = (value as { target_uri?: unknown }).target_uri;
  return typeof uri === 'string' && uri.startsWith('channel:') ? uri.slice('channel:'.length) : null;
}

export function channelIdsOf(event: ModelEvent): string[] {
  const ids = new Set<string>();
  const record = event as unknown as Record<string, unknown>;
  if (typeof record['channelId'] === 'string') ids.add(record['channelId']);
  for (const field of CHANNEL_FIELDS) {
    const id = idOf(record[field]);
    if (id) ids.add(id);
  }
  for (const field of ['playback', 'recording']) {
    const id = targetChannel(record[field]);
    if (id) ids.add(id);
  }
  return [...ids];
}
