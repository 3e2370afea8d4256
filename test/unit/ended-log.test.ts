import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EndedLog, EndedLogDraft } from '../../common/model/ended-log.js';

type Op = { kind: 'end'; key: string } | { kind: 'drop'; count: number };

/** The same operations on a plain Map: what every version of the log must read as. */
function reference(base: Map<string, number>, ops: readonly Op[], value: number): Map<string, number> {
  const map = new Map(base);
  for (const op of ops) {
    if (op.kind === 'end') {
      map.delete(op.key);
      map.set(op.key, value);
    } else {
      let left = op.count;
      for (const key of [...map.keys()]) if (left-- > 0) map.delete(key);
    }
  }
  return map;
}

function apply(log: EndedLog<number>, ops: readonly Op[], value: number): EndedLog<number> {
  const draft = new EndedLogDraft(log);
  for (const op of ops) {
    if (op.kind === 'end') {
      draft.delete(op.key);
      draft.append(op.key, value);
    } else {
      draft.dropOldest(op.count);
    }
  }
  return draft.finish();
}

function expectSame(log: EndedLog<number>, map: Map<string, number>): void {
  expect(log.size).toBe(map.size);
  expect([...log.entries()]).toEqual([...map.entries()]);
  expect([...log]).toEqual([...map]);
  expect([...log.keys()]).toEqual([...map.keys()]);
  expect([...log.values()]).toEqual([...map.values()]);
  const seen: [string, number][] = [];
  log.forEach((value, key, owner) => {
    expect(owner).toBe(log);
    seen.push([key, value]);
  });
  expect(seen).toEqual([...map.entries()]);
  for (const key of map.keys()) {
    expect(log.has(key)).toBe(true);
    expect(log.get(key)).toBe(map.get(key));
  }
  expect(log.has('never-there')).toBe(false);
  expect(log.get('never-there')).toBeUndefined();
}

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 120 }).map((n) => ({ kind: 'end' as const, key: `c${n}` })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70 }).map((count) => ({ kind: 'drop' as const, count })) },
);

describe('EndedLog', () => {
  it('reads as a Map given the same ends and drops, batch after batch, and earlier versions never change', () => {
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 80 }), { minLength: 1, maxLength: 8 }), (batches) => {
        const versions: { log: EndedLog<number>; map: Map<string, number> }[] = [{ log: EndedLog.empty(), map: new Map() }];
        batches.forEach((ops, index) => {
          const last = versions[versions.length - 1] as { log: EndedLog<number>; map: Map<string, number> };
          versions.push({ log: apply(last.log, ops, index), map: reference(last.map, ops, index) });
        });
        for (const version of versions) expectSame(version.log, version.map);
      }),
      { numRuns: 300 },
    );
  });

  it('from() keeps a Map in order and returns a log as it is', () => {
    const map = new Map(Array.from({ length: 75 }, (_, i) => [`k${i}`, i] as [string, number]));
    const log = EndedLog.from(map);
    expectSame(log, map);
    expect(EndedLog.from(log)).toBe(log);
  });

  it('replace() changes an entry where it stands (a corrected end stays where it was), and only in the new version', () => {
    const map = new Map(Array.from({ length: 75 }, (_, i) => [`k${i}`, i] as [string, number]));
    const log = EndedLog.from(map);
    const draft = new EndedLogDraft(log);
    expect(draft.replace('k40', -40)).toBe(true);
    expect(draft.replace('absent', 1)).toBe(false);
    expect(draft.get('k40')).toBe(-40);
    const next = draft.finish();
    expectSame(next, new Map(map).set('k40', -40));
    expectSame(log, map);
  });
});
