import type { UiController } from '../ui-store.js';

/** Shows a call picked outside the page (a desktop notification): its profile, then the call itself. */
export function focusCall(ui: UiController, profileId: string, channelId: string): void {
  if (ui.store.getState().activeProfileId !== profileId) ui.set({ activeProfileId: profileId, selectedId: null });
  ui.select(channelId);
}
