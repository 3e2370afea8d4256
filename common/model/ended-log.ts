import { copyMap } from './copy-map.js';

/**
 * The ended channels, oldest first, as a persistent map: a list of small
 * chunks in insertion order. A batch that ends a call and drops the oldest
 * copies the two chunks it touches (at most CHUNK entries each) and the list
 * of chunks, not all `maxEnded` entries: copying the whole map once per batch
 * was over half of the call model's allocation (bench/RESULTS.md, ingest).
 * Readers see an ordinary ReadonlyMap; every version stays valid and
 * unchanged after later batches, like the rest of the model.
 */
const CHUNK = 32;

type Chunk<V> = ReadonlyMap<string, V>;

export class EndedLog<V> implements ReadonlyMap<string, V> {
  private constructor(
    /** Never mutated once the log exists; a draft copies what it changes. */
    private readonly chunks: readonly Chunk<V>[],
    readonly size: number,
  ) {}

  static empty<V>(): EndedLog<V> {
    return new EndedLog<V>([], 0);
  }

  /** The same entries in the same order; a log is returned as it is. */
  static from<V>(source: ReadonlyMap<string, V>): EndedLog<V> {
    if (source instanceof EndedLog) return source as EndedLog<V>;
    const draft = new EndedLogDraft(EndedLog.empty<V>());
    source.forEach((value, key) => draft.append(key, value));
    return draft.finish();
  }

  get(key: string): V | undefined {
    for (const chunk of this.chunks) {
      const value = chunk.get(key);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  has(key: string): boolean {
    for (const chunk of this.chunks) if (chunk.has(key)) return true;
    return false;
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const chunk of this.chunks) chunk.forEach((value, key) => callback.call(thisArg, value, key, this));
  }

  *entries(): MapIterator<[string, V]> {
    for (const chunk of this.chunks) yield* chunk.entries();
  }

  *keys(): MapIterator<string> {
    for (const chunk of this.chunks) yield* chunk.keys();
  }

  *values(): MapIterator<V> {
    for (const chunk of this.chunks) yield* chunk.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'EndedLog';
  }

  /** The chunks as they are, for a draft to start from. */
  static chunksOf<V>(log: EndedLog<V>): readonly Chunk<V>[] {
    return log.chunks;
  }

  static of<V>(chunks: readonly Chunk<V>[], size: number): EndedLog<V> {
    return new EndedLog(chunks, size);
  }
}

/** Copy-on-write edits of one log over one batch; each chunk is copied at most once. */
export class EndedLogDraft<V> {
  private readonly chunks: Chunk<V>[];
  private readonly owned = new Set<Chunk<V>>();
  private count: number;

  constructor(base: EndedLog<V>) {
    this.chunks = EndedLog.chunksOf(base).slice();
    this.count = base.size;
  }

  get size(): number {
    return this.count;
  }

  delete(key: string): boolean {
    for (let i = 0; i < this.chunks.length; i++) {
      if (!(this.chunks[i] as Chunk<V>).has(key)) continue;
      const chunk = this.own(i);
      chunk.delete(key);
      this.count -= 1;
      if (chunk.size === 0) this.chunks.splice(i, 1);
      return true;
    }
    return false;
  }

  get(key: string): V | undefined {
    for (const chunk of this.chunks) {
      const value = chunk.get(key);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** Replaces an entry where it stands (a corrected end must not make it the newest); false when absent. */
  replace(key: string, value: V): boolean {
    const index = this.chunks.findIndex((chunk) => chunk.has(key));
    if (index < 0) return false;
    this.own(index).set(key, value);
    return true;
  }

  /** Adds at the newest end; the caller deletes an existing key first. */
  append(key: string, value: V): void {
    const last = this.chunks.length - 1;
    let chunk: Map<string, V>;
    if (last < 0 || (this.chunks[last] as Chunk<V>).size >= CHUNK) {
      chunk = new Map();
      this.owned.add(chunk);
      this.chunks.push(chunk);
    } else {
      chunk = this.own(last);
    }
    chunk.set(key, value);
    this.count += 1;
  }

  /** Drops the `count` oldest entries. */
  dropOldest(count: number): void {
    let left = count;
    while (left > 0 && this.chunks.length > 0) {
      const first = this.chunks[0] as Chunk<V>;
      if (first.size <= left) {
        // A whole chunk goes without being copied.
        this.chunks.shift();
        left -= first.size;
        this.count -= first.size;
        continue;
      }
      const chunk = this.own(0);
      for (const key of chunk.keys()) {
        if (left === 0) break;
        chunk.delete(key);
        left -= 1;
        this.count -= 1;
      }
    }
  }

  finish(): EndedLog<V> {
    return EndedLog.of(this.chunks.slice(), this.count);
  }

  private own(index: number): Map<string, V> {
    const chunk = this.chunks[index] as Chunk<V>;
    if (this.owned.has(chunk)) return chunk as Map<string, V>;
    const copy = copyMap(chunk);
    this.owned.add(copy);
    this.chunks[index] = copy;
    return copy;
  }
}
