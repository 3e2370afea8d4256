import { describe, expect, it } from 'vitest';
import { Batcher, type BatchTimers } from '../../main/engine/batcher.js';

/**
 * Hand-stepped time: timers fire only in `advance`, deferred callbacks only in
 * `endTurn` (what the microtask queue does once the socket read's handler
 * returns), so each test says exactly which turn a batch went out in.
 */
class FakeTimers implements BatchTimers {
  time = 1_000;
  private timers: { due: number; callback: () => void; id: number }[] = [];
  private deferred: (() => void)[] = [];
  private nextId = 1;

  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ due: this.time + ms, callback, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }
  defer(callback: () => void): void {
    this.deferred.push(callback);
  }
  get timersArmed(): number {
    return this.timers.length;
  }
  endTurn(): void {
    const run = this.deferred;
    this.deferred = [];
    for (const callback of run) callback();
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = this.timers.filter((timer) => timer.due <= until).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.time = next.due;
      this.timers = this.timers.filter((timer) => timer !== next);
      next.callback();
      this.endTurn();
    }
    this.time = until;
  }
}

/** `workMs`: how long forwarding a batch takes (the model, the listeners), as the clock sees it. */
function setup(policy = { windowMs: 4, maxEvents: 5 }, workMs = 0) {
  const timers = new FakeTimers();
  const batches: { at: number; items: number[] }[] = [];
  const batcher = new Batcher<number>(timers, policy, (items) => {
    batches.push({ at: timers.now(), items });
    timers.time += workMs;
  });
  return { timers, batches, batcher };
}

describe('Batcher', () => {
  it('sends an event that follows a quiet window in the same turn, with the rest of that read, and arms no timer', () => {
    const { timers, batches, batcher } = setup();
    batcher.add(1);
    batcher.add(2);
    expect(batches).toEqual([]);
    expect(timers.timersArmed).toBe(0);
    timers.endTurn();
    expect(batches).toEqual([{ at: 1_000, items: [1, 2] }]);
  });

  it('at a steady 200 events/s (one every 5 ms, window 4 ms) every event goes out in its own turn, none waits for a timer', () => {
    const { timers, batches, batcher } = setup();
    for (let i = 0; i < 10; i++) {
      batcher.add(i);
      timers.endTurn();
      expect(batches.at(-1)).toEqual({ at: timers.now(), items: [i] });
      timers.advance(5);
    }
    expect(batches).toHaveLength(10);
  });

  it('while busy (a batch went out less than a window ago) coalesces until the window is over', () => {
    const { timers, batches, batcher } = setup();
    batcher.add(1);
    timers.endTurn();
    timers.advance(1);
    batcher.add(2);
    timers.endTurn();
    timers.advance(1);
    batcher.add(3);
    timers.endTurn();
    expect(batches).toEqual([{ at: 1_000, items: [1] }]);
    timers.advance(2);
    expect(batches).toEqual([
      { at: 1_000, items: [1] },
      { at: 1_004, items: [2, 3] },
    ]);
  });

  it('grows batches under a flood (reads in which no timer fires) up to maxEvents, each going out at once', () => {
    const { timers, batches, batcher } = setup({ windowMs: 4, maxEvents: 3 });
    batcher.add(0);
    timers.endTurn();
    // The flood: seven events in reads of the same millisecond, no timer can fire in between.
    for (let i = 1; i <= 7; i++) {
      batcher.add(i);
      if (i % 2 === 0) timers.endTurn();
    }
    expect(batches.map((batch) => batch.items)).toEqual([[0], [1, 2, 3], [4, 5, 6]]);
    timers.advance(4);
    expect(batches.map((batch) => batch.items)).toEqual([[0], [1, 2, 3], [4, 5, 6], [7]]);
    expect(batches.at(-1)?.at).toBe(1_004);
  });

  it('counts the window from the end of a batch that took longer than the window, so a flood keeps full batches', () => {
    // Before: counted from its start, every socket read after a 5 ms batch looked idle and went out alone.
    const { timers, batches, batcher } = setup({ windowMs: 4, maxEvents: 4 }, 5);
    batcher.add(0);
    timers.endTurn();
    // A flood: reads of two events each, 0.5 ms apart, no timer phase in between.
    for (let i = 1; i <= 8; i++) {
      timers.time += 0.25;
      batcher.add(i);
      if (i % 2 === 0) timers.endTurn();
    }
    expect(batches.map((batch) => batch.items)).toEqual([[0], [1, 2, 3, 4], [5, 6, 7, 8]]);
  });

  it('an explicit flush sends at once, cancels the pending timer and turns the queued same-turn flush into a no-op', () => {
    const { timers, batches, batcher } = setup();
    batcher.add(1);
    batcher.flush();
    expect(batches).toEqual([{ at: 1_000, items: [1] }]);
    timers.endTurn();
    expect(batches).toHaveLength(1);
    batcher.add(2);
    expect(timers.timersArmed).toBe(1);
    batcher.flush();
    expect(timers.timersArmed).toBe(0);
    timers.advance(10);
    expect(batches.map((batch) => batch.items)).toEqual([[1], [2]]);
  });

  it('does not send an empty batch, and events added unscheduled go out with the next flush only', () => {
    const { timers, batches, batcher } = setup();
    batcher.flush();
    batcher.addUnscheduled([1, 2]);
    timers.endTurn();
    timers.advance(10);
    expect(batches).toEqual([]);
    expect(batcher.size).toBe(2);
    batcher.flush();
    expect(batches).toEqual([{ at: 1_010, items: [1, 2] }]);
  });

  it('a window of 0 sends every turn', () => {
    const { timers, batches, batcher } = setup({ windowMs: 0, maxEvents: 256 });
    batcher.add(1);
    timers.endTurn();
    batcher.add(2);
    batcher.add(3);
    timers.endTurn();
    expect(batches.map((batch) => batch.items)).toEqual([[1], [2, 3]]);
    expect(timers.timersArmed).toBe(0);
  });
});
