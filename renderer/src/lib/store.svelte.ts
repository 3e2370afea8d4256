import type { StoreApi } from 'zustand/vanilla';

/**
 * The one bridge from the zustand store into Svelte: a `$state.raw` mirror of
 * a slice. Raw, because the store's values are immutable and replaced whole;
 * deep proxies would only cost time. Selecting a slice keeps components from
 * waking up for changes elsewhere.
 */
export interface Mirror<T> {
  readonly current: T;
  dispose(): void;
}

export function mirror<S, T = S>(store: StoreApi<S>, select: (state: S) => T = (state) => state as unknown as T): Mirror<T> {
  let current = $state.raw(select(store.getState()));
  const unsubscribe = store.subscribe((state) => {
    current = select(state);
  });
  return {
    get current() {
      return current;
    },
    dispose: unsubscribe,
  };
}
