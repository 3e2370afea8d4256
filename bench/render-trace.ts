/**
 * What the render row's long tasks are made of (not a row: nothing here is a
 * figure of RESULTS.md). The render row's setup (1,000 live channels, 200
 * events/s) while Playwright wheels the call list or the selected call's
 * timeline, with CDP Tracing (devtools.timeline) and the sampling profiler on
 * the page at once; then, for the page's main-thread tasks over 50 ms:
 * wall time and thread (CPU) time, self time per trace event (Layout,
 * FunctionCall, …) and the JS functions sampled inside them.
 *
 *   npx vite build -c bench/vite.config.ts && node out/bench/render-trace.js [list|timeline|idle] [seconds] [--renderer DIR]
 *
 * --by-cpu lists the tasks with the most thread time rather than those over 50 ms of wall time.
 * --tab ID shows another bottom panel (e.g. compare) instead of the bridge board; --css TEXT adds a style sheet.
 * An unminified renderer names its functions in the profile, e.g.
 * `npx electron-vite build -c <config with renderer.build.minify false> --outDir <abs dir>`, then --renderer <dir>/renderer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './lib/fixture.js';
import { fmt, quantile } from './lib/harness.js';
import { selfTimes, type TraceEvent } from './lib/task-trace.js';
import { buildApp, openUi, startFrames, stopFrames, streamWithProbes, wheel } from './lib/ui.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
}

const args = process.argv.slice(2);
const mode = args.find((arg) => ['list', 'timeline', 'idle'].includes(arg)) ?? 'list';
const seconds = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 8);
const given = args.indexOf('--renderer');
const rendererDir = given >= 0 ? resolve(args[given + 1] ?? '') : buildApp();
const LONG_MS = 50;

async function main(): Promise<void> {
  const session = await openUi(rendererDir);
  try {
    const { page } = session;
    await streamWithProbes(session, { rate: 200, seconds: 2, probeEvery: 0, probeTargets: [], firstLap: 1 });
    // --tab ID: another bottom panel than the bridge board (what the board costs per frame).
    const tab = args.indexOf('--tab');
    if (tab >= 0) await page.locator(`#tab-${args[tab + 1] ?? ''}`).click();
    // --css TEXT: a style sheet added to the page, to try a CSS change without a build.
    const css = args.indexOf('--css');
    // A constructed sheet: the page's CSP (style-src 'self') refuses a <style> element.
    if (css >= 0) {
      await page.evaluate((text) => {
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(text);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }, args[css + 1] ?? '');
    }
    if (mode === 'timeline') {
      await page.locator('[role=listbox] [data-channel-id]').first().click();
      await page.locator('[data-testid=timeline]').first().waitFor({ timeout: 10_000 });
    }
    const cdp = await page.context().newCDPSession(page);
    const chunks: TraceEvent[] = [];
    cdp.on('Tracing.dataCollected', (data) => chunks.push(...(data.value as unknown as TraceEvent[])));
    const done = new Promise<void>((resolveDone) => cdp.once('Tracing.tracingComplete', () => resolveDone()));
    await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'v8', 'v8.execute', 'blink.user_timing'] },
    });
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
    await cdp.send('Profiler.start');
    await startFrames(page);
    let streaming = true;
    const stream = streamWithProbes(session, { rate: 200, seconds: seconds + 30, probeEvery: 0, probeTargets: [], firstLap: 2, stop: () => !streaming });
    const wheels =
      mode === 'list'
        ? await wheel(page, '[role=listbox]', seconds * 1000, 2500)
        : mode === 'timeline'
          ? await wheel(page, '[data-testid=timeline]', seconds * 1000, 1500)
          : await new Promise<number>((resolveWait) => setTimeout(() => resolveWait(0), seconds * 1000));
    streaming = false;
    await stream;
    const frames = await stopFrames(page);
    const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
    await cdp.send('Tracing.end');
    await done;
    const out = resolve(ROOT, 'out', 'bench-profiles');
    mkdirSync(out, { recursive: true });
    const stamp = Date.now();
    writeFileSync(resolve(out, `render-trace-${mode}-${stamp}.json`), JSON.stringify({ traceEvents: chunks }));
    writeFileSync(resolve(out, `render-trace-${mode}-${stamp}.cpuprofile`), JSON.stringify(profile));
    const sorted = [...frames.intervals].sort((a, b) => a - b);
    const longest = Math.max(0, ...frames.longTasks);
    console.log(
      `${mode}: ${wheels} wheels; fps ${fmt(1000 / quantile(sorted, 0.5), 1)}, frames over 20 ms ${fmt((frames.intervals.filter((i) => i > 20).length / Math.max(1, frames.intervals.length)) * 100, 1)} %; ` +
        `longtask observer: ${frames.longTasks.length} tasks, over ${LONG_MS} ms ${frames.longTasks.filter((d) => d > LONG_MS).length}, longest ${fmt(longest)} ms`,
    );
    analyze(chunks, profile);
    console.log(`trace and profile: ${resolve(out, `render-trace-${mode}-${stamp}.*`)}`);
  } finally {
    await session.close();
  }
}

function analyze(events: TraceEvent[], profile: CpuProfile): void {
  const main = events.find((event) => event.ph === 'M' && event.name === 'thread_name' && event.args?.['name'] === 'CrRendererMain');
  if (!main) throw new Error('no renderer main thread in the trace');
  const onMain = events.filter((event) => event.pid === main.pid && event.tid === main.tid && event.ph === 'X' && event.dur !== undefined);
  const top: TraceEvent[] = [];
  for (const task of onMain.filter((event) => event.name === 'RunTask' || event.name === 'ThreadControllerImpl::RunTask').sort((a, b) => a.ts - b.ts)) {
    const last = top[top.length - 1];
    if (last && task.ts < last.ts + (last.dur ?? 0)) continue;
    top.push(task);
  }
  const selfTimesIn = (from: number, to: number): [string, number][] =>
    [...selfTimes(onMain.filter((event) => event.ts >= from && event.ts < to))].sort((a, b) => b[1] - a[1]);

  // Samples on the trace's clock (both are Chromium's monotonic µs).
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const samples: { at: number; id: number; us: number }[] = [];
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    samples.push({ at, id, us: profile.timeDeltas[i + 1] ?? delta });
  });
  const name = (node: ProfileNode): string => {
    const file = node.callFrame.url.split('/').pop() ?? '';
    return `${node.callFrame.functionName || '(anonymous)'}${file ? ` ${file}:${node.callFrame.lineNumber + 1}` : ''}`;
  };
  const jsIn = (from: number, to: number): { self: [string, number][]; inclusive: [string, number][] } => {
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    for (const sample of samples) {
      if (sample.at < from || sample.at >= to) continue;
      const node = byId.get(sample.id);
      if (!node) continue;
      self.set(name(node), (self.get(name(node)) ?? 0) + sample.us);
      const seen = new Set<string>();
      for (let id: number | undefined = sample.id; id !== undefined; id = parent.get(id)) {
        const key = name(byId.get(id) as ProfileNode);
        if (seen.has(key)) continue;
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + sample.us);
      }
    }
    const order = (map: Map<string, number>): [string, number][] => [...map].sort((a, b) => b[1] - a[1]);
    return { self: order(self), inclusive: order(inclusive) };
  };

  const span = (top[top.length - 1]?.ts ?? 0) + (top[top.length - 1]?.dur ?? 0) - (top[0]?.ts ?? 0);
  const cpu = top.map((task) => (task.tdur ?? 0) / 1000).sort((a, b) => a - b);
  const wall = top.map((task) => (task.dur ?? 0) / 1000).sort((a, b) => a - b);
  console.log(
    `page main thread: ${top.length} tasks over ${fmt(span / 1e6, 1)} s, busy ${fmt((wall.reduce((s, v) => s + v, 0) / (span / 1000)) * 100, 1)} % of the wall clock, CPU ${fmt((cpu.reduce((s, v) => s + v, 0) / (span / 1000)) * 100, 1)} % of a core; ` +
      `wall p99 ${fmt(quantile(wall, 0.99), 1)} max ${fmt(wall[wall.length - 1] ?? 0, 1)} ms; CPU p99 ${fmt(quantile(cpu, 0.99), 1)} max ${fmt(cpu[cpu.length - 1] ?? 0, 1)} ms; ` +
      `over ${LONG_MS} ms: ${wall.filter((d) => d > LONG_MS).length} by wall, ${cpu.filter((d) => d > LONG_MS).length} by CPU`,
  );
  const fmtList = (list: [string, number][], n: number): string => list.slice(0, n).map(([key, us]) => `${key} ${fmt(us / 1000, 1)}`).join('; ');
  const long = top.filter((task) => (task.dur ?? 0) > LONG_MS * 1000).sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0));
  // --by-cpu: the tasks with the most thread time instead (the page's own longest work, whatever the load).
  const chosen = args.includes('--by-cpu') ? [...top].sort((a, b) => (b.tdur ?? 0) - (a.tdur ?? 0)).slice(0, 8) : long.slice(0, 10);
  for (const task of chosen) {
    const end = task.ts + (task.dur ?? 0);
    const js = jsIn(task.ts, end);
    console.log(`task ${fmt((task.dur ?? 0) / 1000, 1)} ms wall, ${fmt((task.tdur ?? 0) / 1000, 1)} ms CPU:`);
    console.log(`  trace self: ${fmtList(selfTimesIn(task.ts, end), 7)}`);
    console.log(`  JS self:    ${fmtList(js.self, 7)}`);
    console.log(`  JS incl.:   ${fmtList(js.inclusive.filter(([key]) => !key.startsWith('(root)')), 10)}`);
  }
  // Over the whole run: what the main thread did (CPU by JS function, self).
  const whole = jsIn(-Infinity, Infinity);
  console.log(`whole run, JS self: ${fmtList(whole.self, 14)}`);
  console.log(`whole run, trace self: ${fmtList(selfTimesIn(-Infinity, Infinity), 12)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
