import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { applyEvents, createModel, type CallModel, type ModelEvent } from '../../common/model/index.js';
import { DEFAULT_SETTINGS } from '../../common/settings.js';
import type { WorkflowsView } from '../../common/workflow-contract.js';
import { transferIds } from '../../common/workflows/transfer.js';
import { silentLogger } from '../../main/log.js';
import type { WorkflowEngine } from '../../main/workflows/executor.js';
import { LEAVE_GRACE_MS } from '../../main/workflows/machines.js';
import { CallWorkflows } from '../../main/workflows/orchestrator.js';

/**
 * Asterisk reports a move as a leave then an entry, and a removed bridge as
 * one leave per leg (and BridgeDestroyed); the event socket may hand these
 * over in one batch or split across several, differently under load. No
 * split may change what the workflows make of them: here the batches are
 * split by hand (the real PBX cannot be made to split them on demand),
 * against an engine whose REST calls only succeed, on fake time.
 */

const T = 1_800_000_000_000;
const TICK_MS = 100;
const app = 'console';
const stamp = '2027-01-15T08:00:00.000+0000';
const stasisStart = (id: string, args: string[] = []): ModelEvent => ({
  type: 'StasisStart',
  timestamp: stamp,
  channel: { id, name: `PJSIP/${id}`, state: 'Up', caller: { name: id, number: '200' }, dialplan: { context: 'c', exten: 's', priority: 1, app_name: 'Stasis', app_data: app } },
  args,
});
const bridgeEvent = (type: 'ChannelEnteredBridge' | 'ChannelLeftBridge', channelId: string, bridgeId: string, channels: string[]): ModelEvent => ({
  type,
  timestamp: stamp,
  channel: { id: channelId, name: `PJSIP/${channelId}`, state: 'Up' },
  bridge: { id: bridgeId, bridge_type: 'mixing', channels },
});
const entered = (channelId: string, bridgeId: string, channels: string[]) => bridgeEvent('ChannelEnteredBridge', channelId, bridgeId, channels);
const left = (channelId: string, bridgeId: string, channels: string[]) => bridgeEvent('ChannelLeftBridge', channelId, bridgeId, channels);
const bridgeDestroyed = (bridgeId: string): ModelEvent => ({ type: 'BridgeDestroyed', timestamp: stamp, bridge: { id: bridgeId, bridge_type: 'mixing', channels: [] } });

let workflows: CallWorkflows | null = null;
beforeEach(() => {
  vi.useFakeTimers({ now: T });
});
afterEach(() => {
  workflows?.dispose();
  workflows = null;
  vi.useRealTimers();
});

function world() {
  let model: CallModel = applyEvents(createModel({ app }), [stasisStart('caller'), stasisStart('guest')], T);
  const requests: string[] = [];
  const rest = new Proxy(
    {},
    {
      get: (_target, name) => async (...args: unknown[]) => {
        const first = args[0];
        requests.push(`${String(name)} ${typeof first === 'string' ? first : ''}`.trim());
        return name === 'createBridge' ? { id: (first as { bridgeId: string }).bridgeId } : undefined;
      },
    },
  );
  const engine = { profile: { id: 'p', app }, requireRest: () => rest, watch: () => undefined, note: () => undefined, get currentModel() { return model; } } as unknown as WorkflowEngine;
  let view: WorkflowsView | null = null;
  workflows = new CallWorkflows({ engine: () => engine, settings: () => DEFAULT_SETTINGS, onChange: (next) => (view = next), log: silentLogger, tickMs: TICK_MS });
  const calls = workflows;
  /** One batch, as the engine hands it over: the model applies it, then the workflows see it. */
  const feed = async (...events: ModelEvent[]) => {
    model = applyEvents(model, events, Date.now());
    calls.onEvents(events);
    // A request queues behind the events: once it answers, they have been handled.
    await calls.command('wnone0', 'cancel').catch(() => undefined);
  };
  /** Time passes (ticks run) past every grace. */
  const later = async () => {
    await vi.advanceTimersByTimeAsync(LEAVE_GRACE_MS + 3 * TICK_MS);
    await calls.command('wnone0', 'cancel').catch(() => undefined);
  };
  return { calls, feed, later, requests, view: () => view };
}

/** A blind transfer of `caller` answered by its target, both seen in the transfer's bridge. */
async function connected() {
  const w = world();
  const id = await w.calls.transfer({ channelId: 'caller', kind: 'blind', target: 'PJSIP/201' });
  const { targetId, bridgeId } = transferIds(id);
  await w.feed(stasisStart(targetId, ['transfer', id]));
  await w.feed(entered('caller', bridgeId, ['caller']), entered(targetId, bridgeId, ['caller', targetId]));
  const transfer = () => w.view()?.transfers.find((state) => state.id === id);
  expect(transfer()?.phase).toBe('connected');
  w.requests.length = 0;
  return { ...w, id, targetId, bridgeId, transfer };
}

