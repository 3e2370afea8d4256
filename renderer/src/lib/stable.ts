/**
 * Keeps the previous array when a recomputed one holds the same items (by
 * identity) in the same order. A `$derived` that returns the very same value
 * stops there: the `{#each}` blocks and effects reading it are not revisited.
 * The model is replaced on every batch (up to one a frame with 200 events/s),
 * while most lists drawn from it (the rows in view, the board's chips) did not
 * change; without this every such list was reconciled again on every batch
 * (bench/findings.md, dom-latency).
 */
export function sameItems<T>(previous: readonly T[] | undefined, next: readonly T[]): boolean {
  if (previous === undefined || previous.length !== next.length) return false;
  for (let i = 0; i < next.length; i++) if (previous[i] !== next[i]) return false;
  return true;
}

/** A memo for one derived list: `keep(next)` answers the previous array when it holds the same items. */
export function stableList<T>(): (next: readonly T[]) => readonly T[] {
  let previous: readonly T[] | undefined;
  return (next) => {
    if (previous !== undefined && sameItems(previous, next)) return previous;
    previous = next;
    return next;
  };
}
