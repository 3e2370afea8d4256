/**
 * The window title carries the ringing count (seen on the taskbar and on a
 * background tab). Each write is a round trip to the browser process, and with
 * a busy PBX the count changes many times a second: the writer applies the
 * first change at once, then at most one per `intervalMs`, and always ends on
 * the latest text. (Writing on every change was ~3 % of the page's time at
 * 200 events/s, bench/findings.md.) DOM-free: the page passes the write.
 */
export interface TitleWriter {
  set(text: string): void;
  dispose(): void;
}

export function createTitleWriter(write: (text: string) => void, intervalMs = 250, now: () => number = () => performance.now()): TitleWriter {
  let written: string | null = null;
  let pending: string | null = null;
  let writtenAt = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = (): void => {
    timer = null;
    if (pending !== null && pending !== written) {
      written = pending;
      writtenAt = now();
      write(pending);
    }
    pending = null;
  };
  return {
    set(text) {
      pending = text;
      if (timer !== null) return;
      const wait = writtenAt + intervalMs - now();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    dispose() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
