/**
 * The ingest row's work without the socket, for A/B-ing the call model in
 * seconds: re-keyed laps of the recording held as one off-heap Buffer per lap
 * (so the test data costs the GC nothing), each frame sliced out as `ws`
 * hands it over, then
 *
 *   parse  Buffer → string → JSON.parse, dropped (the raw client's work)
 *   batch  the same, kept in batches of 256 until the batch is "flushed" (the engine without its model)
 *   model  the same, each batch folded into the call model by applyEvents (the engine's work)
 *
 * Prints CPU µs/event (all threads, so the parallel scavenger counts), wall
 * µs/event and the GC's time by kind. One variant per process; interleave
 * them from the shell and compare within a round, the machine is shared.
 *
 *   node [--max-semi-space-size=N] out/bench/ingest-inproc.js <variant> [laps]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { applyEvents, createModel, type CallModel, type ModelEvent } from '../common/model/index.js';
import { loadRecording, Replay } from './lib/fixture.js';

const variant = process.argv[2] ?? 'model';
const laps = Number(process.argv[3] ?? 10);
const BATCH = 256;

const replay = new Replay(loadRecording());
const lapBuffers: { data: Buffer; offsets: Int32Array }[] = [];
for (let lap = 1; lap <= laps; lap++) {
  const texts = replay.texts(lap);
  const offsets = new Int32Array(texts.length + 1);
  const parts = texts.map((text, i) => {
    const part = Buffer.from(text, 'utf8');
    offsets[i + 1] = (offsets[i] as number) + part.length;
    return part;
  });
  lapBuffers.push({ data: Buffer.concat(parts), offsets });
}
const events = laps * replay.eventsPerLap;

const gc = new Map<string, { count: number; ms: number }>();
const KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = KINDS[(entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
    const slot = gc.get(kind) ?? { count: 0, ms: 0 };
    slot.count += 1;
    slot.ms += entry.duration;
    gc.set(kind, slot);
  }
});

let model: CallModel = createModel({ app: 'benchingest' });
let pending: ModelEvent[] = [];
let checksum = 0;
const flush = (): void => {
  if (variant === 'model') model = applyEvents(model, pending, 0);
  checksum += pending.length;
  pending = [];
};

observer.observe({ entryTypes: ['gc'] });
// A marker for `--trace-gc-nvp` logs: the GCs after it are the measured ones.
process.stdout.write('measuring\n');
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
for (const { data, offsets } of lapBuffers) {
  for (let i = 0; i + 1 < offsets.length; i++) {
    const frame = data.subarray(offsets[i], offsets[i + 1]);
    const event = JSON.parse(frame.toString('utf8')) as ModelEvent;
    if (variant === 'parse') {
      checksum += event.type.length;
      continue;
    }
    pending.push(event);
    if (pending.length >= BATCH) flush();
  }
}
flush();
const wall = performance.now() - wallBefore;
const cpu = process.cpuUsage(cpuBefore);
await new Promise((resolve) => setTimeout(resolve, 10));
observer.disconnect();
const perEvent = (ms: number): string => ((ms * 1000) / events).toFixed(2);
const gcText = [...gc].map(([kind, slot]) => `${kind} ${slot.count}× ${slot.ms.toFixed(0)} ms`).join(', ');
process.stdout.write(
  `${variant.padEnd(6)} ${events} events: ${perEvent((cpu.user + cpu.system) / 1000)} CPU µs/event, ${perEvent(wall)} wall µs/event; gc ${gcText}` +
    ` (applied ${model.eventsApplied}, check ${checksum})\n`,
);
