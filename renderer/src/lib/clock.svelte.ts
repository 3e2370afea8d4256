/**
 * A reactive "now" that ticks on the second boundary, so every duration on
 * screen advances together instead of drifting apart.
 */
export interface Clock {
  readonly now: number;
  stop(): void;
}

export function createClock(): Clock {
  let now = $state(Date.now());
  let timer: ReturnType<typeof setTimeout>;
  const tick = (): void => {
    now = Date.now();
    timer = setTimeout(tick, 1000 - (now % 1000) + 5);
  };
  tick();
  return {
    get now() {
      return now;
    },
    stop: () => clearTimeout(timer),
  };
}
