/**
 * Load on the real Asterisk (the bench's own sandbox): 200 concurrent calls
 * originated (Local/wait@test, the Stasis leg answered into a load app of
 * ours) and bridged in pairs (100 mixing bridges), while the console - its
 * real main side (bench/ui-host.ts) with subscribeAll, and the page in
 * Chromium - watches. Then everything is hung up again.
 *
 * Correctness: once the PBX is quiet, the console's model is compared with
 * GET /channels and GET /bridges (ids, states, bridge membership), after the
 * build-up and after the teardown. Responsiveness: the page's frame rate and
 * long tasks, and the main side's event-loop delay, during the whole run.
 */
import WebSocket from 'ws';
import { basicAuthHeader, eventsUrl } from '../../main/engine/event-socket.js';
import type { ModelSummary } from '../ui-host.js';
import { AriHttp, sleep, waitUntil } from '../lib/ari-http.js';
import { fmt, quantile, summarize, type BenchRow, type Figure, type RowContext } from '../lib/harness.js';
import { sandbox } from '../lib/sandbox.js';
import { buildApp, openConsolePage, startFrames, stopFrames } from '../lib/ui.js';

const CALLS = Number(process.env['BENCH_LOAD_CALLS'] ?? 200);
const CONSOLE_APP = 'benchconsole';
const LOAD_APP = 'benchload';
const PARALLEL = 10;

interface AriChannelJson {
  id: string;
  state: string;
}
interface AriBridgeJson {
  id: string;
  channels: string[];
}

/** Every way the console's model and the PBX's lists disagree, in words. */
export function compareWithPbx(model: ModelSummary, channels: readonly AriChannelJson[], bridges: readonly AriBridgeJson[]): string[] {
  const problems: string[] = [];
  const memberOf = new Map<string, string>();
  for (const bridge of bridges) for (const id of bridge.channels) memberOf.set(id, bridge.id);
  const pbxChannels = new Map(channels.map((channel) => [channel.id, channel]));
  for (const channel of channels) {
    const seen = model.channels[channel.id];
    if (!seen) problems.push(`channel ${channel.id} missing from the console`);
    else {
      if (seen.state !== channel.state) problems.push(`channel ${channel.id}: console says ${seen.state}, PBX ${channel.state}`);
      if ((seen.bridgeId ?? null) !== (memberOf.get(channel.id) ?? null)) problems.push(`channel ${channel.id}: console bridge ${seen.bridgeId}, PBX ${memberOf.get(channel.id) ?? 'none'}`);
    }
  }
  for (const id of Object.keys(model.channels)) if (!pbxChannels.has(id)) problems.push(`channel ${id} in the console but gone from the PBX`);
  const pbxBridges = new Map(bridges.map((bridge) => [bridge.id, bridge]));
  for (const bridge of bridges) {
    const seen = model.bridges[bridge.id];
    if (!seen) problems.push(`bridge ${bridge.id} missing from the console`);
    else if ([...seen].sort().join(',') !== [...bridge.channels].sort().join(',')) problems.push(`bridge ${bridge.id}: console [${seen.join(',')}], PBX [${bridge.channels.join(',')}]`);
  }
  for (const id of Object.keys(model.bridges)) if (!pbxBridges.has(id)) problems.push(`bridge ${id} in the console but gone from the PBX`);
  return problems;
}

/** Runs `tasks` with at most `parallel` in flight. */
async function pool<T>(items: readonly T[], parallel: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}

