import type { ConsoleClient } from '../../../../common/client.js';
import { toErrorShape } from '../../../../common/errors.js';
import type { Settings, SettingsPatch } from '../../../../common/settings.js';
import type { WorkflowsView } from '../../../../common/workflow-contract.js';
import type { UiController } from '../ui-store.js';

/**
 * The receptionist's call workflows as the page sees them: one view per
 * profile (transfers, park slots, snoops) pushed by main on every change,
 * and the settings they read. One instance per client for the page's life,
 * so switching tabs never loses what is ringing.
 */
export interface CallsState {
  view(profileId: string | null): WorkflowsView | null;
  readonly settings: Settings | null;
  /** Fetches the profile's view (once per profile, and again after a failure). */
  load(profileId: string): void;
  /** Runs a workflow request; on failure tells the receptionist why and answers null. */
  run<T>(ui: UiController, key: string, what: string, request: () => Promise<T>): Promise<T | null>;
  saveSettings(ui: UiController, patch: SettingsPatch): Promise<boolean>;
}

const states = new WeakMap<ConsoleClient, CallsState>();

export function callsState(client: ConsoleClient): CallsState {
  const existing = states.get(client);
  if (existing) return existing;
  // Plain records replaced whole (not SvelteMap): a view is swapped per event, never edited.
  let views = $state.raw<Readonly<Record<string, WorkflowsView>>>({});
  let settings = $state.raw<Settings | null>(null);
  let loaded: readonly string[] = [];
  const put = (view: WorkflowsView) => (views = { ...views, [view.profileId]: view });
  client.on('workflows.state', put);
  client.on('settings.changed', (next) => (settings = next));
  void client.request('settings.get', {}).then(
    (value) => (settings ??= value),
    () => undefined,
  );

  const state: CallsState = {
    view: (profileId) => (profileId === null || !Object.hasOwn(views, profileId) ? null : (views[profileId] ?? null)),
    get settings() {
      return settings;
    },
    load(profileId) {
      if (loaded.includes(profileId)) return;
      loaded = [...loaded, profileId];
      client.request('workflows.get', { profileId }).then(
        (view) => {
          // An event may have brought a newer view meanwhile.
          if (!Object.hasOwn(views, profileId)) put(view);
        },
        () => (loaded = loaded.filter((id) => id !== profileId)),
      );
    },
    async run(ui, key, what, request) {
      try {
        return await ui.track(key, request);
      } catch (error) {
        // Workflow refusals are written for the receptionist ("Park slot 701 is taken."): show them as they are.
        ui.notify('error', `Could not ${what}: ${toErrorShape(error).message}`);
        return null;
      }
    },
    async saveSettings(ui, patch) {
      const next = await state.run(ui, 'settings.set', 'save the settings', () => client.request('settings.set', patch));
      if (next) settings = next;
      return next !== null;
    },
  };
  states.set(client, state);
  return state;
}
