/**
 * A Chromium performance trace of the dom-latency setup, for finding where a
 * probe's time goes (not a row: nothing here is a figure of RESULTS.md).
 *
 *   npx vite build -c bench/vite.config.ts && node out/bench/ui-trace.js [seconds] [--no-build | --renderer DIR] [--no-trace]
 *
 * Streams like the dom-latency row (200 events/s, every 10th a probe) while
 * CDP Tracing records devtools.timeline on the page, then prints:
 * - the page's main-thread tasks: busy share, the longest, and what the tasks
 *   over 16 ms spent their time on (self time per trace event name);
 * - per probe, "frame written → frame reaches the page" split into the time
 *   the page's main thread was busy in that interval (a message waits behind
 *   a running task) and the rest (main side, socket, scheduling);
 * - when the main side forwarded each probe (ui-host's BENCH_HOST_STAMPS).
 * The raw trace is written to out/bench-profiles/ for chrome://tracing or
 * DevTools' Performance panel. --no-trace skips the trace (whose own cost is
 * large) and prints only CDP Performance.getMetrics shares and the latencies.
 * --cpu-prof also profiles the main side (ui-host) into out/bench-profiles/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './lib/fixture.js';
import { fmt, quantile } from './lib/harness.js';
import { descendants } from './lib/sched.js';
import { selfTimes as selfTimesOf, type TraceEvent } from './lib/task-trace.js';
import { buildApp, openUi, probeStamps, rowsInView, streamWithProbes, watchProbes } from './lib/ui.js';

const args = process.argv.slice(2);
const seconds = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 10);
const tracing = !args.includes('--no-trace');
// --renderer DIR: another build (e.g. of an older commit) to compare with.
const given = args.indexOf('--renderer');
const rendererDir = given >= 0 ? resolve(args[given + 1] ?? '') : args.includes('--no-build') ? resolve(ROOT, 'out', 'bench-app', 'renderer') : buildApp();

/**
 * CPU seconds so far of the Chromium processes (the browser and its
 * children), by --type: on a machine shared with other work the page's wall
 * time stretches with the load, its CPU time much less.
 */
function chromiumCpu(): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const row of descendants()) {
    if (!/chrom/i.test(row.args)) continue;
    const type = /--type=([\w-]+)/.exec(row.args)?.[1] ?? 'browser';
    try {
      const fields = readFileSync(`/proc/${row.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      totals[type] = (totals[type] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // Gone meanwhile.
    }
  }
  return totals;
}

async function main(): Promise<void> {
  process.env['BENCH_HOST_STAMPS'] = '1';
  const session = await openUi(rendererDir, args.includes('--cpu-prof') ? resolve(ROOT, 'out', 'bench-profiles') : undefined);
  try {
    const { page } = session;
    // --reduced-motion: what the ringing badge's pulse costs (compare with and without).
    if (args.includes('--reduced-motion')) await page.emulateMedia({ reducedMotion: 'reduce' });
    await watchProbes(page);
    // --mutations: which elements' text and attributes the stream changes (by class), to find needless DOM writes.
    if (args.includes('--mutations')) {
      await page.evaluate(() => {
        const counts: Record<string, number> = {};
        (window as unknown as { __mutations: Record<string, number> }).__mutations = counts;
        const label = (node: Node | null): string => {
          const element = node instanceof Element ? node : (node?.parentElement ?? null);
          return element ? `${element.tagName.toLowerCase()}.${[...element.classList].filter((name) => !name.startsWith('svelte-')).join('.')}` : '?';
        };
        new MutationObserver((records) => {
          for (const record of records) {
            const key = `${record.type}${record.attributeName ? `[${record.attributeName}]` : ''} ${label(record.target)}`;
            counts[key] = (counts[key] ?? 0) + 1;
          }
        }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
    }
    const targets = (await rowsInView(page)).filter((id) => /^uc\d+$/.test(id)).slice(0, 12);
    await streamWithProbes(session, { rate: 200, seconds: 2, probeEvery: 0, probeTargets: targets, firstLap: 1 });
    const cdp = await page.context().newCDPSession(page);
    const chunks: TraceEvent[] = [];
    cdp.on('Tracing.dataCollected', (data) => chunks.push(...(data.value as unknown as TraceEvent[])));
    const done = new Promise<void>((resolveDone) => cdp.once('Tracing.tracingComplete', () => resolveDone()));
    await cdp.send('Performance.enable');
    const metrics = async (): Promise<Record<string, number>> =>
      Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((metric: { name: string; value: number }) => [metric.name, metric.value]));
    if (tracing) await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: {
        // --invalidations: also which nodes made layout and paint work (heavy; for finding the cause, not for timing).
        includedCategories: [...(args.includes('--invalidations') ? ['disabled-by-default-devtools.timeline.invalidationTracking'] : []), 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'v8', 'blink.user_timing', 'v8.execute', 'disabled-by-default-devtools.timeline.frame'],
      },
    });
    // One mark ties the trace's clock (µs ticks) to the page's epoch clock.
    const markEpoch = await page.evaluate(() => {
      const mark = performance.mark('ui-trace-sync');
      return performance.timeOrigin + mark.startTime;
    });
    await session.lag();
    const cpuBefore = chromiumCpu();
    const before = await metrics();
    const stream = await streamWithProbes(session, { rate: 200, seconds, probeEvery: 10, probeTargets: targets, firstLap: 2 });
    const after = await metrics();
    const cpuAfter = chromiumCpu();
    const lag = await session.lag();
    await new Promise((resolveWait) => setTimeout(resolveWait, 500));
    if (tracing) {
      await cdp.send('Tracing.end');
      await done;
    }
    const wall = (after['Timestamp'] ?? 0) - (before['Timestamp'] ?? 0);
    const cpu = Object.keys(cpuAfter).map((type) => `${type} ${fmt((((cpuAfter[type] ?? 0) - (cpuBefore[type] ?? 0)) / wall) * 100, 0)} %`);
    console.log(`Chromium CPU time per second of the stream: ${cpu.join(', ')} (of one core)`);
    const share = (name: string): string => `${fmt((((after[name] ?? 0) - (before[name] ?? 0)) / wall) * 100, 1)} %`;
    console.log(`page (Performance.getMetrics over ${fmt(wall, 1)} s): busy ${share('TaskDuration')}, script ${share('ScriptDuration')}, layout ${share('LayoutDuration')}, style ${share('RecalcStyleDuration')}; ${fmt((after['LayoutCount'] ?? 0) - (before['LayoutCount'] ?? 0))} layouts, ${fmt((after['RecalcStyleCount'] ?? 0) - (before['RecalcStyleCount'] ?? 0))} style recalcs`);
    const hostStamps = await session.hostStamps();
    const seen = await probeStamps(page);
    if (args.includes('--mutations')) {
      const counts = await page.evaluate(() => (window as unknown as { __mutations: Record<string, number> }).__mutations);
      console.log('DOM mutations while streaming (type, element):');
      for (const [key, count] of Object.entries(counts).sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${String(count).padStart(6)}  ${key}`);
    }
    const out = resolve(ROOT, 'out', 'bench-profiles');
    mkdirSync(out, { recursive: true });
    const file = resolve(out, `ui-trace-${Date.now()}.json`);
    if (tracing) writeFileSync(file, JSON.stringify({ traceEvents: chunks }));
    analyze(tracing ? chunks : null, markEpoch, stream.sent, seen, hostStamps, session.clockSkew.skew);
    console.log(`main side event loop: p99 ${fmt(lag.p99, 1)} ms, max ${fmt(lag.max, 1)} ms; sender's worst tick lateness ${fmt(stream.worstTickLateMs, 1)} ms`);
    if (tracing) console.log(`trace: ${file}`);
  } finally {
    await session.close();
  }
}

