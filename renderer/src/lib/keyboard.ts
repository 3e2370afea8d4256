import { canDrag, canDrop, dropTargets, type DropTarget } from '../../../common/bridge-rules.js';
import type { CallModel, ChannelView } from '../../../common/model/index.js';
import type { Actions } from './actions.js';
import { callName } from './call-list.js';
import { callControls, type ControlId } from './controls.js';
import { bridgeTitle } from './describe.js';
import { PANELS } from './panels.js';
import { extraFor, panelIndexFor, pickupActionFor, shortcutFor } from './shortcuts.js';
import type { UiController } from './ui-store.js';
import type { ConsoleClient } from '../../../common/client.js';
import { openDialPad, openTransfer, parkSelected } from './calls/calls-keys.js';

/**
 * The page-wide key handler: the shortcuts table (shortcuts.ts) applied to
 * what is on screen. It never fires while the receptionist types, and a
 * shortcut that cannot act says why instead of doing nothing.
 */
export interface KeyboardContext {
  readonly ui: UiController;
  readonly actions: Actions;
  readonly calls: readonly { readonly id: string }[];
  readonly model: CallModel | null;
  readonly selected: ChannelView | null;
  readonly readOnly: string | null;
  readonly connected: boolean;
  /** For the workflow shortcuts (transfer, park, dial), which send requests of their own. */
  readonly client?: ConsoleClient;
  readonly profileId?: string | null;
}

export function targetLabel(target: DropTarget, model: CallModel): string {
  switch (target.kind) {
    case 'bridge': {
      const bridge = model.bridges.get(target.bridgeId);
      return bridge ? `${bridgeTitle(bridge, bridge.id)} (${bridge.kind})` : 'a bridge that is gone';
    }
    case 'new-bridge':
      return `a new ${target.type} bridge`;
    case 'out':
      return 'out of its bridge';
  }
}

/** Announces the pickup's current target and whether the call may go there. */
export function describePickupTarget(channelId: string, index: number, model: CallModel, readOnly: string | null): string {
  const targets = dropTargets(model);
  const target = targets[index % targets.length];
  if (!target) return '';
  const verdict = canDrop({ channelId }, target, model, { readOnly });
  const where = targetLabel(target, model);
  return verdict.ok ? `Target: ${where}. Press Enter to drop, Escape to cancel.` : `Target: ${where}. Not allowed: ${verdict.reason}`;
}

