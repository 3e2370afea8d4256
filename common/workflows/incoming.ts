import type { CallModel, ChannelView } from '../model/types.js';

/**
 * Incoming calls as notifications and the tray see them: calls ringing at the
 * console (in its app, never answered, not ended). Shared by the page (Web
 * Notification in the browser host) and the Electron shell (native
 * notifications with Answer / Decline, the tray's ringing count).
 */

function ringsInbound(channel: ChannelView): boolean {
  return channel.inStasis && channel.endedAt === null && channel.answeredAt === null && (channel.state === 'Ring' || channel.state === 'Ringing');
}

export function ringingInbound(model: CallModel | null): ChannelView[] {
  if (!model) return [];
  const ringing: ChannelView[] = [];
  for (const channel of model.channels.values()) if (ringsInbound(channel)) ringing.push(channel);
  return ringing;
}

/**
 * Ringing calls not announced yet. `announced` is kept to what still rings,
 * so it stays small and a call that stops ringing can be withdrawn. Runs on
 * every batch the page applies: one pass over the live calls and one over
 * `announced`, building nothing but the answer (the sets and arrays it built
 * for a thousand live calls were a tenth of the page's script time under a
 * stream; bench/RESULTS.md, render).
 */
export function newlyRinging(model: CallModel | null, announced: Set<string>): { fresh: ChannelView[]; stopped: string[] } {
  const fresh: ChannelView[] = [];
  const stopped: string[] = [];
  for (const id of announced) {
    const channel = model?.channels.get(id);
    if (!channel || !ringsInbound(channel)) {
      stopped.push(id);
      announced.delete(id);
    }
  }
  if (model) {
    for (const channel of model.channels.values()) {
      if (ringsInbound(channel) && !announced.has(channel.id)) {
        fresh.push(channel);
        announced.add(channel.id);
      }
    }
  }
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
