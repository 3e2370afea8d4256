/**
 * Soak: 1,000,000 replayed events (re-keyed laps of the recording, so about
 * 60,000 calls) through the engine's socket, batching and model, as fast as
 * they go. Memory is sampled every 50,000 events; growth is measured from the
 * end of the warm-up (the first 200,000 events) to the end.
 */
import type { SoakSample } from '../soak-client.js';
import { loadRecording, Replay } from '../lib/fixture.js';
import { fmt, spawnChild, summarize, type BenchRow, type Figure, type RowContext } from '../lib/harness.js';
import { REPLAY_PASSWORD, REPLAY_USER, startReplayServer, startSnapshot, streamLaps } from '../lib/replay-server.js';

const TOTAL = Number(process.env['BENCH_SOAK_EVENTS'] ?? 1_000_000);
const EVERY = TOTAL / 20;
const WARMUP = TOTAL / 5;

interface SoakResult {
  samples: SoakSample[];
  config: { maxEnded: number; maxTimeline: number };
  applied: number;
  skipped: number;
}

const growth = (from: number, to: number): number => ((to - from) / from) * 100;

export const soakRow: BenchRow = {
  id: 'soak',
  measure: 'soak: 1,000,000 replayed events through engine and model',
  comparedWith: '—',
  goal: 'RSS growth < 10 % after warm-up, model size bounded',
  needsSandbox: false,
  async run(context: RowContext) {
    const runs = context.runs ?? 3;
    const replay = new Replay(loadRecording());
    const laps = Math.ceil(TOTAL / replay.eventsPerLap) + 1;
    const server = await startReplayServer({ username: REPLAY_USER, password: REPLAY_PASSWORD, snapshot: startSnapshot });
    const results: SoakResult[] = [];
    for (let run = 0; run < runs; run++) {
      const connected = server.nextConnection();
      const child = spawnChild('soak-client', [server.baseUrl, String(TOTAL), String(EVERY)], {
        execArgv: ['--expose-gc'],
        cpuProfDir: run === 0 ? context.cpuProfDir : undefined,
      });
      const failure = child.message<{ message: string }>('error').then((error) => Promise.reject(new Error(error.message)));
      failure.catch(() => undefined);
      await Promise.race([child.message('ready', 30_000), failure]);
      const connection = await connected;
      const streaming = streamLaps(connection, replay, laps, 1 + run * laps);
      const result = await Promise.race([child.message<SoakResult>('result', 1_800_000), failure]);
      connection.close();
      await streaming.catch(() => undefined);
      await child.exited;
      results.push(result);
      const last = result.samples[result.samples.length - 1];
      context.log(`soak run ${run + 1}/${runs}: ${fmt(TOTAL)} events in ${fmt(last?.seconds ?? 0, 1)} s, RSS ${fmt(last?.rssMB ?? 0)} MB`);
    }
    await server.close();

    const afterWarmup = (result: SoakResult): SoakSample[] => result.samples.filter((sample) => sample.events >= WARMUP);
    const rssGrowth = results.map((result) => {
      const kept = afterWarmup(result);
      return growth((kept[0] as SoakSample).rssMB, (kept[kept.length - 1] as SoakSample).rssMB);
    });
    const peakGrowth = results.map((result) => {
      const kept = afterWarmup(result);
      return growth((kept[0] as SoakSample).rssMB, Math.max(...kept.map((sample) => sample.rssMB)));
    });
    const heapGrowth = results.map((result) => {
      const kept = afterWarmup(result);
      return growth((kept[0] as SoakSample).retainedHeapMB, (kept[kept.length - 1] as SoakSample).retainedHeapMB);
    });
    const all = results.flatMap((result) => result.samples);
    const config = (results[0] as SoakResult).config;
    const maxEnded = Math.max(...all.map((sample) => sample.ended));
    const maxTimeline = Math.max(...all.map((sample) => sample.maxTimeline));
    const maxLive = Math.max(...all.map((sample) => sample.live));
    const bounded = maxEnded <= config.maxEnded && maxTimeline <= config.maxTimeline;
    const rss = summarize(rssGrowth);
    const figures: Figure[] = [
      { label: 'RSS growth, end of warm-up → end', unit: '%', values: rssGrowth, digits: 1 },
      { label: 'RSS growth, end of warm-up → peak', unit: '%', values: peakGrowth, digits: 1 },
      { label: 'heap retained after full GC, growth end of warm-up → end', unit: '%', values: heapGrowth, digits: 1 },
      { label: 'RSS at end', unit: 'MB', values: results.map((result) => result.samples[result.samples.length - 1]?.rssMB ?? NaN), digits: 0 },
      { label: 'heap retained after full GC at end', unit: 'MB', values: results.map((result) => result.samples[result.samples.length - 1]?.retainedHeapMB ?? NaN), digits: 1 },
      { label: 'events/s over the soak', unit: 'events/s', values: results.map((result) => TOTAL / (result.samples[result.samples.length - 1]?.seconds ?? NaN)) },
      { label: 'ended channels kept (max seen)', unit: `channels (cap ${config.maxEnded})`, values: results.map((result) => Math.max(...result.samples.map((s) => s.ended))) },
      { label: 'longest timeline (max seen)', unit: `entries (cap ${config.maxTimeline})`, values: results.map((result) => Math.max(...result.samples.map((s) => s.maxTimeline))) },
    ];
    const trace = (results[0] as SoakResult).samples
      .map((sample) => `${fmt(sample.events / 1000)}k: ${fmt(sample.rssMB)}/${fmt(sample.retainedHeapMB, 1)}`)
      .join(', ');
    return {
      status: rss.max < 10 && bounded ? 'met' : rss.median < 10 && bounded ? 'partial' : 'missed',
      headline: `RSS growth ${fmt(rss.median, 1)} % median (max ${fmt(rss.max, 1)} %); ended ≤ ${maxEnded}/${config.maxEnded}, timelines ≤ ${maxTimeline}/${config.maxTimeline}`,
      figures,
      notes: [
        `${runs} runs of ${fmt(TOTAL)} events (${laps} re-keyed laps of ${replay.eventsPerLap}, so every lap is new calls); samples every ${fmt(EVERY)} events; warm-up = first ${fmt(WARMUP)} events. Each run a fresh process with --expose-gc (the "retained" heap is measured right after a forced full GC; RSS just before it).`,
        `Model bounds held: at most ${maxLive} live channels at a sample, ${maxEnded} ended (cap ${config.maxEnded}), longest timeline ${maxTimeline} (cap ${config.maxTimeline}).`,
        `Run 1 trace (events: RSS MB / retained heap MB): ${trace}.`,
      ],
    };
  },
};
