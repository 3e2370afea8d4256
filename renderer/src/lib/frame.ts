/**
 * Runs a task before the next paint, or after FALLBACK_MS if no frame came
 * by then, whichever is first. requestAnimationFrame stops in hidden tabs,
 * where batches would pile up unapplied for hours; and on a machine short of
 * CPU a frame reaches the page only after the browser's compositor, its GPU
 * process and the page's compositor thread each got a core in turn, which
 * took hundreds of milliseconds with the bench machine loaded
 * (bench/findings.md, dom-latency) while a timer needs only the page's own
 * thread. A frame on time still wins: at 60 Hz one comes within 16.7 ms.
 */
const FALLBACK_MS = 24;

export function scheduleFrame(task: () => void): void {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    task();
  };
  const frame = requestAnimationFrame(run);
  const timer = setTimeout(run, FALLBACK_MS);
}
