import type { ConsoleClient } from '../../../../common/client.js';
import type { ChannelView } from '../../../../common/model/index.js';
import { callName } from '../call-list.js';
import type { UiController } from '../ui-store.js';
import { callsState } from './calls-state.svelte.js';

/**
 * The receptionist's workflow shortcuts (keys in shortcuts.ts): T opens
 * "transfer to…" with the cursor in the target field, G parks the selected
 * call on the first free slot, O opens the dial pad.
 */
export interface CallsKeyContext {
  readonly ui: UiController;
  readonly client: ConsoleClient | undefined;
  readonly profileId: string | null | undefined;
  readonly selected: ChannelView | null;
  readonly readOnly: string | null;
  readonly connected: boolean;
}

/** Once the tab's panel is on screen. */
function focusSoon(id: string): void {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}

export function openTransfer({ ui, selected }: CallsKeyContext): void {
  if (!selected) ui.notify('info', 'Transfer: select a call first.');
  ui.set({ bottomTab: 'calls' });
  focusSoon(selected ? 'transfer-target' : 'dial-target');
}

export function openDialPad({ ui }: CallsKeyContext): void {
  ui.set({ bottomTab: 'calls' });
  focusSoon('dial-target');
}

export async function parkSelected({ ui, client, profileId, selected, readOnly, connected }: CallsKeyContext): Promise<void> {
  ui.set({ bottomTab: 'park' });
  const why = readOnly ?? (!connected || !client || !profileId ? 'not connected to the PBX' : !selected || selected.endedAt !== null ? 'select a live call first' : !selected.inStasis ? "this call is not under the console's control" : null);
  if (why || !client || !profileId || !selected) {
    ui.notify('info', `Park: ${why ?? 'not available'}.`);
    return;
  }
  const channel = selected;
  const result = await callsState(client).run(ui, `park:${channel.id}`, `park ${callName(channel)}`, () => client.request('park.park', { profileId, channelId: channel.id }));
  if (result) ui.notify('info', `${callName(channel)} parked on ${result.slot}.`);
}
