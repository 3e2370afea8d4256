/** One frame at 60 Hz: the least time between two flushes that run at once. */
const FRAME_MS = 16;

/**
 * The store's scheduler: the first batch after a quiet frame is applied at
 * once (in a microtask, so the DOM changes in the same task the message
 * arrived in, without waiting up to a frame for requestAnimationFrame);
 * batches that follow within the same frame wait for `nextFrame` and are
 * applied together. Steady traffic thus costs one flush per frame at most,
 * and a lone event shows with no frame of delay. DOM-free: the page passes
 * frame.ts's scheduleFrame, tests a queue of their own.
 *
 * "Quiet" is counted from when the last flush ended, not began: counted from
 * its start, a flush slower than a frame made every next message flush at
 * once too, so a busy page never coalesced and fell further behind
 * (bench/findings.md, dom-latency).
 */
export function createScheduler(nextFrame: (task: () => void) => void, now: () => number = () => performance.now()): (task: () => void) => void {
  let lastRun = Number.NEGATIVE_INFINITY;
  return (task) => {
    const run = (): void => {
      try {
        task();
      } finally {
        lastRun = now();
      }
    };
    if (now() - lastRun >= FRAME_MS) queueMicrotask(run);
    else nextFrame(run);
  };
}
