/**
 * Reconnect: the real Asterisk (the bench's own sandbox) stops, stays down
 * for 6 s or 60 s, and starts again. Two clients watch the same outage:
 * the console's AriEngine (its default backoff, as shipped) and ari-client
 * 2.2.0 with its own reconnect. The figure is the time from "PBX HTTP back"
 * (the first 200 from GET /asterisk/info, polled every 10 ms from here) to
 * the client being live again: the engine's supervisor says live (socket,
 * swagger, lists, reconcile done), ari-client emits WebSocketConnected.
 */
import { createRequire } from 'node:module';
import { AriEngine } from '../../main/engine/engine.js';
import { AriHttp, sleep, waitUntil } from '../lib/ari-http.js';
import { fmt, summarize, type BenchRow, type Figure, type RowContext } from '../lib/harness.js';
import { sandbox, startAsterisk, stopAsterisk } from '../lib/sandbox.js';

const GOAL_MS = 1000;
const APP_ENGINE = 'benchreconnect';
const APP_ARI_CLIENT = 'benchreconnectac';

interface AriClient {
  on(event: string, listener: (...args: unknown[]) => void): void;
  start(app: string, subscribeAll?: boolean): PromiseLike<void>;
  stop(): void;
}

interface Outcome {
  outageMs: number;
  engineMs: number;
  ariClientMs: number;
  ariClientGaveUp: boolean;
}

