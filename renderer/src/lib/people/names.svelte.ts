import type { ConsoleClient } from '../../../../common/client.js';
import { matchKey } from '../../../../common/phonebook/normalize.js';
import { contactLabel } from '../../../../common/phonebook/types.js';

/**
 * Phonebook names for numbers on screen (incoming callers, extensions in the
 * presence panel), one lookup per number per page life: main answers from
 * its index, the page caches by the number's match key. Editing or importing
 * the phonebook clears the cache so new names appear.
 */
export interface CallerNames {
  /** The name, '' while unknown or when nobody has that number. */
  nameOf(number: string): string;
  /** Resolves once looked up (for notifications, which show once). */
  lookup(number: string): Promise<string>;
  clear(): void;
}

const caches = new WeakMap<ConsoleClient, CallerNames>();

export function callerNames(client: ConsoleClient): CallerNames {
  const existing = caches.get(client);
  if (existing) return existing;
  let names = $state.raw<Readonly<Record<string, string>>>({});
  // Bookkeeping only, never rendered: a plain Map on purpose.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  const inFlight = new Map<string, Promise<string>>();

  const lookup = (number: string): Promise<string> => {
    const key = matchKey(number);
    if (key === '') return Promise.resolve('');
    if (Object.hasOwn(names, key)) return Promise.resolve(names[key] ?? '');
    const pending = inFlight.get(key);
    if (pending) return pending;
    const request = client.request('phonebook.lookup', { number: number.slice(0, 64) }).then(
      (match) => {
        const name = match ? contactLabel(match.contact) : '';
        names = { ...names, [key]: name };
        inFlight.delete(key);
        return name;
      },
      () => {
        // Not cached: the next render asks again (the phonebook may be reachable then).
        inFlight.delete(key);
        return '';
      },
    );
    inFlight.set(key, request);
    return request;
  };

  const cache: CallerNames = {
    nameOf(number) {
      const key = matchKey(number);
      if (key === '') return '';
      if (Object.hasOwn(names, key)) return names[key] ?? '';
      void lookup(number);
      return '';
    },
    lookup,
    clear() {
      names = {};
    },
  };
  caches.set(client, cache);
  return cache;
}
