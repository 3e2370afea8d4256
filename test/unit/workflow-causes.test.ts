import { afterEach, describe, expect, it } from 'vitest';
import { applyEvents, createModel, type CallModel, type ModelEvent } from '../../common/model/index.js';
import { DEFAULT_SETTINGS } from '../../common/settings.js';
import type { WorkflowsView } from '../../common/workflow-contract.js';
import { transferIds } from '../../common/workflows/transfer.js';
import { silentLogger } from '../../main/log.js';
import type { WorkflowEngine } from '../../main/workflows/executor.js';
import { CallWorkflows } from '../../main/workflows/orchestrator.js';

/**
 * A busy Local target ends its ;1 half with cause 0 and says "busy" (17) on
 * its ;2 half. On the sandbox both usually share a batch (the integration
 * tests see "busy"); on a loaded machine the ;2 half can land in the next
 * batch, which no real PBX can be made to do on demand: here the batches are
 * split by hand, against an engine whose REST calls only succeed.
 */

const T = 1_800_000_000_000;
const app = 'console';
const created = (id: string, name: string, state = 'Ring'): ModelEvent => ({
  type: 'ChannelCreated',
  timestamp: '2027-01-15T08:00:00.000+0000',
  channel: { id, name, state, caller: { name: '', number: '' }, dialplan: { context: 'test', exten: 'busy', priority: 1 } },
});
const destroyed = (id: string, cause: number, text = ''): ModelEvent => ({ type: 'ChannelDestroyed', channel: { id }, cause, cause_txt: text });

let workflows: CallWorkflows | null = null;
afterEach(() => workflows?.dispose());

function world() {
  let model: CallModel = applyEvents(
    createModel({ app }),
    [
      {
        type: 'StasisStart',
        timestamp: '2027-01-15T08:00:00.000+0000',
        channel: { id: 'caller', name: 'Local/x-caller', state: 'Up', caller: { name: 'Alice', number: '200' }, dialplan: { context: 'c', exten: 's', priority: 1, app_name: 'Stasis', app_data: app } },
        args: [],
      },
    ],
    T,
  );
  const requests: string[] = [];
  const rest = new Proxy({}, { get: (_target, name) => async (...args: unknown[]) => void requests.push(`${String(name)} ${String(args[0] && typeof args[0] === 'object' ? (args[0] as { endpoint?: string }).endpoint : args[0])}`) });
  const engine = { profile: { id: 'p', app }, requireRest: () => rest, watch: () => undefined, note: () => undefined, get currentModel() { return model; } } as unknown as WorkflowEngine;
  let view: WorkflowsView | null = null;
  workflows = new CallWorkflows({ engine: () => engine, settings: () => DEFAULT_SETTINGS, onChange: (next) => (view = next), log: silentLogger, tickMs: 60_000 });
  const feed = async (events: ModelEvent[]) => {
    model = applyEvents(model, events, T);
    workflows?.onEvents(events);
    // A request queues behind the events: once it answers, they have been handled.
    await workflows?.command('wnone0', 'cancel').catch(() => undefined);
  };
  return { workflows, feed, requests, view: () => view };
}

/** A blind transfer whose Local target (both halves created) is ringing; `outcome()` is what the panel shows. */
async function ringingTarget(n: string) {
  const { workflows: calls, feed, view } = world();
  const id = await calls.transfer({ channelId: 'caller', kind: 'blind', target: 'Local/busy@test' });
  const { targetId } = transferIds(id);
  await feed([created(targetId, `Local/busy@test-${n};1`), created(`${targetId};2`, `Local/busy@test-${n};2`)]);
  const transfer = () => view()?.transfers.find((state) => state.id === id);
  return { feed, targetId, transfer };
}

describe('a busy target whose ;2 half reports in the next batch', () => {
  it('still says "busy", not "no answer"', async () => {
    const { feed, targetId, transfer } = await ringingTarget('0001');
    await feed([destroyed(targetId, 0)]);
    expect(transfer()?.phase).toBe('dialing');
    await feed([destroyed(`${targetId};2`, 17, 'User busy')]);
    expect(transfer()?.outcome).toMatchObject({ status: 'failed', reason: 'busy' });
  });

  it('says "busy" at once when both halves share the batch', async () => {
    const { feed, targetId, transfer } = await ringingTarget('0002');
    await feed([destroyed(targetId, 0), destroyed(`${targetId};2`, 17, 'User busy')]);
    expect(transfer()?.outcome).toMatchObject({ status: 'failed', reason: 'busy' });
  });
});

describe('a ringing target that ended during a link gap', () => {
  it('says the cause the PBX sent in the reconnect batch ("busy" from its ;2 half), not "no answer"', async () => {
    const { feed, targetId, transfer } = await ringingTarget('0003');
    // What the engine sends after a reconnect: the reconcile's guesses, then the ends buffered meanwhile.
    const vanished = (channelId: string): ModelEvent => ({ type: 'ConsoleChannelVanished', at: T + 5000, channelId });
    await feed([vanished(targetId), vanished(`${targetId};2`), { type: 'ConsoleLinkRestored', at: T + 5000 }, destroyed(targetId, 0), destroyed(`${targetId};2`, 17, 'User busy')]);
    expect(transfer()?.outcome).toMatchObject({ status: 'failed', reason: 'busy' });
  });
});