export function createKeyboard(context: KeyboardContext): { onKeyDown(event: KeyboardEvent): void } {
  const { ui, actions } = context;

  const runControl = (id: ControlId) => {
    const channel = context.selected;
    const control = callControls(channel, { readOnly: context.readOnly, connected: context.connected }).find((item) => item.id === id);
    if (!control) return;
    if (!channel || !control.enabled) {
      ui.notify('info', `${control.label}: ${control.reason ?? 'not available'}`);
      return;
    }
    if (id === 'dtmf' || id === 'play') {
      const panel = ui.store.getState().panel;
      ui.set({ panel: panel === id ? 'none' : id });
      return;
    }
    void actions.control(control, channel);
  };

  const moveSelection = (step: number | 'first' | 'last') => {
    const calls = context.calls;
    if (calls.length === 0) return;
    const current = calls.findIndex((call) => call.id === ui.store.getState().selectedId);
    let next: number;
    if (step === 'first') next = 0;
    else if (step === 'last') next = calls.length - 1;
    else next = current < 0 ? 0 : Math.min(calls.length - 1, Math.max(0, current + step));
    ui.select(calls[next]?.id ?? null);
  };

  const pickup = () => {
    const channel = context.selected;
    const model = context.model;
    if (!channel || !model) {
      ui.notify('info', 'Select a call to move first.');
      return;
    }
    const verdict = canDrag(channel.id, model, { readOnly: context.readOnly });
    if (!verdict.ok) {
      ui.notify('info', `Cannot move ${callName(channel)}: ${verdict.reason}`);
      return;
    }
    const targets = dropTargets(model);
    // Start on the first place the call may actually go.
    const first = Math.max(0, targets.findIndex((target) => canDrop({ channelId: channel.id }, target, model).ok));
    ui.set({
      pickup: { channelId: channel.id, index: first },
      bottomTab: 'bridges',
      boardMessage: `Picked up ${callName(channel)}. ${describePickupTarget(channel.id, first, model, context.readOnly)}`,
    });
  };

  const onPickupKey = (event: KeyboardEvent): boolean => {
    const state = ui.store.getState().pickup;
    const model = context.model;
    if (!state || !model) return false;
    const action = pickupActionFor(event);
    if (!action) return false;
    event.preventDefault();
    const targets = dropTargets(model);
    if (action === 'cancel') {
      ui.set({ pickup: null, boardMessage: 'Move cancelled.' });
      return true;
    }
    if (action === 'target-next' || action === 'target-previous') {
      const index = (state.index + (action === 'target-next' ? 1 : targets.length - 1)) % targets.length;
      ui.set({ pickup: { ...state, index }, boardMessage: describePickupTarget(state.channelId, index, model, context.readOnly) });
      return true;
    }
    const target = targets[state.index % targets.length];
    if (!target) return true;
    const verdict = canDrop({ channelId: state.channelId }, target, model, { readOnly: context.readOnly });
    if (!verdict.ok) {
      ui.set({ boardMessage: `Not moved: ${verdict.reason}` });
      return true;
    }
    ui.set({ pickup: null });
    void actions.drop(verdict.action, model);
    return true;
  };

  return {
    onKeyDown(event) {
      if (event.defaultPrevented) return;
      const ui_ = ui.store.getState();
      if (isTypingTarget(event.target)) {
        if (event.key === 'Escape' && event.target instanceof HTMLElement) event.target.blur();
        return;
      }
      if (ui_.help) {
        if (event.key === 'Escape' || event.key === '?') {
          event.preventDefault();
          ui.set({ help: false });
        }
        return;
      }
      if (onPickupKey(event)) return;
      const extra = extraFor(event);
      if (extra) {
        event.preventDefault();
        extra.run();
        return;
      }
      // Alt+1…9 picks the n-th panel tab (panels.ts).
      const panelIndex = panelIndexFor(event);
      if (panelIndex !== null) {
        const panel = PANELS[panelIndex];
        if (panel) {
          event.preventDefault();
          ui.set({ bottomTab: panel.id });
        }
        return;
      }
      const action = shortcutFor(event);
      if (!action) return;
      // Space and Enter on a focused button press that button, not a shortcut.
      if (event.key === ' ' && event.target instanceof HTMLElement && event.target.closest('button, a, [role="button"]')) return;
      event.preventDefault();
      switch (action) {
        case 'select-next':
          return moveSelection(1);
        case 'select-previous':
          return moveSelection(-1);
        case 'select-first':
          return moveSelection('first');
        case 'select-last':
          return moveSelection('last');
        case 'answer':
        case 'hangup':
        case 'hold':
        case 'mute':
        case 'ring':
        case 'silence':
        case 'dtmf':
        case 'play':
          return runControl(action);
        case 'pickup':
          return pickup();
        case 'compare':
          if (context.selected) ui.toggleCompare(context.selected.id);
          return;
        case 'raw':
          ui.set({ raw: !ui_.raw });
          return;
        case 'new-bridge':
          if (context.readOnly) ui.notify('info', context.readOnly);
          else void actions.createBridge('mixing');
          return;
        case 'transfer':
          return openTransfer({ ...context, client: context.client, profileId: context.profileId });
        case 'park':
          return void parkSelected({ ...context, client: context.client, profileId: context.profileId });
        case 'dial':
          return openDialPad({ ...context, client: context.client, profileId: context.profileId });
        case 'search':
          document.getElementById('call-search')?.focus();
          return;
        case 'help':
          ui.set({ help: true });
          return;
        case 'escape':
          ui.set({ panel: 'none', notice: null });
          return;
      }
    },
  };
}

/** Fields, buttons that take Space, and editable regions keep their keys. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  // A range (the replay scrubber) or a checkbox takes arrows and Space, not letters; still, do not steal them.
  return type !== 'button' && type !== 'submit' && type !== 'reset';
}