function analyze(
  traced: TraceEvent[] | null,
  markEpoch: number,
  sent: Map<number, number>,
  seen: { dom: Record<string, number>; arrived: Record<string, number> },
  hostStamps: { received: Record<string, number>; forwarded: Record<string, number> },
  skew: number,
): void {
  const host = hostStamps.forwarded;
  const events = traced ?? [];
  const mark = events.find((event) => event.name === 'ui-trace-sync') ?? { pid: -1, tid: -1, ts: 0 };
  if (traced && mark.pid === -1) throw new Error('no sync mark in the trace');
  const main = events.find((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.['name'] === 'CrRendererMain' && event.pid === mark.pid) ?? { pid: -1, tid: -1 };
  if (traced && main.pid === -1) throw new Error('no renderer main thread');
  const toEpoch = (ts: number): number => markEpoch + (ts - mark.ts) / 1000;
  const onMain = events.filter((event) => event.pid === main.pid && event.tid === main.tid && event.ph === 'X' && event.dur !== undefined);
  const tasks = onMain.filter((event) => event.name === 'RunTask' || event.name === 'ThreadControllerImpl::RunTask').sort((a, b) => a.ts - b.ts);
  // Nested RunTasks (a nested loop) count once.
  const top: TraceEvent[] = [];
  for (const task of tasks) {
    const last = top[top.length - 1];
    if (last && task.ts < last.ts + (last.dur ?? 0)) continue;
    top.push(task);
  }
  const first = top[0]?.ts ?? 0;
  const lastTask = top[top.length - 1];
  const span = lastTask ? lastTask.ts + (lastTask.dur ?? 0) - first : 1;
  const busy = top.reduce((sum, task) => sum + (task.dur ?? 0), 0);
  const durations = top.map((task) => (task.dur ?? 0) / 1000).sort((a, b) => a - b);
  if (traced) {
    const cpu = top.map((task) => (task.tdur ?? 0) / 1000).sort((a, b) => a - b);
    const cpuSum = cpu.reduce((sum, value) => sum + value, 0);
    console.log(`page main thread CPU (thread time): ${fmt((cpuSum / (span / 1000)) * 100, 1)} % of a core; task p50 ${fmt(quantile(cpu, 0.5), 2)} ms, p99 ${fmt(quantile(cpu, 0.99), 1)} ms, max ${fmt(cpu[cpu.length - 1] ?? 0, 1)} ms; over 16 ms: ${cpu.filter((d) => d > 16).length}, over 50 ms: ${cpu.filter((d) => d > 50).length}`);
    console.log(`page main thread: ${top.length} tasks over ${fmt(span / 1e6, 1)} s, busy ${fmt((busy / span) * 100, 1)} %; task p50 ${fmt(quantile(durations, 0.5), 2)} ms, p99 ${fmt(quantile(durations, 0.99), 1)} ms, max ${fmt(durations[durations.length - 1] ?? 0, 1)} ms; over 16 ms: ${durations.filter((d) => d > 16).length}, over 50 ms: ${durations.filter((d) => d > 50).length}`);

    // Self time per event name, all tasks and tasks over 16 ms.
    const selfTimes = (within: (event: TraceEvent) => boolean): Map<string, number> => selfTimesOf(onMain.filter(within));
    const long = top.filter((task) => (task.dur ?? 0) > 16_000);
    const inLong = (event: TraceEvent): boolean => long.some((task) => event.ts >= task.ts && event.ts < task.ts + (task.dur ?? 0));
    const print = (title: string, totals: Map<string, number>, whole: number): void => {
      const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, 14);
      console.log(`${title}:`);
      for (const [name, us] of rows) console.log(`  ${name.padEnd(34)} ${fmt(us / 1000, 1).padStart(9)} ms ${fmt((us / whole) * 100, 1).padStart(6)} %`);
    };
    print('self time, all tasks (share of busy time)', selfTimes(() => true), busy);
    const longBusy = long.reduce((sum, task) => sum + (task.dur ?? 0), 0);
    if (long.length > 0) print(`self time in the ${long.length} tasks over 16 ms (share of their time)`, selfTimes(inLong), longBusy);
    for (const task of [...long].sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0)).slice(0, 3)) {
      const inside = (event: TraceEvent): boolean => event.ts >= task.ts && event.ts < task.ts + (task.dur ?? 0);
      const totals = [...selfTimes(inside)].sort((a, b) => b[1] - a[1]).slice(0, 6);
      console.log(`  task of ${fmt((task.dur ?? 0) / 1000, 1)} ms: ${totals.map(([name, us]) => `${name} ${fmt(us / 1000, 1)}`).join(', ')}`);
    }
  }

  // Where each probe's "to the page" time went.
  const busyBetween = (from: number, to: number): number => {
    let sum = 0;
    for (const task of top) {
      const start = toEpoch(task.ts);
      const end = start + (task.dur ?? 0) / 1000;
      if (end <= from || start >= to) continue;
      sum += Math.min(end, to) - Math.max(start, from);
    }
    return sum;
  };
  const toPage: number[] = [];
  const blocked: number[] = [];
  const rest: number[] = [];
  const hostLag: number[] = [];
  const toEngine: number[] = [];
  const inEngine: number[] = [];
  const hostToPage: number[] = [];
  const total: number[] = [];
  for (const [probe, at] of sent) {
    const arrived = seen.arrived[String(probe)];
    const dom = seen.dom[String(probe)];
    const forwarded = host[String(probe)];
    const received = hostStamps.received[String(probe)];
    if (forwarded !== undefined) hostLag.push(forwarded - at);
    if (received !== undefined) toEngine.push(received - at);
    if (received !== undefined && forwarded !== undefined) inEngine.push(forwarded - received);
    if (dom !== undefined) total.push(dom - skew - at);
    if (arrived === undefined) continue;
    const wait = arrived - skew - at;
    const fromPage = forwarded !== undefined ? forwarded + skew : at + skew;
    if (forwarded !== undefined) hostToPage.push(arrived - skew - forwarded);
    const waited = busyBetween(fromPage, arrived);
    toPage.push(wait);
    blocked.push(waited);
    rest.push(wait - waited);
  }
  const line = (label: string, values: number[]): void => {
    values.sort((a, b) => a - b);
    console.log(`  ${label.padEnd(60)} p50 ${fmt(quantile(values, 0.5), 1).padStart(7)}  p90 ${fmt(quantile(values, 0.9), 1).padStart(7)}  p99 ${fmt(quantile(values, 0.99), 1).padStart(7)}  max ${fmt(values[values.length - 1] ?? NaN, 1).padStart(7)} ms`);
  };
  console.log(`probes: ${sent.size} sent, ${Object.keys(seen.dom).length} seen in the DOM`);
  line('frame written → DOM updated', total);
  line('frame written → forwarded by the main side (engine batch)', hostLag);
  line('  frame written → parsed by the engine (socket, main side loop)', toEngine);
  line('  parsed → forwarded (batch wait, model, browser host send)', inEngine);
  line('forwarded → reaches the page', hostToPage);
  line('frame written → reaches the page', toPage);
  if (traced) line('  of which the page main thread busy (forwarded → arrival)', blocked);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
