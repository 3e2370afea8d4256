/**
 * A Map's copy for the model's copy-on-write (the draft's maps, the ended
 * log's chunks). `new Map(map)` walks the source with its entries iterator,
 * one [key, value] array per entry: when the 500 ended channels were copied
 * that way once per batch it was a quarter of the model's allocation
 * (bench/RESULTS.md, ingest). forEach hands over key and value without the array.
 */
export function copyMap<K, V>(source: ReadonlyMap<K, V>): Map<K, V> {
  const copy = new Map<K, V>();
  source.forEach((value, key) => copy.set(key, value));
  return copy;
}
