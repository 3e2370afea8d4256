import { dialog, type BrowserWindow } from 'electron';
import type { SnoopConsent } from '../snoop-gate.js';

/**
 * The desktop app's answer to "may the page turn on listen/whisper/barge?":
 * a native message box, drawn by the OS outside the page, naming the phone
 * that will hear the calls. A script in the page can ask (and is refused
 * while a question is open) but cannot draw, read or click this box. Cancel
 * is the default and the Escape answer, so a stray Enter says no.
 */
export function nativeSnoopConsent(window: () => BrowserWindow | null): SnoopConsent {
  return {
    async confirm({ endpoint }) {
      const options = {
        type: 'warning' as const,
        buttons: ['Cancel', 'Allow listening'],
        defaultId: 0,
        cancelId: 0,
        noLink: true,
        title: 'Allow listen, whisper and barge?',
        message: 'Allow listen, whisper and barge on calls?',
        detail: `Calls will be listened to through ${endpoint}. Listening to calls can be illegal without the parties' consent: check your local law.`,
      };
      const parent = window();
      const { response } = parent ? await dialog.showMessageBox(parent, options) : await dialog.showMessageBox(options);
      return response === 1;
    },
  };
}
