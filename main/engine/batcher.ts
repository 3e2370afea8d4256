import type { Clock } from '../clock.js';

/**
 * When the engine's events go out as a batch (to the model, then to every
 * renderer). Two loads, two answers:
 *
 * - Idle (nothing went out for a window): the batch goes out in the same turn
 *   of the event loop, once the code now running is done (`defer`, a
 *   microtask by default: after the socket read that brought the frame, with
 *   every other frame of that read). A timer, even of 0 ms, waited for the
 *   next turn's timer phase, 1-2 ms on every event at 200 events/s
 *   (bench/findings.md, dom-latency).
 * - Busy (a batch was done less than a window ago): events wait for the rest
 *   of the window, so a flood is a few large batches, not one per socket read;
 *   and never more than `maxEvents` wait: a flood arrives as long socket reads
 *   in which no timer can fire, and short-lived batches let the young GC free
 *   parsed frames instead of copying them (bench/RESULTS.md, ingest).
 */
export interface BatchPolicy {
  /** A batch that follows another waits until this long after it (ms). */
  readonly windowMs: number;
  /** A batch this large goes out at once. */
  readonly maxEvents: number;
}

export interface BatchTimers extends Clock {
  /** Runs `callback` once the code now running is done, before the loop moves on (queueMicrotask). */
  defer(callback: () => void): void;
}

export class Batcher<T> {
  private pending: T[] = [];
  private timer: unknown = null;
  /** Which deferred flush is the live one: a flush made meanwhile makes the queued one a no-op. */
  private deferredTicket = 0;
  private deferred = false;
  private lastFlushAt = -Infinity;

  constructor(
    private readonly timers: BatchTimers,
    private readonly policy: BatchPolicy,
    private readonly onFlush: (items: T[]) => void,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  /** Adds an event and schedules its batch. */
  add(item: T): void {
    this.pending.push(item);
    if (this.pending.length >= this.policy.maxEvents) {
      this.flush();
      return;
    }
    if (this.timer !== null || this.deferred) return;
    const wait = Math.min(this.policy.windowMs, this.lastFlushAt + this.policy.windowMs - this.timers.now());
    if (wait > 0) {
      this.timer = this.timers.setTimeout(() => {
        this.timer = null;
        this.flush();
      }, wait);
      return;
    }
    this.deferred = true;
    const ticket = ++this.deferredTicket;
    this.timers.defer(() => {
      if (ticket === this.deferredTicket && this.deferred) this.flush();
    });
  }

  /** Adds events that go out with the next flush, without scheduling one (the caller flushes). */
  addUnscheduled(items: readonly T[]): void {
    for (const item of items) this.pending.push(item);
  }

  /** Sends what is pending now, as one batch (nothing if nothing is). */
  flush(): void {
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
    this.deferred = false;
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    try {
      this.onFlush(items);
    } finally {
      // From the end of the batch's work: in a flood, applying 256 events can outlast the window,
      // and counted from its start the next socket read would look idle and go out alone.
      this.lastFlushAt = this.timers.now();
    }
  }
}
