/**
 * What the call model allocates per event, and where: applyEvents over
 * re-keyed laps of the recording in batches of 256 (as the engine flushes
 * them), under V8's sampling heap profiler with collected objects kept, so
 * garbage counts too. Allocation is what the young-generation GC pays for,
 * and unlike wall time it does not move with the load of a shared machine.
 *
 *   node out/bench/model-alloc.js [laps] [top]
 */
import { Session } from 'node:inspector';
import { applyEvents, createModel, type ModelEvent } from '../common/model/index.js';
import { loadRecording, Replay } from './lib/fixture.js';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

const laps = Number(process.argv[2] ?? 10);
const top = Number(process.argv[3] ?? 20);
const replay = new Replay(loadRecording());
const events: ModelEvent[] = [];
for (let lap = 0; lap < laps; lap++) for (const text of replay.texts(lap)) events.push(JSON.parse(text) as ModelEvent);

const session = new Session();
session.connect();
const post = <T>(method: string, params: object = {}): Promise<T> =>
  new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));

await post('HeapProfiler.enable');
await post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const cpuBefore = process.cpuUsage();
let model = createModel({ app: 'benchingest' });
for (let i = 0; i < events.length; i += 256) model = applyEvents(model, events.slice(i, i + 256), 0);
const cpu = process.cpuUsage(cpuBefore);
const { profile } = await post<{ profile: { head: HeapNode } }>('HeapProfiler.stopSampling');

const bySite = new Map<string, number>();
let total = 0;
const walk = (node: HeapNode): void => {
  const frame = node.callFrame;
  const site = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop() ?? ''}:${frame.lineNumber + 1}`;
  bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const child of node.children) walk(child);
};
walk(profile.head);
const perEvent = (bytes: number): string => (bytes / events.length).toFixed(0).padStart(6);
process.stdout.write(
  `${events.length} events (${laps} laps), ${model.eventsApplied} applied: ${perEvent(total).trim()} B allocated per event; ` +
    `${(((cpu.user + cpu.system) / events.length)).toFixed(2)} CPU µs/event (sampling on)\n`,
);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${perEvent(bytes)} B/event  ${site}\n`);
