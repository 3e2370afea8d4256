import type { ConsoleClient } from '../../../../common/client.js';
import type { CallModel } from '../../../../common/model/index.js';
import { incomingText, newlyRinging } from '../../../../common/workflows/incoming.js';
import type { UiController } from '../ui-store.js';
import { focusCall } from './focus.js';
import { callerNames } from './names.svelte.js';

/**
 * Incoming-call notifications in the browser host: a Web Notification per
 * call that starts ringing at the console, withdrawn when it stops. Clicking
 * it brings the console forward with the call selected, ready for the answer
 * key. (Web notifications cannot carry Answer / Decline buttons outside a
 * service worker; the desktop app shows native ones that do, from main, so
 * the page stays quiet there, and only selects the call main names when one
 * of those is clicked.)
 */
export interface IncomingNotifier {
  update(model: CallModel | null, enabled: boolean): void;
  dispose(): void;
}

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined' && window.consoleApi === undefined;
}

export function createIncomingNotifier(client: ConsoleClient, ui: UiController): IncomingNotifier {
  const announced = new Set<string>();
  const shown = new Map<string, Notification>();
  const names = callerNames(client);
  const stopFocus = client.on('console.focusCall', ({ profileId, channelId }) => focusCall(ui, profileId, channelId));
  return {
    update(model, enabled) {
      const { fresh, stopped } = newlyRinging(model, announced);
      for (const id of stopped) {
        shown.get(id)?.close();
        shown.delete(id);
      }
      // Nothing new is the common case (every batch of a busy PBX); Notification.permission
      // asks the browser each time, so it is read only when there is something to show.
      if (fresh.length === 0 || !enabled || !notificationsSupported() || Notification.permission !== 'granted') return;
      for (const channel of fresh) {
        void names.lookup(channel.caller.number).then((name) => {
          // Answered or gone while the name was looked up: nothing to say any more.
          if (!announced.has(channel.id)) return;
          const { title, body } = incomingText(channel, name);
          const note = new Notification(title, { body, tag: `call-${channel.id}`, requireInteraction: true });
          note.onclick = () => {
            window.focus();
            ui.select(channel.id);
            note.close();
          };
          shown.set(channel.id, note);
        });
      }
    },
    dispose() {
      stopFocus();
      for (const note of shown.values()) note.close();
      shown.clear();
    },
  };
}