export const loadRow: BenchRow = {
  id: 'load',
  measure: 'load on the real Asterisk: 200 concurrent calls originated and bridged in pairs',
  comparedWith: '`GET /channels` / `GET /bridges`',
  goal: '0 mismatches, and the console stays responsive',
  needsSandbox: true,
  async run(context: RowContext) {
    const runs = context.runs ?? 2;
    const pbx = await sandbox();
    const http = new AriHttp(pbx);
    const rendererDir = buildApp();

    // The load app's own socket: Stasis(benchload) exists only while one is open.
    const loadSocket = new WebSocket(eventsUrl(pbx.baseUrl, LOAD_APP, false), { headers: { Authorization: basicAuthHeader(pbx.username, pbx.password) } });
    let stasisStarts = 0;
    loadSocket.on('message', (data: Buffer) => {
      if (data.toString('utf8').includes('"type":"StasisStart"')) stasisStarts += 1;
    });
    await new Promise<void>((resolveOpen, reject) => {
      loadSocket.once('open', () => resolveOpen());
      loadSocket.once('error', reject);
    });

    const ui = await openConsolePage([pbx.baseUrl, rendererDir, pbx.username, pbx.password, CONSOLE_APP], context.cpuProfDir);
    const { page, host } = ui;
    const askModel = async (): Promise<ModelSummary> => {
      const reply = host.message<{ summary: ModelSummary }>('model', 10_000);
      host.process.send({ type: 'model' });
      return (await reply).summary;
    };
    const askLag = async (): Promise<{ p50: number; p99: number; max: number }> => {
      const reply = host.message<{ p50: number; p99: number; max: number }>('lag', 10_000);
      host.process.send({ type: 'lag' });
      return reply;
    };
    /** Polls until the model agrees with the PBX (or 15 s pass): what is left is a mismatch. */
    const settle = async (): Promise<{ problems: string[]; ms: number; channels: number; bridges: number }> => {
      const started = performance.now();
      let problems: string[] = [];
      let channels: AriChannelJson[] = [];
      let bridges: AriBridgeJson[] = [];
      while (performance.now() - started < 15_000) {
        [channels, bridges] = await Promise.all([http.get<AriChannelJson[]>('channels'), http.get<AriBridgeJson[]>('bridges')]);
        problems = compareWithPbx(await askModel(), channels, bridges);
        if (problems.length === 0) break;
        await sleep(100);
      }
      return { problems, ms: performance.now() - started, channels: channels.length, bridges: bridges.length };
    };

    const mismatches: number[] = [];
    const upMs: number[] = [];
    const downMs: number[] = [];
    const settleMs: number[] = [];
    const fpsValues: number[] = [];
    const longest: number[] = [];
    const lagP99: number[] = [];
    const lagMax: number[] = [];
    const notes: string[] = [];
    try {
      await page.getByTestId('supervisor').locator('.label', { hasText: /^Live$/ }).waitFor({ timeout: 60_000 });
      for (let run = 0; run < runs; run++) {
        const ids = Array.from({ length: CALLS }, (_, i) => `load${run}-${i}`);
        await askLag();
        await startFrames(page);

        // Build-up: originate, wait for every Stasis leg, bridge in pairs.
        const startedUp = performance.now();
        const startsBefore = stasisStarts;
        await pool(ids, PARALLEL, async (id) => {
          await http.post('channels', { endpoint: 'Local/wait@test', app: LOAD_APP, channelId: id, otherChannelId: `${id}-2`, callerId: `Load ${id} <${id.slice(-3)}>` });
        });
        await waitUntil(() => stasisStarts - startsBefore >= CALLS, 60_000, `${CALLS} calls in Stasis`, 20);
        const pairs = Array.from({ length: CALLS / 2 }, (_, i) => i);
        await pool(pairs, PARALLEL, async (i) => {
          const bridgeId = `loadbr${run}-${i}`;
          await http.post('bridges', { type: 'mixing', bridgeId, name: `load-${i}` });
          await http.post(`bridges/${bridgeId}/addChannel`, { channel: `${ids[2 * i]},${ids[2 * i + 1]}` });
        });
        upMs.push(performance.now() - startedUp);
        const up = await settle();
        settleMs.push(up.ms);
        context.log(`load run ${run + 1}/${runs}: ${up.channels} channels, ${up.bridges} bridges on the PBX; ${up.problems.length} mismatches after ${fmt(up.ms)} ms`);
        for (const problem of up.problems.slice(0, 5)) context.log(`  mismatch: ${problem}`);

        // Teardown: bridges, then the calls.
        const startedDown = performance.now();
        await pool(pairs, PARALLEL, (i) => http.remove(`bridges/loadbr${run}-${i}`));
        await pool(ids, PARALLEL, (id) => http.remove(`channels/${id}`));
        await waitUntil(async () => (await http.get<AriChannelJson[]>('channels')).length === 0, 60_000, 'every load channel gone', 100);
        downMs.push(performance.now() - startedDown);
        const down = await settle();
        context.log(`load run ${run + 1}/${runs}: torn down; ${down.problems.length} mismatches after ${fmt(down.ms)} ms`);
        for (const problem of down.problems.slice(0, 5)) context.log(`  mismatch: ${problem}`);
        mismatches.push(up.problems.length + down.problems.length);

        const frames = await stopFrames(page);
        const lag = await askLag();
        const sorted = [...frames.intervals].sort((a, b) => a - b);
        fpsValues.push(1000 / quantile(sorted, 0.5));
        longest.push(frames.longTasks.length > 0 ? Math.max(...frames.longTasks) : 0);
        lagP99.push(lag.p99);
        lagMax.push(lag.max);
        context.log(`load run ${run + 1}/${runs}: page ${fmt(1000 / quantile(sorted, 0.5), 1)} fps median, longest task ${fmt(longest[longest.length - 1] ?? 0)} ms; main event-loop delay p99 ${fmt(lag.p99, 1)} ms, max ${fmt(lag.max, 1)} ms`);
        if (run === 0) notes.push(`Run 1: ${up.channels} channels and ${up.bridges} bridges at the peak; build-up took ${fmt(upMs[0] ?? NaN)} ms, teardown ${fmt(downMs[0] ?? NaN)} ms; ${frames.longTasks.length} long tasks in the page.`);
      }
    } finally {
      await ui.close();
      loadSocket.terminate();
    }
    const worstMismatch = Math.max(...mismatches);
    const responsive = Math.max(...longest) <= 200 && Math.max(...lagMax) <= 200;
    return {
      status: worstMismatch === 0 && responsive ? 'met' : worstMismatch === 0 ? 'partial' : 'missed',
      headline: `${worstMismatch} mismatches in ${runs} runs; page ${fmt(summarize(fpsValues).median, 1)} fps, longest task ${fmt(Math.max(...longest))} ms; main event-loop delay max ${fmt(Math.max(...lagMax))} ms`,
      figures: [
        { label: 'mismatches, model vs GET /channels + /bridges (after build-up + after teardown)', unit: 'mismatches', values: mismatches },
        { label: 'model agrees with the PBX, after the last request', unit: 'ms', values: settleMs },
        { label: `build-up: ${CALLS} originates + ${CALLS / 2} bridges`, unit: 'ms', values: upMs },
        { label: 'teardown', unit: 'ms', values: downMs },
        { label: 'page fps during the run (median rAF interval)', unit: 'fps', values: fpsValues, digits: 1 },
        { label: 'page: longest task', unit: 'ms', values: longest },
        { label: 'main side: event-loop delay p99', unit: 'ms', values: lagP99, digits: 1 },
        { label: 'main side: event-loop delay max', unit: 'ms', values: lagMax, digits: 1 },
      ] satisfies Figure[],
      notes: [
        `Real Asterisk ${pbx.version} (the bench's own sandbox at ${pbx.baseUrl}). ${CALLS} calls Local/wait@test into Stasis(${LOAD_APP}) (${CALLS * 2} channels), ${PARALLEL} requests in flight, ${CALLS / 2} mixing bridges of two; the console (app ${CONSOLE_APP}, subscribeAll) watches through its real main side and the page in Chromium.`,
        'A mismatch is a channel missing or extra, a state or bridge membership that differs, or a bridge missing, extra or with other members; the comparison is retried for up to 15 s after the last request so only lasting disagreements count.',
        '"Responsive" is judged as no page task and no main-side event-loop stall over 200 ms (a click answered within a fifth of a second).',
        ...notes,
      ],
    };
  },
};