describe('the operator removes a connected transfer\'s bridge: no batch split hangs up a leg', () => {
  const hangups = (requests: string[]) => requests.filter((request) => request.startsWith('hangup') || request.startsWith('startMoh'));
  const orders = (targetId: string, bridgeId: string): Record<string, ModelEvent[][]> => ({
    'caller leaves, then (next batch) the target and BridgeDestroyed': [[left('caller', bridgeId, [targetId])], [left(targetId, bridgeId, []), bridgeDestroyed(bridgeId)]],
    'caller leaves, then the target, then BridgeDestroyed (three batches)': [[left('caller', bridgeId, [targetId])], [left(targetId, bridgeId, [])], [bridgeDestroyed(bridgeId)]],
    'target leaves, then (next batch) the caller': [[left(targetId, bridgeId, ['caller'])], [left('caller', bridgeId, []), bridgeDestroyed(bridgeId)]],
    'BridgeDestroyed first, then the leaves in two batches': [[bridgeDestroyed(bridgeId)], [left('caller', bridgeId, [targetId])], [left(targetId, bridgeId, [])]],
    'all in one batch': [[left('caller', bridgeId, [targetId]), left(targetId, bridgeId, []), bridgeDestroyed(bridgeId)]],
  });
  for (const name of Object.keys(orders('t', 'b'))) {
    it(name, async () => {
      const { feed, later, requests, targetId, bridgeId, transfer } = await connected();
      for (const batch of orders(targetId, bridgeId)[name] ?? []) await feed(...batch);
      await later();
      expect(transfer()?.phase).toBe('done');
      expect(hangups(requests)).toEqual([]);
    });
  }

  it('a plain move of the caller still hangs up the target left alone, whether its entry comes in the same batch or the next', async () => {
    for (const split of [false, true]) {
      const { feed, requests, targetId, bridgeId, transfer } = await connected();
      const leave = left('caller', bridgeId, [targetId]);
      const entry = entered('caller', 'conf', ['guest', 'caller']);
      if (split) {
        await feed(leave);
        await feed(entry);
      } else await feed(leave, entry);
      expect(transfer()?.phase).toBe('done');
      expect(requests).toContain(`hangup ${targetId}`);
      workflows?.dispose();
    }
  });

  it('the caller taken out of the bridge (into none) leaves the target alone: hung up once the grace passed', async () => {
    const { feed, later, requests, targetId, bridgeId, transfer } = await connected();
    await feed(left('caller', bridgeId, [targetId]));
    expect(requests).not.toContain(`hangup ${targetId}`);
    await later();
    expect(transfer()?.phase).toBe('done');
    expect(requests).toContain(`hangup ${targetId}`);
  });
});

describe('a parked call moved to another bridge: the park history says so however the batches split', () => {
  async function parked() {
    const w = world();
    const slot = await w.calls.parkCall({ channelId: 'caller' });
    const bridgeId = w.view()?.park.slots.find((call) => call.slot === slot)?.bridgeId ?? '';
    await w.feed(entered('caller', bridgeId, ['caller']));
    expect(w.view()?.park.slots.find((call) => call.slot === slot)?.status).toBe('parked');
    const outcome = () => w.view()?.park.recent.find((done) => done.slot === slot && done.channelId === 'caller');
    return { ...w, slot, bridgeId, outcome };
  }

  it('leave and entry in one batch', async () => {
    const { feed, bridgeId, outcome } = await parked();
    await feed(left('caller', bridgeId, []), entered('caller', 'conf', ['guest', 'caller']));
    expect(outcome()).toMatchObject({ kind: 'left', detail: 'moved to another bridge by the operator' });
  });

  it('the entry in the next batch', async () => {
    const { feed, bridgeId, outcome } = await parked();
    await feed(left('caller', bridgeId, []));
    await feed(entered('caller', 'conf', ['guest', 'caller']));
    expect(outcome()).toMatchObject({ kind: 'left', detail: 'moved to another bridge by the operator' });
  });

  it('taken out into no bridge: "taken out of the slot" once the grace passed', async () => {
    const { feed, later, bridgeId, outcome, view } = await parked();
    await feed(left('caller', bridgeId, []));
    await later();
    expect(outcome()).toMatchObject({ kind: 'left', detail: 'taken out of the slot' });
    expect(view()?.park.slots.some((call) => call.channelId === 'caller')).toBe(false);
  });

  it('back into its own slot (a leave and an entry of the same bridge): still parked', async () => {
    const { feed, later, bridgeId, slot, outcome, view } = await parked();
    await feed(left('caller', bridgeId, []));
    await feed(entered('caller', bridgeId, ['caller']));
    await later();
    expect(outcome()).toBeUndefined();
    expect(view()?.park.slots.find((call) => call.slot === slot)?.status).toBe('parked');
  });
});
