/**
 * One measured ingest client (a child process of the ingest row):
 *
 *   raw        `ws` + JSON.parse of every frame: the ceiling
 *   ari-client ari-client 2.2.0's own socket and `'*'` dispatch
 *   engine     the console's AriEngine: event socket → receive → batch →
 *              applyEvents into the call model
 *   engine-ipc the same, plus v8.serialize of every batch (what Electron's
 *              structured-clone IPC to the renderer costs on the main side)
 *
 * Connects, says "ready", counts `total` events, says "result" with the time
 * from the first frame to the last event processed.
 *
 *   node out/bench/ingest-client.js <variant> <baseUrl> <total>
 */
import { createRequire } from 'node:module';
import { serialize } from 'node:v8';
import WebSocket from 'ws';
import { AriEngine } from '../main/engine/engine.js';
import { basicAuthHeader, eventsUrl } from '../main/engine/event-socket.js';
import { childMain, tell } from './lib/harness.js';
import { REPLAY_PASSWORD, REPLAY_USER } from './lib/replay-server.js';

const APP = 'benchingest';

interface AriClient {
  on(event: string, listener: (event: { type: string }) => void): void;
  start(app: string, subscribeAll?: boolean): PromiseLike<void>;
  stop(): void;
}

childMain(async () => {
  const [variant = 'raw', baseUrl = '', totalText = '0'] = process.argv.slice(2);
  const total = Number(totalText);
  let first = 0;
  let firstCpu = process.cpuUsage();
  let count = 0;
  let checksum = 0;
  const finished = new Promise<void>((resolveDone) => {
    const done = (extra: Record<string, unknown> = {}): void => {
      const ms = performance.now() - first;
      // CPU time in the window (all threads, GC helpers included): steadier than wall time on a shared machine.
      const cpu = process.cpuUsage(firstCpu);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      tell({ type: 'result', variant, events: count, ms, rate: (count / ms) * 1000, cpuMs, cpuRate: (count / cpuMs) * 1000, checksum, ...extra });
      resolveDone();
    };
    const start = (): void => {
      first = performance.now();
      firstCpu = process.cpuUsage();
    };
    const seen = (n: number): boolean => {
      if (first === 0) start();
      count += n;
      return count >= total;
    };

    switch (variant) {
      case 'raw': {
        const ws = new WebSocket(eventsUrl(baseUrl, APP, true), { headers: { Authorization: basicAuthHeader(REPLAY_USER, REPLAY_PASSWORD) } });
        ws.on('open', () => tell({ type: 'ready' }));
        ws.on('message', (data: Buffer) => {
          const event = JSON.parse(data.toString('utf8')) as { type: string };
          checksum += event.type.length;
          if (seen(1)) {
            ws.terminate();
            done();
          }
        });
        return;
      }
      case 'ari-client': {
        const ari = createRequire(import.meta.url)('ari-client') as { connect(url: string, user: string, pass: string): PromiseLike<AriClient> };
        void (async () => {
          const client = await ari.connect(baseUrl, REPLAY_USER, REPLAY_PASSWORD);
          client.on('*', (event) => {
            checksum += event.type.length;
            if (seen(1)) {
              client.stop();
              done();
            }
          });
          await client.start(APP, true);
          tell({ type: 'ready' });
        })();
        return;
      }
      case 'engine':
      case 'engine-ipc': {
        let ready = false;
        let batches = 0;
        let bytes = 0;
        const engine: AriEngine = new AriEngine({
          profile: { id: 'bench', name: 'bench', baseUrl, username: REPLAY_USER, password: REPLAY_PASSWORD, app: APP, subscribeAll: true },
          onStatus: (status) => {
            if (status.supervisor.status === 'live' && !ready) {
              ready = true;
              tell({ type: 'ready' });
            }
          },
          onBatch: (batch) => {
            if (!ready) return;
            batches += 1;
            if (variant === 'engine-ipc') bytes += serialize(batch).length;
            let n = 0;
            for (const event of batch.events) if (!event.type.startsWith('Console')) n += 1;
            if (seen(n)) {
              const model = engine.currentModel;
              checksum = model.eventsApplied;
              engine.dispose();
              done({ batches, serializedMB: bytes / 1e6, applied: model.eventsApplied, skipped: model.eventsSkipped, live: model.channels.size, ended: model.ended.size });
            }
          },
          onRawEvent: () => {
            if (first === 0) start();
          },
        });
        engine.start();
        return;
      }
      default:
        throw new Error(`unknown variant ${variant}`);
    }
  });
  await finished;
  // ari-client and ws may hold handles (reconnect timers): the parent has what it needs.
  setTimeout(() => process.exit(0), 50).unref();
});
