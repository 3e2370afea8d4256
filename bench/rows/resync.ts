/**
 * Resync: what a (re)connect costs with 500 channels and 100 bridges on the
 * PBX. Two figures:
 * - the model alone: reconcile() + applyEvents() of a snapshot against a model
 *   that already holds a different 500/100 (10 % of channels and bridges gone,
 *   10 % new, a quarter changed);
 * - the whole engine path against the loopback stub: the events socket drops,
 *   the engine reconnects (socket + swagger load through ari-client + the four
 *   lists + reconcile + apply) until it reports live.
 */
import { applyEvents, createModel, reconcile, type CallModel, type PbxSnapshot } from '../../common/model/index.js';
import { AriEngine } from '../../main/engine/engine.js';
import { sleep, waitUntil } from '../lib/ari-http.js';
import { fmt, summarize, type BenchRow, type Figure, type RowContext } from '../lib/harness.js';
import { REPLAY_PASSWORD, REPLAY_USER, startReplayServer, type Snapshot } from '../lib/replay-server.js';
import { synthSnapshot } from '../lib/synth.js';

const CHANNELS = 500;
const BRIDGES = 100;
const GOAL_MS = 300;

function asPbx(snapshot: Snapshot): PbxSnapshot {
  return snapshot as unknown as PbxSnapshot;
}

/** Two generations of the PBX: B keeps 450 of A's channels and 90 of its bridges. */
export function snapshots(): [Snapshot, Snapshot] {
  return [
    synthSnapshot(CHANNELS, BRIDGES, { generation: 0 }),
    synthSnapshot(CHANNELS, BRIDGES, { generation: 1, firstChannel: CHANNELS / 10, firstBridge: BRIDGES / 10 }),
  ];
}

function timeModel(model: CallModel, snapshot: PbxSnapshot, reason: 'connect' | 'reconnect'): { ms: number; model: CallModel; events: number } {
  const started = performance.now();
  const events = reconcile(model, snapshot, Date.now(), reason);
  const next = applyEvents(model, events, Date.now());
  return { ms: performance.now() - started, model: next, events: events.length };
}

export const resyncRow: BenchRow = {
  id: 'resync',
  measure: 'resync: snapshot + reconcile of 500 channels and 100 bridges',
  comparedWith: '—',
  goal: '< 300 ms',
  needsSandbox: false,
  async run(context: RowContext) {
    const runs = context.runs ?? 20;
    const [a, b] = snapshots();

    // The model alone. The first connect runs on cold code, as it does in the app.
    const connect = timeModel(createModel({ app: 'console' }), asPbx(a), 'connect');
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) warm.push(timeModel(connect.model, asPbx(i % 2 === 0 ? b : a), 'reconnect').ms);
    const reconciled = timeModel(connect.model, asPbx(b), 'reconnect');
    context.log(`resync: model connect ${fmt(connect.ms, 1)} ms (cold), reconnect median ${fmt(summarize(warm).median, 1)} ms (${reconciled.events} synthetic events)`);

    // The engine against the stub. Backoff 0 so the figure is the resync, not the retry wait.
    let current = a;
    const server = await startReplayServer({ username: REPLAY_USER, password: REPLAY_PASSWORD, snapshot: () => current });
    let liveAt = 0;
    const engine = new AriEngine({
      profile: { id: 'bench', name: 'bench', baseUrl: server.baseUrl, username: REPLAY_USER, password: REPLAY_PASSWORD, app: 'console', subscribeAll: true },
      backoff: { initialDelayMs: 0, factor: 2, maxDelayMs: 1000, jitter: 0 },
      onStatus: (status) => {
        if (status.supervisor.status === 'live') liveAt = performance.now();
      },
      onBatch: () => undefined,
    });
    const startedAt = performance.now();
    let connection = server.nextConnection();
    engine.start();
    await waitUntil(() => liveAt > 0, 30_000, 'engine live', 1);
    const engineConnect = liveAt - startedAt;
    const reconnects: number[] = [];
    for (let i = 0; i < runs; i++) {
      current = i % 2 === 0 ? b : a;
      const open = await connection;
      connection = server.nextConnection();
      liveAt = 0;
      const closedAt = performance.now();
      open.close(1011);
      await waitUntil(() => liveAt > 0, 30_000, 'engine live again', 1);
      reconnects.push(liveAt - closedAt);
      await sleep(50);
    }
    const model = engine.currentModel;
    engine.dispose();
    await server.close();
    context.log(`resync: engine connect ${fmt(engineConnect)} ms, reconnect median ${fmt(summarize(reconnects).median)} ms; model ${model.channels.size} live, ${model.bridges.size} bridges`);

    const engineSummary = summarize(reconnects);
    const figures: Figure[] = [
      { label: 'model: reconcile + applyEvents, reconnect (warm)', unit: 'ms', values: warm, digits: 1 },
      { label: 'model: reconcile + applyEvents, first connect (cold code)', unit: 'ms', values: [connect.ms], digits: 1 },
      { label: 'engine: socket drop → live again (socket, swagger, 4 lists, reconcile, apply)', unit: 'ms', values: reconnects, digits: 0 },
      { label: 'engine: first connect → live (cold process)', unit: 'ms', values: [engineConnect], digits: 0 },
    ];
    const worst = Math.max(engineSummary.max, engineConnect);
    return {
      status: worst < GOAL_MS ? 'met' : engineSummary.median < GOAL_MS ? 'partial' : 'missed',
      headline: `engine reconnect ${fmt(engineSummary.median)} ms median (max ${fmt(engineSummary.max)}, cold first connect ${fmt(engineConnect)}); model alone ${fmt(summarize(warm).median, 1)} ms`,
      figures,
      notes: [
        `Snapshots cloned from real GET /channels JSON and recorded bridges: ${CHANNELS} channels and ${BRIDGES} mixing bridges; between the two generations 10 % of channels and bridges vanish, 10 % are new, a quarter change state or caller. ${reconciled.events} synthetic events per reconcile. ${runs} reconnects, alternating generations.`,
        'Engine figures use a loopback stub that answers from pre-built lists (Asterisk would add its own time to list 500 channels) and backoff 0, so they time the resync, not the retry wait.',
        `Model after the last reconnect: ${model.channels.size} live channels, ${model.ended.size} ended, ${model.bridges.size} bridges.`,
      ],
    };
  },
};
