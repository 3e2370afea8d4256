/**
 * Main-process ingest rate: the recorded stream replayed as fast as the
 * socket takes it into each client variant (see ingest-client.ts), each in a
 * fresh process, interleaved run by run so the ratios compare runs made
 * seconds apart on the same noisy machine.
 */
import { loadRecording, Replay } from '../lib/fixture.js';
import { fmt, spawnChild, summarize, type BenchRow, type Figure, type RowContext } from '../lib/harness.js';
import { REPLAY_PASSWORD, REPLAY_USER, startReplayServer, startSnapshot, streamLaps } from '../lib/replay-server.js';

const ALL_VARIANTS = ['raw', 'ari-client', 'engine', 'engine-ipc'] as const;
type Variant = (typeof ALL_VARIANTS)[number];
// BENCH_INGEST_VARIANTS=raw,engine narrows a profiling session to what it needs.
const VARIANTS: readonly Variant[] = process.env['BENCH_INGEST_VARIANTS']
  ? ALL_VARIANTS.filter((variant) => process.env['BENCH_INGEST_VARIANTS']?.split(',').includes(variant))
  : ALL_VARIANTS;

interface IngestResult {
  variant: Variant;
  events: number;
  ms: number;
  rate: number;
  cpuMs: number;
  cpuRate: number;
  batches?: number;
  serializedMB?: number;
  applied?: number;
  skipped?: number;
}

/** Shortest sample for the fastest variant. */
const MIN_SAMPLE_MS = 2500;

