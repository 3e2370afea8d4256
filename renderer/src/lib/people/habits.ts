import type { ConsoleClient } from '../../../../common/client.js';
import type { CallModel, ChannelView } from '../../../../common/model/index.js';
import { SHORTCUT_ACTIONS, SHORTCUT_LABELS, type ShortcutAction, type ShortcutMap } from '../../../../common/workflows/shortcuts.js';
import type { Actions } from '../actions.js';
import { openDialPad, openTransfer, parkSelected } from '../calls/calls-keys.js';
import { callControls, type ControlId } from '../controls.js';
import { registerShortcut } from '../shortcuts.js';
import type { UiController } from '../ui-store.js';
import { nextRinging } from './people.js';

export { shortcutMapOf } from './people.js';

/**
 * The receptionist's configurable shortcuts (common/workflows/shortcuts.ts:
 * Alt+A answers the next ringing call, Alt+H hangs up, Alt+O holds, Alt+T
 * transfers to…, Alt+P parks, Alt+N dials, Ctrl+K searches, ? helps),
 * registered in the console's one shortcut registry (shortcuts.ts), so the
 * key handler and the help overlay list them. Rebound whenever the settings'
 * shortcuts change.
 */
export interface HabitContext {
  readonly ui: UiController;
  readonly actions: Actions;
  readonly client: ConsoleClient;
  model(): CallModel | null;
  selected(): ChannelView | null;
  readOnly(): string | null;
  connected(): boolean;
  profileId(): string | null;
}

export const HABITS_GROUP = 'Working habits (configurable)';

export function createWorkingHabits(context: HabitContext): { bind(map: ShortcutMap): void; dispose(): void } {
  const { ui, actions } = context;
  let removers: (() => void)[] = [];

  const control = (id: ControlId, channel: ChannelView | null, verb: string) => {
    const state = callControls(channel, { readOnly: context.readOnly(), connected: context.connected() }).find((item) => item.id === id);
    if (!channel || !state || !state.enabled) {
      ui.notify('info', `${verb}: ${state?.reason ?? 'select a call first'}`);
      return;
    }
    void actions.control(state, channel);
  };
  const keyContext = () => ({ ui, client: context.client, profileId: context.profileId(), selected: context.selected(), readOnly: context.readOnly(), connected: context.connected() });

  const run: Record<ShortcutAction, () => void> = {
    'answer-next': () => {
      const next = nextRinging(context.model());
      if (!next) {
        ui.notify('info', 'No call is ringing.');
        return;
      }
      ui.select(next.id);
      control('answer', next, 'Answer');
    },
    hangup: () => control('hangup', context.selected(), 'Hang up'),
    hold: () => control('hold', context.selected(), 'Hold'),
    transfer: () => openTransfer(keyContext()),
    park: () => void parkSelected(keyContext()),
    dial: () => openDialPad(keyContext()),
    'focus-search': () => {
      // The search of the panel on screen (phonebook, history), else the call list's.
      const target = ['phonebook-search', 'history-search'].map((id) => document.getElementById(id)).find((element) => element !== null) ?? document.getElementById('call-search');
      target?.focus();
    },
    help: () => ui.set({ help: !ui.store.getState().help }),
  };

  return {
    bind(map) {
      for (const remove of removers) remove();
      removers = SHORTCUT_ACTIONS.filter((action) => map[action] !== '').map((action) =>
        registerShortcut({ combo: map[action], what: SHORTCUT_LABELS[action], group: HABITS_GROUP, run: run[action] }),
      );
    },
    dispose() {
      for (const remove of removers) remove();
      removers = [];
    },
  };
}
