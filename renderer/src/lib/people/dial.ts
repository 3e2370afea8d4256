import type { ConsoleClient } from '../../../../common/client.js';
import type { UiController } from '../ui-store.js';

/**
 * "Call" from presence, the phonebook and the history: the receptionist's
 * own phone rings first, then `target` (the calls helper's click-to-dial);
 * the new call is selected, a failure is said in words.
 */
export async function dialFromMyPhone(ui: UiController, client: ConsoleClient, profileId: string | null, target: string, label = target): Promise<void> {
  if (!profileId || target === '') return;
  try {
    const result = await ui.track(`dial:${target}`, () => client.request('call.dial', { profileId, target, via: 'phone' }));
    ui.select(result.channelId);
  } catch (error) {
    ui.notify('error', `Could not call ${label}: ${(error as Error).message}`);
  }
}
