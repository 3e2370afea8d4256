/**
 * The two Chromium rows: the production renderer in headless Chromium, fed
 * through the browser host by the console's real main side, which is fed by
 * the replay server: 1,000 live channels from the snapshot, then replayed
 * calls at 200 events/s.
 *
 * - dom-latency: every 10th event is a probe (a caller-id change on a row in
 *   view); latency = when the page's MutationObserver saw "probe#N" in the
 *   DOM − when the replay server wrote the frame (both epoch clocks of this
 *   machine; the measured skew is subtracted and reported).
 * - render: while the stream runs, Playwright scrolls the call list, then the
 *   selected call's timeline, with the mouse wheel; the page records every
 *   requestAnimationFrame interval and every long task (PerformanceObserver).
 */
import { loadavg } from 'node:os';
import { fmt, quantile, summarize, type BenchRow, type Figure, type RowContext } from '../lib/harness.js';
import { chromiumRenderers, sample, since } from '../lib/sched.js';
import { traceTasks } from '../lib/task-trace.js';
import { buildApp, LIVE_CHANNELS, openUi, probeStamps, rowsInView, startFrames, stopFrames, streamWithProbes, watchProbes, wheel } from '../lib/ui.js';

const RATE = 200;
const LATENCY_GOAL_MS = 16;
const FPS_GOAL = 55;
const LONG_TASK_GOAL_MS = 50;

