import type { CallModel, ChannelView } from '../model/types.js';

/**
 * Incoming calls as notifications and the tray see them: calls ringing at the
 * console (in its app, never answered, not ended). Shared by the page (Web
 * Notification in the browser host) and the Electron shell (native
 * notifications with Answer / Decline, the tray's ringing count).
 */

export function ringingInbound(model: CallModel | null): ChannelView[] {
  if (!model) return [];
  return [...model.channels.values()].filter(
    (channel) => channel.inStasis && channel.endedAt === null && channel.answeredAt === null && (channel.state === 'Ring' || channel.state === 'Ringing'),
  );
}

/**
 * Ringing calls not announced yet. `announced` is replaced by what still
 * rings, so it stays small and a call that stops ringing can be withdrawn.
 */
export function newlyRinging(model: CallModel | null, announced: Set<string>): { fresh: ChannelView[]; stopped: string[] } {
  const ringing = ringingInbound(model);
  const ids = new Set(ringing.map((channel) => channel.id));
  const fresh = ringing.filter((channel) => !announced.has(channel.id));
  const stopped = [...announced].filter((id) => !ids.has(id));
  announced.clear();
  for (const id of ids) announced.add(id);
  return { fresh, stopped };
}

/** What a notification says: who calls (the phonebook's name when the PBX sent a number only) and for whom. */
export function incomingText(channel: ChannelView, phonebookName: string): { title: string; body: string } {
  const { name, number } = channel.caller;
  const who = name || phonebookName || number || 'Unknown caller';
  const detail = (name || phonebookName) && number ? ` (${number})` : '';
  const dialed = channel.dialplan?.exten && channel.dialplan.exten !== 's' ? ` for ${channel.dialplan.exten}` : '';
  return { title: `Incoming call: ${who}`, body: `${who}${detail} is calling${dialed}.` };
}
