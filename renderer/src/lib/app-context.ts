import { createContext } from 'svelte';
import type { ConsoleClient } from '../../../common/client.js';
import type { Actions } from './actions.js';
import type { ReplayPlayer } from './replay-player.svelte.js';
import type { UiController } from './ui-store.js';

/**
 * What every view may reach without props: the UI state's writer, the
 * requests, the replay player, and the typed client for panels that send
 * requests of their own (workflow panels).
 */
export interface AppContext {
  readonly ui: UiController;
  readonly actions: Actions;
  readonly player: ReplayPlayer;
  readonly client: ConsoleClient;
}

export const [getApp, setApp] = createContext<AppContext>();

/** The words a disabled control shows while a recording replays. */
export const REPLAY_READ_ONLY = 'Replaying a recording: nothing here reaches the PBX.';
