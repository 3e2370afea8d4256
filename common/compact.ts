type Compacted<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/**
 * Drops keys whose value is undefined. Schemas produce `key?: T | undefined`;
 * APIs written for exactOptionalPropertyTypes want the key absent instead.
 */
export function compact<T extends object>(value: T): Compacted<T> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = item;
  return out as Compacted<T>;
}
