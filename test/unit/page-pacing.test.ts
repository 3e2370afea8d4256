import { afterEach, describe, expect, it, vi } from 'vitest';
import { createScheduler } from '../../renderer/src/lib/scheduler.js';
import { sameItems, stableList } from '../../renderer/src/lib/stable.js';
import { createTitleWriter } from '../../renderer/src/lib/title.js';

describe('the store scheduler under a slow page', () => {
  it('counts the quiet frame from the end of the last flush, so a flush slower than a frame does not make the next one immediate', async () => {
    const frames: (() => void)[] = [];
    let clock = 1000;
    const schedule = createScheduler((task) => frames.push(task), () => clock);
    const ran: string[] = [];
    schedule(() => {
      ran.push('slow');
      clock += 40; // the flush itself took 40 ms
    });
    await Promise.resolve();
    expect(ran).toEqual(['slow']);
    clock += 2;
    schedule(() => ran.push('next'));
    await Promise.resolve();
    // Started 42 ms after the slow one began but 2 ms after it ended: waits for the frame.
    expect(ran).toEqual(['slow']);
    expect(frames).toHaveLength(1);
    frames.shift()?.();
    expect(ran).toEqual(['slow', 'next']);
  });
});

describe('stable lists', () => {
  it('keeps the previous array while the items are the same objects in the same order', () => {
    const a = { id: 'a' };
    const b = { id: 'b' };
    const keep = stableList<{ id: string }>();
    const first = keep([a, b]);
    expect(keep([a, b])).toBe(first);
    const swapped = keep([b, a]);
    expect(swapped).not.toBe(first);
    expect(swapped).toEqual([b, a]);
    expect(keep([b, { id: 'a' }])).not.toBe(swapped);
    expect(sameItems(undefined, [])).toBe(false);
    expect(sameItems([a], [a, b])).toBe(false);
  });
});

describe('the title writer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the first change at once, then at most one per interval, always ending on the latest text', () => {
    vi.useFakeTimers();
    let clock = 0;
    const writes: string[] = [];
    const writer = createTitleWriter((text) => writes.push(text), 250, () => clock);
    writer.set('(1) ringing');
    expect(writes).toEqual(['(1) ringing']);
    clock = 10;
    writer.set('(2) ringing');
    writer.set('(3) ringing');
    expect(writes).toEqual(['(1) ringing']);
    clock = 250;
    vi.advanceTimersByTime(240);
    expect(writes).toEqual(['(1) ringing', '(3) ringing']);
    // Back to the text already shown before the next slot: nothing to write.
    clock = 300;
    writer.set('(3) ringing');
    clock = 500;
    vi.advanceTimersByTime(200);
    expect(writes).toEqual(['(1) ringing', '(3) ringing']);
    clock = 2000;
    writer.set('ARI Console');
    expect(writes).toEqual(['(1) ringing', '(3) ringing', 'ARI Console']);
    writer.dispose();
  });
});