export const reconnectRow: BenchRow = {
  id: 'reconnect',
  measure: 'reconnect: PBX HTTP back → engine live, for a 6 s and a 60 s outage',
  comparedWith: 'ari-client (measured: 5.6 s late after 6 s; gives up after ~43 s)',
  goal: '≤ 1 s for both',
  needsSandbox: true,
  async run(context: RowContext) {
    const runs = context.runs ?? 3;
    const longOutage = Number(process.env['BENCH_LONG_OUTAGE_S'] ?? 60) * 1000;
    const pbx = await sandbox();
    const http = new AriHttp(pbx);

    let engineLiveAt = 0;
    const engine = new AriEngine({
      profile: { id: 'bench', name: 'bench', baseUrl: pbx.baseUrl, username: pbx.username, password: pbx.password, app: APP_ENGINE, subscribeAll: true },
      onStatus: (status) => {
        if (status.supervisor.status === 'live' && engineLiveAt === 0) engineLiveAt = performance.now();
      },
      onBatch: () => undefined,
    });

    let acConnectedAt = 0;
    let acGaveUp = false;
    let ariClient: AriClient | null = null;
    const startAriClient = async (): Promise<void> => {
      const ari = createRequire(import.meta.url)('ari-client') as { connect(url: string, user: string, pass: string): PromiseLike<AriClient> };
      const client = await ari.connect(pbx.baseUrl, pbx.username, pbx.password);
      client.on('WebSocketConnected', () => {
        if (acConnectedAt === 0) acConnectedAt = performance.now();
      });
      client.on('WebSocketMaxRetries', () => {
        acGaveUp = true;
      });
      await client.start(APP_ARI_CLIENT, true);
      ariClient = client;
    };

    const outage = async (downMs: number): Promise<Outcome> => {
      engineLiveAt = 0;
      acConnectedAt = 0;
      acGaveUp = false;
      await stopAsterisk();
      await sleep(downMs);
      let httpBackAt = 0;
      const starting = startAsterisk();
      starting.catch(() => undefined);
      await waitUntil(async () => {
        if (await http.answers(500)) httpBackAt = performance.now();
        return httpBackAt > 0;
      }, 120_000, 'the PBX answering HTTP again', 10);
      await starting;
      // Long enough for any client that will come back; ari-client may never.
      await waitUntil(() => engineLiveAt > 0, 60_000, 'the engine live again');
      const deadline = performance.now() + 15_000;
      while (acConnectedAt === 0 && !acGaveUp && performance.now() < deadline) await sleep(20);
      return {
        outageMs: downMs,
        engineMs: engineLiveAt - httpBackAt,
        ariClientMs: acConnectedAt > 0 ? acConnectedAt - httpBackAt : NaN,
        ariClientGaveUp: acGaveUp || acConnectedAt === 0,
      };
    };

    const short: Outcome[] = [];
    const long: Outcome[] = [];
    try {
      engine.start();
      await waitUntil(() => engineLiveAt > 0, 30_000, 'the engine live');
      for (let run = 0; run < runs; run++) {
        // A fresh ari-client whenever the last one gave up (it never comes back by itself).
        if (!ariClient || acGaveUp) await startAriClient();
        const result = await outage(6000);
        short.push(result);
        context.log(`reconnect 6 s run ${run + 1}/${runs}: engine ${fmt(result.engineMs)} ms, ari-client ${result.ariClientGaveUp ? 'gave up' : `${fmt(result.ariClientMs)} ms`}`);
      }
      if (longOutage > 0) {
        if (!ariClient || acGaveUp) await startAriClient();
        const result = await outage(longOutage);
        long.push(result);
        context.log(`reconnect ${longOutage / 1000} s: engine ${fmt(result.engineMs)} ms, ari-client ${result.ariClientGaveUp ? 'gave up' : `${fmt(result.ariClientMs)} ms`}`);
      }
    } finally {
      engine.dispose();
      (ariClient as AriClient | null)?.stop();
    }

    const all = [...short, ...long];
    const worst = Math.max(...all.map((outcome) => outcome.engineMs));
    const shortEngine = summarize(short.map((outcome) => outcome.engineMs));
    const acText = (outcomes: Outcome[]): string => {
      const gaveUp = outcomes.filter((outcome) => outcome.ariClientGaveUp).length;
      if (gaveUp === outcomes.length) return 'gave up';
      const median = summarize(outcomes.filter((outcome) => !outcome.ariClientGaveUp).map((outcome) => outcome.ariClientMs)).median;
      return `${fmt(median)} ms${gaveUp > 0 ? ` (gave up ${gaveUp}×)` : ''}`;
    };
    const figures: Figure[] = [
      { label: 'engine, 6 s outage: HTTP back → live', unit: 'ms', values: short.map((outcome) => outcome.engineMs) },
      { label: 'ari-client, 6 s outage: HTTP back → WebSocketConnected', unit: 'ms', values: short.filter((o) => !o.ariClientGaveUp).map((outcome) => outcome.ariClientMs) },
      { label: `engine, ${longOutage / 1000} s outage`, unit: 'ms', values: long.map((outcome) => outcome.engineMs) },
      { label: `ari-client, ${longOutage / 1000} s outage`, unit: 'ms', values: long.filter((o) => !o.ariClientGaveUp).map((outcome) => outcome.ariClientMs) },
    ];
    return {
      status: worst <= GOAL_MS ? 'met' : shortEngine.median <= GOAL_MS ? 'partial' : 'missed',
      headline: `engine ${fmt(shortEngine.median)} ms after 6 s (worst ${fmt(shortEngine.max)}), ${long.length ? `${fmt(long[0]?.engineMs ?? NaN)} ms after ${longOutage / 1000} s` : 'long outage not run'}; ari-client ${acText(short)} after 6 s, ${long.length ? acText(long) : '—'} after ${longOutage / 1000} s`,
      figures,
      notes: [
        `Real Asterisk ${pbx.version} (the bench's own sandbox at ${pbx.baseUrl}), stopped with "core stop now" and started again by test/asterisk/sandbox.mjs; ${runs} outages of 6 s, then one of ${longOutage / 1000} s. Both clients watch the same outages.`,
        'Engine: its default backoff as shipped (common/supervisor.ts DEFAULT_BACKOFF); "live" = the supervisor\'s live status, i.e. socket open, swagger loaded, the four lists fetched and reconciled.',
        `ari-client 2.2.0: its own reconnect (backoff-func); a client that gave up (WebSocketMaxRetries) never reconnects by itself, so it is counted as "gave up" and replaced by a fresh one for the next outage. ari-client gave up in ${all.filter((outcome) => outcome.ariClientGaveUp).length} of ${all.length} outages.`,
      ],
    };
  },
};