export const domLatencyRow: BenchRow = {
  id: 'dom-latency',
  measure: 'event → updated DOM latency, p50 and p99, in Chromium',
  comparedWith: 'one frame (16.7 ms)',
  goal: 'p99 ≤ 16 ms at 200 events/s with 1,000 live channels',
  needsSandbox: false,
  async run(context: RowContext) {
    const runs = context.runs ?? 3;
    const seconds = Number(process.env['BENCH_UI_SECONDS'] ?? 20);
    const rendererDir = buildApp();
    const p50: number[] = [];
    const p99: number[] = [];
    const max: number[] = [];
    const lost: number[] = [];
    const mainP50: number[] = [];
    const mainP99: number[] = [];
    const pageP50: number[] = [];
    const pageP99: number[] = [];
    const lagP99: number[] = [];
    const lagMax: number[] = [];
    // Main threads' CPU and run-queue wait, ms per second of streaming (bench/lib/sched.ts).
    const cpu = { hostRun: [] as number[], hostWait: [] as number[], pageRun: [] as number[], pageWait: [] as number[] };
    // Hop by hop (see below): each a [p50, p99] series.
    const hops = new Map<string, { p50: number[]; p99: number[] }>();
    const hop = (label: string, values: number[]): void => {
      values.sort((a, b) => a - b);
      const series = hops.get(label) ?? { p50: [], p99: [] };
      series.p50.push(quantile(values, 0.5));
      series.p99.push(quantile(values, 0.99));
      hops.set(label, series);
    };
    const notes: string[] = [];
    // The main side stamps each probe as its engine parses it and as its batch goes out (bench/ui-host.ts).
    process.env['BENCH_HOST_STAMPS'] = '1';
    for (let run = 0; run < runs; run++) {
      const profileDir = run === 0 ? context.cpuProfDir : undefined;
      const session = await openUi(rendererDir, profileDir);
      try {
        const bareArrivals = await session.openBarePage();
        await watchProbes(session.page);
        const targets = (await rowsInView(session.page)).filter((id) => /^uc\d+$/.test(id)).slice(0, 12);
        if (targets.length === 0) throw new Error('no snapshot channel in view to probe');
        // Two seconds of traffic first: the page's code is warm and the first replayed calls are in.
        await streamWithProbes(session, { rate: RATE, seconds: 2, probeEvery: 0, probeTargets: targets, firstLap: 1 });
        const stopProfile = profileDir ? await session.profile() : null;
        await session.lag();
        const watched = [session.host.process.pid ?? -1, ...chromiumRenderers()];
        const schedBefore = sample(watched);
        const stream = await streamWithProbes(session, { rate: RATE, seconds, probeEvery: 10, probeTargets: targets, firstLap: 2 });
        const sched = since(schedBefore, sample(watched));
        const lag = await session.lag();
        const hostSched = sched.get(watched[0] as number);
        // The console page's renderer is the busiest one (the bare page's only takes messages).
        const pageSched = [...sched].filter(([pid]) => pid !== watched[0]).map(([, value]) => value).sort((a, b) => b.runMs - a.runMs)[0];
        cpu.hostRun.push((hostSched?.runMs ?? NaN) / stream.seconds);
        cpu.hostWait.push((hostSched?.waitMs ?? NaN) / stream.seconds);
        cpu.pageRun.push((pageSched?.runMs ?? NaN) / stream.seconds);
        cpu.pageWait.push((pageSched?.waitMs ?? NaN) / stream.seconds);
        lagP99.push(lag.p99);
        lagMax.push(lag.max);
        await new Promise((resolveWait) => setTimeout(resolveWait, 1000));
        if (profileDir) await stopProfile?.(`${profileDir}/renderer-dom-latency-${Date.now()}.cpuprofile`);
        const seen = await probeStamps(session.page);
        const host = await session.hostStamps();
        const bare = await bareArrivals();
        const { skew } = session.clockSkew;
        const parsed: number[] = [];
        const batched: number[] = [];
        const toBare: number[] = [];
        const toConsole: number[] = [];
        const latencies: number[] = [];
        const toPage: number[] = [];
        const inPage: number[] = [];
        for (const [probe, sentAt] of stream.sent) {
          const key = String(probe);
          const [received, forwarded, bareAt, arrived, at] = [host.received[key], host.forwarded[key], bare[key], seen.arrived[key], seen.dom[key]];
          if (received !== undefined) parsed.push(received - sentAt);
          if (received !== undefined && forwarded !== undefined) batched.push(forwarded - received);
          if (forwarded !== undefined && bareAt !== undefined) toBare.push(bareAt - skew - forwarded);
          if (forwarded !== undefined && arrived !== undefined) toConsole.push(arrived - skew - forwarded);
          if (at !== undefined) latencies.push(at - skew - sentAt);
          if (arrived !== undefined) toPage.push(arrived - skew - sentAt);
          if (at !== undefined && arrived !== undefined) inPage.push(at - arrived);
        }
        hop('frame written → parsed by the engine (replay socket, main side event loop)', parsed);
        hop('parsed → batch sent by the browser host (batch wait, model, listeners, serialization, send)', batched);
        hop('sent → reaches a bare page (loopback, Chromium network service, IPC; the page idle)', toBare);
        hop('sent → reaches the console page (the same, waiting for the page main thread)', toConsole);
        latencies.sort((a, b) => a - b);
        toPage.sort((a, b) => a - b);
        inPage.sort((a, b) => a - b);
        mainP50.push(quantile(toPage, 0.5));
        mainP99.push(quantile(toPage, 0.99));
        pageP50.push(quantile(inPage, 0.5));
        pageP99.push(quantile(inPage, 0.99));
        p50.push(quantile(latencies, 0.5));
        p99.push(quantile(latencies, 0.99));
        max.push(latencies[latencies.length - 1] ?? NaN);
        lost.push(stream.sent.size - latencies.length);
        context.log(
          `dom-latency run ${run + 1}/${runs}: ${latencies.length} probes, p50 ${fmt(quantile(latencies, 0.5), 1)} ms, p99 ${fmt(quantile(latencies, 0.99), 1)} ms, max ${fmt(latencies[latencies.length - 1] ?? NaN, 1)} ms (to the page p50 ${fmt(quantile(toPage, 0.5), 1)} / p99 ${fmt(quantile(toPage, 0.99), 1)}, in the page p50 ${fmt(quantile(inPage, 0.5), 1)} / p99 ${fmt(quantile(inPage, 0.99), 1)}; main event loop p99 ${fmt(lag.p99, 1)} / max ${fmt(lag.max, 1)}); ${stream.events} events in ${fmt(stream.seconds, 1)} s; clock skew ${fmt(session.clockSkew.skew, 2)} ± ${fmt(session.clockSkew.roundTrip / 2, 2)} ms`,
        );
        context.log(`  main threads, ms per s of the stream: main side on a CPU ${fmt(cpu.hostRun.at(-1) ?? NaN, 0)}, waiting for one ${fmt(cpu.hostWait.at(-1) ?? NaN, 0)}; console page on a CPU ${fmt(cpu.pageRun.at(-1) ?? NaN, 0)}, waiting for one ${fmt(cpu.pageWait.at(-1) ?? NaN, 0)}; load average ${loadavg().map((value) => fmt(value, 1)).join(' ')}`);
        context.log(`  hops (p50 / p99 ms): ${[...hops].map(([label, series]) => `${label.split(' (')[0]} ${fmt(series.p50.at(-1) ?? NaN, 1)} / ${fmt(series.p99.at(-1) ?? NaN, 1)}`).join('; ')}`);
        if (run === 0) notes.push(`Run 1: ${stream.events} events in ${fmt(stream.seconds, 1)} s (${fmt(stream.events / stream.seconds)} events/s), ${stream.sent.size} probes on ${targets.length} rows in view; Chromium's clock − ours ${fmt(session.clockSkew.skew, 2)} ms (± ${fmt(session.clockSkew.roundTrip / 2, 2)}), subtracted; sender's worst tick lateness ${fmt(stream.worstTickLateMs, 1)} ms.`);
      } finally {
        await session.close();
      }
    }
    const worst = summarize(p99);
    return {
      status: worst.median <= LATENCY_GOAL_MS ? (worst.max <= LATENCY_GOAL_MS ? 'met' : 'partial') : 'missed',
      headline: `p50 ${fmt(summarize(p50).median, 1)} ms, p99 ${fmt(worst.median, 1)} ms (worst run ${fmt(worst.max, 1)} ms)`,
      figures: [
        { label: 'p50 latency, frame written → DOM updated', unit: 'ms', values: p50, digits: 1 },
        { label: 'p99 latency', unit: 'ms', values: p99, digits: 1 },
        { label: 'max latency', unit: 'ms', values: max, digits: 1 },
        { label: 'probes never seen in the DOM', unit: 'probes', values: lost },
        { label: 'p50, frame written → frame reaches the page (engine + browser host + socket)', unit: 'ms', values: mainP50, digits: 1 },
        { label: 'p99, frame written → frame reaches the page', unit: 'ms', values: mainP99, digits: 1 },
        { label: 'p50, frame reaches the page → DOM updated (store + Svelte)', unit: 'ms', values: pageP50, digits: 1 },
        { label: 'p99, frame reaches the page → DOM updated', unit: 'ms', values: pageP99, digits: 1 },
        ...[...hops].flatMap(([label, series]): Figure[] => [
          { label: `p50, ${label}`, unit: 'ms', values: series.p50, digits: 1 },
          { label: `p99, ${label}`, unit: 'ms', values: series.p99, digits: 1 },
        ]),
        { label: "main side's event-loop delay p99 while streaming", unit: 'ms', values: lagP99, digits: 1 },
        { label: "main side's event-loop delay max", unit: 'ms', values: lagMax, digits: 1 },
        { label: "main side's main thread on a CPU, per second of the stream", unit: 'ms/s', values: cpu.hostRun },
        { label: "main side's main thread runnable but waiting for a CPU", unit: 'ms/s', values: cpu.hostWait },
        { label: "console page's main thread (Chromium renderer) on a CPU", unit: 'ms/s', values: cpu.pageRun },
        { label: "console page's main thread runnable but waiting for a CPU", unit: 'ms/s', values: cpu.pageWait },
      ] satisfies Figure[],
      notes: [
        `${runs} runs, each a fresh console (host process + Chromium) on a replay of ${LIVE_CHANNELS} live channels; ${seconds} s at ${RATE} events/s after 2 s of warm-up, every 10th event a probe.`,
        'Hops: the main side stamps each probe when its engine parses the frame and when the browser host has sent its batch; a bare page (its own renderer process, nothing but a WebSocket to the host) stamps its arrival beside the console page, so "sent → bare page" is the transport alone and the console page\'s extra wait is its main thread.',
        ...notes,
      ],
    };
  },
};

