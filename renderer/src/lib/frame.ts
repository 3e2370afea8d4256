/**
 * Runs a task before the next paint. requestAnimationFrame stops in hidden
 * tabs, where batches would pile up unapplied for hours; the timeout keeps a
 * hidden console current at a few updates per second.
 */
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
  const timer = setTimeout(run, 250);
}
