import { ConsoleError } from '../common/errors.js';
import type { Settings, SettingsPatch } from '../common/settings.js';
import type { Logger } from './log.js';
import type { SettingsStore } from './settings.js';

/**
 * Listen / whisper / barge is eavesdropping, and the page is the part of the
 * console we trust least (an XSS through a caller name can send any request).
 * So the page may turn snoop off and may change the operator's phone, but it
 * can never turn snoop on by itself, and never choose where snooped audio
 * goes:
 *
 * - Snoop always rings `operatorEndpoint` (snoop.start has no endpoint).
 * - Turning snoop on from the page needs a yes from the person at the
 *   machine, asked outside the page (the desktop app shows a native dialog
 *   naming the phone; a script in the page can neither draw nor click it).
 *   Without such a channel (the browser host) the page cannot turn it on at
 *   all: only main's own settings (settings.json, SettingsStore.set) can.
 * - Changing the operator's phone from the page while snoop is on turns snoop
 *   off in the same write: the new phone was never confirmed.
 *
 * Every change of the snoop setting is logged in main's log.
 */

export interface SnoopConsent {
  /** Resolves true only on an explicit yes from the person at the machine for listening through `endpoint`. */
  confirm(request: { readonly endpoint: string }): Promise<boolean>;
}

export function pageSettingsSetter(store: SettingsStore, consent: SnoopConsent | null, log: Logger): (patch: SettingsPatch) => Promise<Settings> {
  let asking = false;
  return async (patch) => {
    const current = store.get();
    const endpoint = patch.operatorEndpoint === undefined ? current.operatorEndpoint : patch.operatorEndpoint;
    if (patch.snoopEnabled === true && !current.snoopEnabled) {
      if (!endpoint) throw new ConsoleError('invalid_request', 'Set your own phone first: listen, whisper and barge always ring it.');
      if (!consent) {
        log.warn('snoop: the page asked to turn it on; refused, this console has no confirmation outside the page', { endpoint });
        throw new ConsoleError('forbidden', 'Listen, whisper and barge can only be turned on where the console runs: in the desktop app, which asks you to confirm, or in its settings file.');
      }
      // A change this console may not save is refused before the person is asked, not after a yes.
      store.assertWritable();
      // One question at a time: a page cannot stack dialogs hoping for a stray click.
      if (asking) throw new ConsoleError('forbidden', 'Already asking whether to allow listen, whisper and barge.');
      asking = true;
      let allowed: boolean;
      try {
        allowed = await consent.confirm({ endpoint });
      } catch (error) {
        log.error('snoop: the confirmation could not be shown', { error });
        allowed = false;
      } finally {
        asking = false;
      }
      if (!allowed) {
        log.warn('snoop: turning it on was declined', { endpoint });
        throw new ConsoleError('forbidden', 'Listen, whisper and barge stay off: not confirmed.');
      }
      log.warn('snoop: turned on after confirmation', { endpoint });
      // The phone that was confirmed, even if the page changed it while the dialog was up.
      return store.set({ ...patch, operatorEndpoint: endpoint });
    }
    if (current.snoopEnabled && patch.snoopEnabled !== false && endpoint !== current.operatorEndpoint) {
      log.warn('snoop: turned off because the operator phone changed from the page', { from: current.operatorEndpoint, to: endpoint });
      return store.set({ ...patch, snoopEnabled: false });
    }
    if (current.snoopEnabled && patch.snoopEnabled === false) log.warn('snoop: turned off from the page');
    return store.set(patch);
  };
}
