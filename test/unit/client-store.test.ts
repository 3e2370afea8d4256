import { describe, expect, it } from 'vitest';
import type { ConsoleClient } from '../../common/client.js';
import type { EngineStatus, EventBatch, ModelSnapshot, RequestChannel } from '../../common/contract.js';
import { ConsoleError } from '../../common/errors.js';
import { applyEvents, createModel, serializeModel, type ChannelView, type ModelEvent } from '../../common/model/index.js';
import type { SupervisorState } from '../../common/supervisor.js';
import { createConsoleStore, type ConsoleController } from '../../renderer/src/lib/console-store.js';
import { describeCall, describeHostLink, describeSupervisor } from '../../renderer/src/lib/describe.js';

// A client whose requests wait until the test answers them, and whose events the test emits.
function fakeClient() {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const pending: { channel: RequestChannel; payload: unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];
  const client: ConsoleClient = {
    request: ((channel: RequestChannel, payload: unknown) =>
      new Promise<unknown>((resolve, reject) => pending.push({ channel, payload, resolve, reject }))) as ConsoleClient['request'],
    on: ((channel: string, listener: (payload: unknown) => void) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return () => set.delete(listener);
    }) as ConsoleClient['on'],
  };
  const take = (channel: RequestChannel) => {
    const index = pending.findIndex((request) => request.channel === channel);
    if (index < 0) throw new Error(`no pending ${channel}; pending: ${pending.map((request) => request.channel).join(', ')}`);
    return pending.splice(index, 1)[0]!;
  };
  return {
    client,
    pending,
    emit: (channel: string, payload: unknown) => listeners.get(channel)?.forEach((listener) => listener(payload)),
    answer: async (channel: RequestChannel, value: unknown) => {
      take(channel).resolve(value);
      await flushPromises();
    },
    fail: async (channel: RequestChannel, error: unknown) => {
      take(channel).reject(error);
      await flushPromises();
    },
  };
}

const flushPromises = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function status(profileId: string, supervisor: SupervisorState = { status: 'live', since: 1 }): EngineStatus {
  return { profileId, profileName: `Profile ${profileId}`, supervisor, pbx: { version: '22.5.0', entityId: 'e', systemName: 's' }, skippedFrames: 0 };
}

const created = (id: string, state = 'Ring'): ModelEvent => ({
  type: 'StasisStart',
  timestamp: '2026-01-01T10:00:00.000+0000',
  channel: { id, name: `PJSIP/${id}`, state, caller: { name: 'Alice', number: '101' } },
});
const answered = (id: string): ModelEvent => ({ type: 'ChannelStateChange', timestamp: '2026-01-01T10:00:05.000+0000', channel: { id, state: 'Up' } });
const destroyed = (id: string): ModelEvent => ({ type: 'ChannelDestroyed', timestamp: '2026-01-01T10:01:00.000+0000', cause: 16, cause_txt: 'Normal Clearing', channel: { id } });

function snapshot(profileId: string, seq: number, events: ModelEvent[] = []): ModelSnapshot {
  return { profileId, seq, model: serializeModel(applyEvents(createModel({ app: 'console' }), events, 0)) };
}

const batch = (profileId: string, seq: number, events: ModelEvent[]): EventBatch => ({ profileId, seq, events });

function setup() {
  const fake = fakeClient();
  const frames: (() => void)[] = [];
  const controller = createConsoleStore({ client: fake.client, schedule: (task) => frames.push(task), now: () => 1_000, maxBuffered: 3 });
  const runFrame = () => frames.splice(0).forEach((task) => task());
  const profile = (id = 'pbx') => controller.store.getState().profiles.get(id);
  return { ...fake, controller, frames, runFrame, profile };
}

async function started(ids: string[] = ['pbx'], seq = 5, events: ModelEvent[] = []): Promise<ReturnType<typeof setup>> {
  const context = setup();
  void context.controller.start();
  await context.answer('engine.statuses', ids.map((id) => status(id)));
  for (const id of ids) await context.answer('model.snapshot', snapshot(id, seq, events));
  return context;
}