const fps = (intervals: readonly number[]): number => 1000 / quantile([...intervals].sort((a, b) => a - b), 0.5);
const slowShare = (intervals: readonly number[]): number => (intervals.filter((interval) => interval > 1000 / 50).length / Math.max(1, intervals.length)) * 100;

export const renderRow: BenchRow = {
  id: 'render',
  measure: 'render: 1,000 live channels updating, frame times while scrolling the list and the timelines',
  comparedWith: '60 fps',
  goal: '≥ 55 fps median, no long task > 50 ms',
  needsSandbox: false,
  async run(context: RowContext) {
    const runs = context.runs ?? 3;
    const seconds = Number(process.env['BENCH_UI_SECONDS'] ?? 8);
    const rendererDir = buildApp();
    const listFps: number[] = [];
    const timelineFps: number[] = [];
    const idleFps: number[] = [];
    const listSlow: number[] = [];
    const timelineSlow: number[] = [];
    const longest: number[] = [];
    const longCount: number[] = [];
    const longestCpu: number[] = [];
    const longCpuCount: number[] = [];
    const notes: string[] = [];
    for (let run = 0; run < runs; run++) {
      const profileDir = run === 0 ? context.cpuProfDir : undefined;
      const session = await openUi(rendererDir, profileDir);
      let streaming = true;
      try {
        const { page } = session;
        await streamWithProbes(session, { rate: RATE, seconds: 2, probeEvery: 0, probeTargets: [], firstLap: 1 });
        const stream = streamWithProbes(session, { rate: RATE, seconds: 3 * seconds + 30, probeEvery: 0, probeTargets: [], firstLap: 2, stop: () => !streaming });
        const stopProfile = profileDir ? await session.profile() : null;
        // The same tasks' thread time (a light trace): how long they were by the page's own work.
        const stopTasks = await traceTasks(page);
        // 1. Updates alone, nothing scrolled: the baseline.
        await startFrames(page);
        await new Promise((resolveWait) => setTimeout(resolveWait, seconds * 500));
        const idle = await stopFrames(page);
        // 2. The call list, wheeled down and up through the 1,000 rows.
        await startFrames(page);
        const listWheels = await wheel(page, '[role=listbox]', seconds * 1000, 2500);
        const list = await stopFrames(page);
        // 3. The selected call's timeline (in the detail pane).
        await page.locator('[role=listbox] [data-channel-id]').first().click();
        await page.locator('[data-testid=timeline]').first().waitFor({ timeout: 10_000 });
        await startFrames(page);
        const timelineWheels = await wheel(page, '[data-testid=timeline]', seconds * 1000, 1500);
        const timeline = await stopFrames(page);
        const tasks = await stopTasks();
        streaming = false;
        const sent = await stream;
        if (profileDir) await stopProfile?.(`${profileDir}/renderer-render-${Date.now()}.cpuprofile`);
        const longTasks = [...idle.longTasks, ...list.longTasks, ...timeline.longTasks];
        idleFps.push(fps(idle.intervals));
        listFps.push(fps(list.intervals));
        timelineFps.push(fps(timeline.intervals));
        listSlow.push(slowShare(list.intervals));
        timelineSlow.push(slowShare(timeline.intervals));
        longest.push(longTasks.length > 0 ? Math.max(...longTasks) : 0);
        longCount.push(longTasks.filter((duration) => duration > LONG_TASK_GOAL_MS).length);
        longestCpu.push(Math.max(0, ...tasks.cpu));
        longCpuCount.push(tasks.cpu.filter((duration) => duration > LONG_TASK_GOAL_MS).length);
        const cpuSorted = [...tasks.cpu].sort((a, b) => a - b);
        context.log(
          `render run ${run + 1}/${runs}: idle ${fmt(fps(idle.intervals), 1)} fps, list ${fmt(fps(list.intervals), 1)} fps (${listWheels} wheels), timeline ${fmt(fps(timeline.intervals), 1)} fps (${timelineWheels} wheels); long tasks ${longTasks.length}, longest ${fmt(longest[longest.length - 1] ?? 0)} ms; by thread time: task p99 ${fmt(quantile(cpuSorted, 0.99), 1)} ms, longest ${fmt(longestCpu[longestCpu.length - 1] ?? 0, 1)} ms, ${longCpuCount[longCpuCount.length - 1] ?? 0} over ${LONG_TASK_GOAL_MS} ms; ${sent.events} events in ${fmt(sent.seconds, 1)} s`,
        );
        if (run === 0) notes.push(`Run 1: ${list.intervals.length} frames while wheeling the list, ${timeline.intervals.length} while wheeling the timeline; ${sent.events} events streamed in ${fmt(sent.seconds, 1)} s (${fmt(sent.events / sent.seconds)} events/s).`);
      } finally {
        streaming = false;
        await session.close();
      }
    }
    const scrolled = [...listFps, ...timelineFps];
    const fpsOk = summarize(listFps).median >= FPS_GOAL && summarize(timelineFps).median >= FPS_GOAL;
    const longOk = Math.max(...longest) <= LONG_TASK_GOAL_MS;
    return {
      status: fpsOk && longOk ? 'met' : fpsOk || longOk ? 'partial' : 'missed',
      headline: `list ${fmt(summarize(listFps).median, 1)} fps, timeline ${fmt(summarize(timelineFps).median, 1)} fps (worst run ${fmt(Math.min(...scrolled), 1)}); longest task ${fmt(Math.max(...longest))} ms`,
      figures: [
        { label: 'fps, no scrolling (updates only)', unit: 'fps', values: idleFps, digits: 1 },
        { label: 'fps while wheeling the call list', unit: 'fps', values: listFps, digits: 1 },
        { label: 'fps while wheeling the timeline', unit: 'fps', values: timelineFps, digits: 1 },
        { label: 'frames slower than 20 ms, list', unit: '%', values: listSlow, digits: 1 },
        { label: 'frames slower than 20 ms, timeline', unit: '%', values: timelineSlow, digits: 1 },
        { label: 'longest task', unit: 'ms', values: longest },
        { label: `long tasks > ${LONG_TASK_GOAL_MS} ms`, unit: 'tasks', values: longCount },
        { label: 'longest task by thread (CPU) time, not counting waits for a core', unit: 'ms', values: longestCpu, digits: 1 },
        { label: `tasks > ${LONG_TASK_GOAL_MS} ms by thread time`, unit: 'tasks', values: longCpuCount },
      ] satisfies Figure[],
      notes: [
        `${runs} runs, each a fresh console (host process + Chromium, 1440×900, --disable-gpu so software compositing) over ${LIVE_CHANNELS} live channels, ${RATE} events/s of replayed calls throughout; each phase ${seconds} s (the unscrolled baseline ${seconds / 2} s). fps = 1000 / median requestAnimationFrame interval; long tasks from PerformanceObserver('longtask').`,
        'Wheel: 100 px every 16 ms through Playwright (CDP input events, as a mouse would), turning round every 2.5 s on the list and 1.5 s on the timeline.',
        "Long tasks and the goal are wall time (PerformanceObserver), which includes the page's thread waiting for a core on a busy machine; thread time (a CDP trace of the toplevel category over the three phases) is the page's own work in the same tasks.",
        ...notes,
      ],
    };
  },
};
