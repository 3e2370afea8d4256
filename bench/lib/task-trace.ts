/**
 * The page's main-thread tasks with their thread (CPU) time, from a light
 * CDP trace (the `toplevel` category only). PerformanceObserver('longtask')
 * gives wall time, which on a machine short of cores includes the time the
 * page's thread waited for one: a 15 ms task can take 150 ms of wall clock at
 * a load average of 10. Both together say whether a long task is the page's
 * work or the machine's queue.
 */
import type { Page } from 'playwright-core';

/** A Chrome trace event, as CDP Tracing reports them. */
export interface TraceEvent {
  name: string;
  cat?: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time, µs: unlike dur, not stretched while the thread waits for a core. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

export interface TaskTimes {
  /** Wall time of each top-level task on the page's main thread, ms. */
  readonly wall: number[];
  /** Thread time of the same tasks, ms. */
  readonly cpu: number[];
}

/** Starts tracing the page; the returned stop ends it and gives the tasks between. */
export async function traceTasks(page: Page): Promise<() => Promise<TaskTimes>> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (data) => events.push(...(data.value as unknown as TraceEvent[])));
  const done = new Promise<void>((resolveDone) => cdp.once('Tracing.tracingComplete', () => resolveDone()));
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: ['toplevel', '__metadata'] } });
  return async () => {
    await cdp.send('Tracing.end');
    await done;
    await cdp.detach().catch(() => undefined);
    const main = events.find((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.['name'] === 'CrRendererMain');
    if (!main) return { wall: [], cpu: [] };
    const tasks = events
      .filter((event) => event.pid === main.pid && event.tid === main.tid && event.ph === 'X' && (event.name === 'ThreadControllerImpl::RunTask' || event.name === 'RunTask'))
      .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
    const wall: number[] = [];
    const cpu: number[] = [];
    let end = -Infinity;
    for (const task of tasks) {
      // Nested tasks (a nested loop, RunTask inside ThreadControllerImpl::RunTask) count once.
      if (task.ts < end) continue;
      end = task.ts + (task.dur ?? 0);
      wall.push((task.dur ?? 0) / 1000);
      cpu.push((task.tdur ?? 0) / 1000);
    }
    return { wall, cpu };
  };
}

/** Wall time (µs) per event name of complete events on one thread, minus the events nested in each. */
export function selfTimes(events: readonly TraceEvent[]): Map<string, number> {
  const chosen = [...events].sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const totals = new Map<string, number>();
  const stack: { event: TraceEvent; child: number }[] = [];
  const close = (until: number): void => {
    while (stack.length > 0) {
      const open = stack[stack.length - 1] as { event: TraceEvent; child: number };
      if (open.event.ts + (open.event.dur ?? 0) > until) break;
      stack.pop();
      totals.set(open.event.name, (totals.get(open.event.name) ?? 0) + (open.event.dur ?? 0) - open.child);
      const parent = stack[stack.length - 1];
      if (parent) parent.child += open.event.dur ?? 0;
    }
  };
  for (const event of chosen) {
    close(event.ts);
    stack.push({ event, child: 0 });
  }
  close(Infinity);
  return totals;
}
