/**
 * The soak row's client (a child process, started with --expose-gc): the
 * console's AriEngine fed a long replay; every `every` events it samples
 * memory - RSS and heap as they are, then the heap still in use after a full
 * GC - and the model's size, and sends it all when `total` events are in.
 *
 *   node --expose-gc out/bench/soak-client.js <baseUrl> <total> <every>
 */
import { AriEngine } from '../main/engine/engine.js';
import type { CallModel } from '../common/model/index.js';
import { childMain, tell } from './lib/harness.js';
import { REPLAY_PASSWORD, REPLAY_USER } from './lib/replay-server.js';

export interface SoakSample {
  events: number;
  rssMB: number;
  heapUsedMB: number;
  retainedHeapMB: number;
  live: number;
  ended: number;
  bridges: number;
  maxTimeline: number;
  seconds: number;
}

function maxTimeline(model: CallModel): number {
  let max = 0;
  for (const map of [model.channels, model.ended]) for (const channel of map.values()) max = Math.max(max, channel.timeline.length);
  return max;
}

childMain(async () => {
  const [baseUrl = '', totalText = '0', everyText = '50000'] = process.argv.slice(2);
  const total = Number(totalText);
  const every = Number(everyText);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the soak client with --expose-gc');
  const samples: SoakSample[] = [];
  let count = 0;
  let nextSample = every;
  let first = 0;
  await new Promise<void>((resolveDone) => {
    let ready = false;
    const engine: AriEngine = new AriEngine({
      profile: { id: 'soak', name: 'soak', baseUrl, username: REPLAY_USER, password: REPLAY_PASSWORD, app: 'benchsoak', subscribeAll: true },
      onStatus: (status) => {
        if (status.supervisor.status === 'live' && !ready) {
          ready = true;
          tell({ type: 'ready' });
        }
      },
      onBatch: (batch) => {
        if (!ready) return;
        if (first === 0) first = performance.now();
        for (const event of batch.events) if (!event.type.startsWith('Console')) count += 1;
        if (count < nextSample && count < total) return;
        nextSample += every;
        const before = process.memoryUsage();
        gc();
        const after = process.memoryUsage();
        const model = engine.currentModel;
        samples.push({
          events: count,
          rssMB: before.rss / 2 ** 20,
          heapUsedMB: before.heapUsed / 2 ** 20,
          retainedHeapMB: after.heapUsed / 2 ** 20,
          live: model.channels.size,
          ended: model.ended.size,
          bridges: model.bridges.size,
          maxTimeline: maxTimeline(model),
          seconds: (performance.now() - first) / 1000,
        });
        if (count >= total) {
          const config = model.config;
          engine.dispose();
          tell({ type: 'result', samples, config, applied: model.eventsApplied, skipped: model.eventsSkipped });
          resolveDone();
        }
      },
    });
    engine.start();
  });
  setTimeout(() => process.exit(0), 50).unref();
});