export const ingestRow: BenchRow = {
  id: 'ingest',
  measure: 'main-process ingest rate (events/s into the call model)',
  comparedWith: "raw `ws` + `JSON.parse` on the same replay (the ceiling); ari-client's own `'*'` dispatch",
  goal: '≥ 0.8 × the raw rate',
  needsSandbox: false,
  async run(context: RowContext) {
    const runs = context.runs ?? 5;
    const replay = new Replay(loadRecording());
    const server = await startReplayServer({ username: REPLAY_USER, password: REPLAY_PASSWORD, snapshot: startSnapshot });
    let lap = 1;

    const sample = async (variant: Variant, laps: number, profile = false): Promise<IngestResult> => {
      const connected = server.nextConnection();
      const child = spawnChild('ingest-client', [variant, server.baseUrl, String(laps * replay.eventsPerLap)], { cpuProfDir: profile ? context.cpuProfDir : undefined });
      const failure = child.message<{ message: string }>('error').then((error) => Promise.reject(new Error(error.message)));
      failure.catch(() => undefined);
      await Promise.race([child.message('ready', 30_000), failure]);
      const connection = await connected;
      const streaming = streamLaps(connection, replay, laps, lap);
      lap += laps;
      const result = await Promise.race([child.message<IngestResult>('result'), failure]);
      connection.close();
      await streaming.catch(() => undefined);
      await child.exited;
      return result;
    };

    // Calibrate on the ceiling: every sample then lasts ≥ MIN_SAMPLE_MS even for raw.
    const calibration = await sample('raw', 12);
    const laps = Math.max(4, Math.ceil(((calibration.rate * MIN_SAMPLE_MS) / 1000 / replay.eventsPerLap) * 1.1));
    context.log(`ingest: calibration ${fmt(calibration.rate)} events/s raw; ${laps} laps × ${replay.eventsPerLap} events per sample`);

    const results = new Map<Variant, IngestResult[]>(VARIANTS.map((variant) => [variant, []]));
    for (let run = 0; run < runs; run++) {
      // Rotate the order so no variant always runs first (cold caches) or last (warm machine).
      for (let i = 0; i < VARIANTS.length; i++) {
        const variant = VARIANTS[(i + run) % VARIANTS.length] as Variant;
        const result = await sample(variant, laps, run === 0);
        results.get(variant)?.push(result);
        context.log(`ingest run ${run + 1}/${runs} ${variant}: ${fmt(result.rate)} events/s (${fmt(result.ms)} ms), ${fmt((result.cpuMs * 1000) / result.events, 2)} CPU µs/event, batch ${fmt(result.events / (result.batches ?? 1))}`);
      }
    }
    await server.close();

    const rates = (variant: Variant): number[] => (results.get(variant) ?? []).map((result) => result.rate);
    const cpuCost = (variant: Variant): number[] => (results.get(variant) ?? []).map((result) => (result.cpuMs * 1000) / result.events);
    const cpuRatio = (variant: Variant): number[] => cpuCost(variant).map((cost, run) => (cpuCost('raw')[run] as number) / cost);
    const ratio = (variant: Variant): number[] => rates(variant).map((rate, run) => rate / (rates('raw')[run] as number));
    const figures: Figure[] = [
      { label: 'raw ws + JSON.parse (ceiling)', unit: 'events/s', values: rates('raw') },
      { label: "ari-client '*' dispatch", unit: 'events/s', values: rates('ari-client') },
      { label: 'engine → call model', unit: 'events/s', values: rates('engine') },
      { label: 'engine → call model + v8.serialize per batch', unit: 'events/s', values: rates('engine-ipc') },
      { label: 'engine / raw (same run)', unit: '×', values: ratio('engine'), digits: 2 },
      { label: 'ari-client / raw (same run)', unit: '×', values: ratio('ari-client'), digits: 2 },
      { label: 'engine-ipc / raw (same run)', unit: '×', values: ratio('engine-ipc'), digits: 2 },
      { label: 'engine / ari-client (same run)', unit: '×', values: rates('engine').map((rate, run) => rate / (rates('ari-client')[run] as number)), digits: 2 },
      { label: 'CPU cost: raw', unit: 'µs/event', values: cpuCost('raw'), digits: 2 },
      { label: 'CPU cost: ari-client', unit: 'µs/event', values: cpuCost('ari-client'), digits: 2 },
      { label: 'CPU cost: engine', unit: 'µs/event', values: cpuCost('engine'), digits: 2 },
      { label: 'CPU cost: engine-ipc', unit: 'µs/event', values: cpuCost('engine-ipc'), digits: 2 },
      { label: 'engine / raw by CPU time (same run)', unit: '×', values: cpuRatio('engine'), digits: 2 },
      { label: 'ari-client / raw by CPU time (same run)', unit: '×', values: cpuRatio('ari-client'), digits: 2 },
    ];
    const engineRatio = summarize(ratio('engine'));
    const engine = results.get('engine') ?? [];
    const ipc = results.get('engine-ipc') ?? [];
    const meanBatch = engine.reduce((sum, result) => sum + result.events / (result.batches ?? 1), 0) / Math.max(1, engine.length);
    return {
      status: engineRatio.median >= 0.8 ? 'met' : 'missed',
      headline: `engine ${fmt(engineRatio.median, 2)} × raw (min ${fmt(engineRatio.min, 2)}), ${fmt(summarize(cpuRatio('engine')).median, 2)} × by CPU time; ari-client ${fmt(summarize(ratio('ari-client')).median, 2)} × raw, ${fmt(summarize(cpuRatio('ari-client')).median, 2)} × by CPU time`,
      figures,
      notes: [
        `Replay: ${replay.eventsPerLap} recorded events per lap, ${laps} laps (${fmt(laps * replay.eventsPerLap)} events) per sample, ids re-keyed per lap; ${runs} runs, variant order rotated each run; each sample a fresh process.`,
        'Rate = events / (last event processed − first frame received). Engine: "processed" = applied to the model in a batch (at most 256 events or one 16 ms window). CPU cost = the client process\'s user + system CPU time over the same window, divided by the events: steadier than wall time on a machine shared with other work, so the CPU-time ratios are the ones to read when the wall-time ones scatter.',
        `Engine batches averaged ${fmt(meanBatch)} events; engine-ipc serialized ${fmt(summarize(ipc.map((result) => result.serializedMB ?? 0)).median, 1)} MB per sample (informational: the IPC send itself is Electron's).`,
        `Calibration (not counted): raw ${fmt(calibration.rate)} events/s.`,
      ],
    };
  },
};
