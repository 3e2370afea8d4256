import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CallFilter } from './call-list.js';

/**
 * What the receptionist is looking at, apart from the calls themselves: the
 * selection, the filter, the compare set, a call picked up for moving, the
 * messages shown after an action. The call model stays in the console store;
 * nothing here ever claims anything about the PBX.
 */

/** A panel id from panels.ts. */
export type BottomTab = string;

export interface Notice {
  readonly tone: 'error' | 'info';
  readonly text: string;
  /** Increments per notice, so repeating the same words is still announced. */
  readonly id: number;
}

export interface Pickup {
  readonly channelId: string;
  /** Index into the drop targets (common/bridge-rules dropTargets). */
  readonly index: number;
}

export interface UiState {
  readonly activeProfileId: string | null;
  readonly selectedId: string | null;
  readonly filter: CallFilter;
  readonly search: string;
  readonly compare: readonly string[];
  readonly bottomTab: BottomTab;
  readonly pickup: Pickup | null;
  /** The channel being dragged with the mouse, for the drop targets' hover answers. */
  readonly dragging: string | null;
  readonly help: boolean;
  readonly panel: 'none' | 'dtmf' | 'play';
  readonly raw: boolean;
  readonly notice: Notice | null;
  /** Requests in flight, by key ("call.hold:<id>"), so a button cannot be pressed twice. */
  readonly pending: ReadonlySet<string>;
  /** What the board says to screen readers (and shows) about the last move. */
  readonly boardMessage: string;
}

export const MAX_COMPARE = 6;

export interface UiController {
  readonly store: StoreApi<UiState>;
  set(change: Partial<UiState>): void;
  select(id: string | null): void;
  toggleCompare(id: string): void;
  notify(tone: Notice['tone'], text: string): void;
  clearNotice(): void;
  /** Runs a request with `key` marked pending; resolves with whether it succeeded. */
  track<T>(key: string, run: () => Promise<T>): Promise<T>;
}

export function createUi(): UiController {
  let notices = 0;
  const store = createStore<UiState>()(() => ({
    activeProfileId: null,
    selectedId: null,
    filter: 'all',
    search: '',
    compare: [],
    bottomTab: 'bridges',
    pickup: null,
    dragging: null,
    help: false,
    panel: 'none',
    raw: false,
    notice: null,
    pending: new Set<string>(),
    boardMessage: '',
  }));
  const set = (change: Partial<UiState>) => store.setState(change);
  const setPending = (key: string, on: boolean) => {
    const pending = new Set(store.getState().pending);
    if (on) pending.add(key);
    else pending.delete(key);
    set({ pending });
  };
  return {
    store,
    set,
    select(id) {
      if (store.getState().selectedId === id) return;
      set({ selectedId: id, panel: 'none' });
    },
    toggleCompare(id) {
      const compare = store.getState().compare;
      if (compare.includes(id)) set({ compare: compare.filter((item) => item !== id) });
      else set({ compare: [...compare, id].slice(-MAX_COMPARE), bottomTab: 'compare' });
    },
    notify(tone, text) {
      notices += 1;
      set({ notice: { tone, text, id: notices } });
    },
    clearNotice() {
      set({ notice: null });
    },
    async track(key, run) {
      setPending(key, true);
      try {
        return await run();
      } finally {
        setPending(key, false);
      }
    },
  };
}