const channelIds = (controller: ConsoleController, id = 'pbx') => [...(controller.store.getState().profiles.get(id)?.model?.channels.keys() ?? [])];

describe('console store: snapshot, then stream', () => {
  it('loads statuses, then each profile snapshot', async () => {
    const { controller, answer, profile } = setup();
    const starting = controller.start();
    expect(controller.store.getState().loaded).toBe(false);
    await answer('engine.statuses', [status('pbx'), status('other')]);
    expect([...controller.store.getState().profiles.keys()]).toEqual(['pbx', 'other']);
    expect(profile()?.syncing).toBe(true);
    await answer('model.snapshot', snapshot('pbx', 5, [created('c1')]));
    await answer('model.snapshot', snapshot('other', 0));
    await starting;
    expect(profile()).toMatchObject({ seq: 5, syncing: false });
    expect(channelIds(controller)).toEqual(['c1']);
    expect(controller.store.getState().loaded).toBe(true);
  });

  it('applies batches in order, at most one store update per frame', async () => {
    const { controller, emit, runFrame, frames, profile } = await started();
    let updates = 0;
    controller.store.subscribe(() => (updates += 1));
    emit('engine.events', batch('pbx', 6, [created('c1')]));
    emit('engine.events', batch('pbx', 7, [created('c2')]));
    emit('engine.events', batch('pbx', 8, [answered('c1')]));
    expect(frames).toHaveLength(1);
    expect(channelIds(controller)).toEqual([]);
    runFrame();
    expect(updates).toBe(1);
    expect(profile()?.seq).toBe(8);
    expect(channelIds(controller)).toEqual(['c1', 'c2']);
    expect(profile()?.model?.channels.get('c1')?.state).toBe('Up');
  });

  it('folds the batches of one frame per profile, in order; a gap still shows what came before it while the snapshot is fetched', async () => {
    const { controller, emit, runFrame, pending, profile } = await started(['pbx', 'other']);
    emit('engine.events', batch('pbx', 6, [created('c1')]));
    emit('engine.events', batch('other', 6, [created('o1')]));
    emit('engine.events', batch('pbx', 7, [answered('c1'), created('c2')]));
    emit('engine.events', batch('pbx', 9, [created('c9')])); // 8 is missing
    emit('engine.events', batch('other', 7, [answered('o1')]));
    runFrame();
    expect(profile()).toMatchObject({ seq: 7, syncing: true });
    expect(channelIds(controller)).toEqual(['c1', 'c2']);
    expect(profile()?.model?.channels.get('c1')?.state).toBe('Up');
    expect(profile('other')).toMatchObject({ seq: 7, syncing: false });
    expect(profile('other')?.model?.channels.get('o1')?.state).toBe('Up');
    expect(pending.filter((request) => request.channel === 'model.snapshot').map((request) => request.payload)).toEqual([{ profileId: 'pbx' }]);
  });

  it('holds batches during a snapshot and applies only those newer than it', async () => {
    const { controller, emit, answer, runFrame, pending, profile } = setup();
    void controller.start();
    emit('engine.events', batch('pbx', 4, [created('early')])); // before any status: covered by the snapshot
    await answer('engine.statuses', [status('pbx')]);
    emit('engine.events', batch('pbx', 5, [created('c1')]));
    emit('engine.events', batch('pbx', 6, [created('c2')]));
    emit('engine.events', batch('pbx', 7, [created('c3')]));
    await answer('model.snapshot', snapshot('pbx', 6, [created('c1'), created('c2')]));
    expect(profile()?.seq).toBe(7);
    expect(channelIds(controller)).toEqual(['c1', 'c2', 'c3']);
    // c1 was not created twice: one "created" entry in its timeline.
    expect(profile()?.model?.channels.get('c1')?.timeline.filter((entry) => entry.kind === 'created')).toHaveLength(1);
    // The batch that waited for a frame was covered too: no second snapshot.
    runFrame();
    expect(pending).toHaveLength(0);
  });

  it('snapshots again after a gap, and keeps what arrives meanwhile', async () => {
    const { controller, emit, runFrame, pending, answer, profile } = await started();
    emit('engine.events', batch('pbx', 6, [created('c1')]));
    emit('engine.events', batch('pbx', 8, [created('c3')])); // 7 went missing
    runFrame();
    expect(profile()).toMatchObject({ seq: 6, syncing: true });
    expect(pending.map((request) => request.channel)).toEqual(['model.snapshot']);
    emit('engine.events', batch('pbx', 9, [answered('c3')]));
    await answer('model.snapshot', snapshot('pbx', 8, [created('c1'), created('c2'), created('c3')]));
    expect(profile()).toMatchObject({ seq: 9, syncing: false });
    expect(channelIds(controller)).toEqual(['c1', 'c2', 'c3']);
    expect(profile()?.model?.channels.get('c3')?.state).toBe('Up');
  });

  it('treats a restarted engine (seq starting over) as a gap', async () => {
    const { emit, runFrame, pending, answer, profile } = await started(['pbx'], 40);
    emit('engine.events', batch('pbx', 1, [created('c1')]));
    runFrame();
    expect(pending.map((request) => request.channel)).toEqual(['model.snapshot']);
    await answer('model.snapshot', snapshot('pbx', 1, [created('c1')]));
    expect(profile()?.seq).toBe(1);
  });

  it('does not loop when buffered batches are out of step with the new snapshot', async () => {
    const { emit, runFrame, pending, answer, profile } = await started(['pbx'], 5);
    emit('engine.events', batch('pbx', 9, [])); // gap → snapshot
    runFrame();
    emit('engine.events', batch('pbx', 50, [])); // a stale engine's batch, buffered
    await answer('model.snapshot', snapshot('pbx', 2));
    // One more snapshot, with nothing carried over: it covers everything received so far.
    expect(pending.map((request) => request.channel)).toEqual(['model.snapshot']);
    await answer('model.snapshot', snapshot('pbx', 2));
    expect(pending).toHaveLength(0);
    expect(profile()).toMatchObject({ seq: 2, syncing: false });
  });

  it('snapshots again when more batches arrive during a snapshot than it may hold', async () => {
    const { emit, runFrame, answer, profile } = await started();
    emit('engine.events', batch('pbx', 7, []));
    runFrame();
    for (let seq = 8; seq <= 12; seq += 1) emit('engine.events', batch('pbx', seq, []));
    await answer('model.snapshot', snapshot('pbx', 7));
    expect(profile()?.syncing).toBe(true);
    await answer('model.snapshot', snapshot('pbx', 12));
    expect(profile()).toMatchObject({ seq: 12, syncing: false });
  });

  it('adds a profile first seen in a status push and snapshots it', async () => {
    const { controller, emit, runFrame, answer, profile } = await started();
    emit('engine.status', status('new', { status: 'connecting', attempt: 1, since: 1, lastError: null }));
    runFrame();
    expect(profile('new')).toMatchObject({ model: null, syncing: true });
    await answer('model.snapshot', snapshot('new', 0));
    expect(profile('new')?.model).not.toBeNull();
    expect([...controller.store.getState().profiles.keys()]).toEqual(['pbx', 'new']);
  });

  it('snapshots a profile again when its engine comes into being (status leaves idle)', async () => {
    const context = setup();
    void context.controller.start();
    await context.answer('engine.statuses', [status('pbx', { status: 'idle' })]);
    await context.answer('model.snapshot', snapshot('pbx', 0));
    context.emit('engine.status', status('pbx', { status: 'connecting', attempt: 1, since: 1, lastError: null }));
    context.runFrame();
    expect(context.pending.map((request) => request.channel)).toEqual(['model.snapshot']);
    await context.answer('model.snapshot', snapshot('pbx', 0));
    context.emit('engine.status', status('pbx', { status: 'live', since: 2 }));
    context.runFrame();
    expect(context.pending).toHaveLength(0);
  });

  it('ignores a late answer to a snapshot a resync replaced', async () => {
    const { controller, emit, runFrame, pending, answer, profile } = await started();
    emit('engine.events', batch('pbx', 9, []));
    runFrame(); // snapshot A in flight
    void controller.resync();
    await answer('engine.statuses', [status('pbx')]);
    const [first, second] = pending.splice(0);
    second!.resolve(snapshot('pbx', 20, [created('fresh')]));
    await flushPromises();
    first!.resolve(snapshot('pbx', 9, [created('stale')]));
    await flushPromises();
    expect(profile()?.seq).toBe(20);
    expect(channelIds(controller)).toEqual(['fresh']);
  });

  it('drops profiles main no longer lists on resync', async () => {
    const { controller, answer } = await started(['a', 'b']);
    void controller.resync();
    await answer('engine.statuses', [status('b')]);
    expect([...controller.store.getState().profiles.keys()]).toEqual(['b']);
  });

  it('reports a failed snapshot and recovers on the next batch', async () => {
    const { emit, runFrame, fail, answer, profile } = await started();
    emit('engine.events', batch('pbx', 8, []));
    runFrame();
    await fail('model.snapshot', new ConsoleError('unavailable', 'Host went away'));
    expect(profile()).toMatchObject({ syncing: false, syncError: 'Host went away' });
    emit('engine.events', batch('pbx', 9, []));
    runFrame();
    await answer('model.snapshot', snapshot('pbx', 9));
    expect(profile()).toMatchObject({ seq: 9, syncError: null });
  });

  it('connect: busy while in flight, then the answer sets the status', async () => {
    const { controller, answer, profile } = await started();
    const connecting = controller.connect('pbx');
    expect(profile()?.busy).toBe(true);
    await answer('engine.connect', status('pbx', { status: 'connecting', attempt: 1, since: 2, lastError: null }));
    await connecting;
    expect(profile()).toMatchObject({ busy: false, status: { supervisor: { status: 'connecting' } } });
  });

  it('connect: a status push newer than the answer wins', async () => {
    const { controller, emit, runFrame, answer, profile } = await started();
    const connecting = controller.connect('pbx');
    emit('engine.status', status('pbx', { status: 'live', since: 3 }));
    runFrame();
    await answer('engine.connect', status('pbx', { status: 'connecting', attempt: 1, since: 2, lastError: null }));
    await connecting;
    expect(profile()?.status.supervisor.status).toBe('live');
  });

  it('disconnect: a refusal becomes the profile action error', async () => {
    const { controller, fail, profile } = await started();
    const disconnecting = controller.disconnect('pbx');
    await fail('engine.disconnect', new ConsoleError('not_connected', 'Not connected.'));
    await disconnecting;
    expect(profile()).toMatchObject({ busy: false, actionError: 'Not connected.' });
  });

  it('ignores malformed pushes and stops listening when disposed', async () => {
    const { controller, emit, frames } = await started();
    emit('engine.events', { profileId: 'pbx', seq: 'x', events: 'nope' });
    emit('engine.status', { nonsense: true });
    expect(frames).toHaveLength(0);
    controller.dispose();
    emit('engine.events', batch('pbx', 6, []));
    expect(frames).toHaveLength(0);
  });
});

describe('console words', () => {
  it('says what the supervisor is doing in plain words', () => {
    expect(describeSupervisor({ status: 'live', since: 0 }, 0)).toMatchObject({ label: 'Live', banner: null, active: true });
    expect(describeSupervisor({ status: 'backoff', attempt: 3, lastError: 'ECONNREFUSED', nextRetryAt: 2_500 }, 1_000)).toMatchObject({
      label: 'Attempt 3 failed · retry in 2 s',
      banner: 'Reconnecting — calls continue on the PBX',
      lastError: 'ECONNREFUSED',
    });
    expect(describeSupervisor({ status: 'stopped', reason: 'unauthorized', lastError: '401', since: 0 }, 0)).toMatchObject({ tone: 'bad', active: false });
    expect(describeHostLink({ state: 'waiting', attempt: 1, retryAt: 1_000 }, 0)).toContain('Retrying in 1 s');
  });

  it('describes a call from its report', () => {
    const model = applyEvents(createModel({ app: 'console' }), [created('c1'), answered('c1'), destroyed('c1')], 0);
    const ended = model.ended.get('c1') as ChannelView;
    expect(describeCall(ended, 0)).toEqual({ status: 'Answered', duration: '0:55', cause: 'Normal Clearing' });
  });
});
