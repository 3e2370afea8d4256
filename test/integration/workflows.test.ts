import { describe, expect, it } from 'vitest';
import type { WorkflowsView } from '../../common/workflow-contract.js';
import { CONNECT_GRACE_MS, transferIds } from '../../common/workflows/transfer.js';
import type { Logger } from '../../main/log.js';
import { live, sandboxProfile, sleep, startConsole, waitFor } from './harness.js';
import { eventually, P, useWorkflowWorld } from './workflow-world.js';

/**
 * The receptionist's call workflows against the real Asterisk, with Local
 * channels for every party: a caller is Local/<app>@console-app (its Stasis
 * leg is what the console controls), a transfer target or the receptionist's
 * phone is Local/<target>@test (wait answers, busy is busy).
 */

/** Main's warnings: where every snoop start must leave a trace. */
const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
const log: Logger = { debug() {}, info() {}, warn: (message, fields = {}) => warnings.push({ message, fields }), error() {} };
const w = useWorkflowWorld(log);
const { transfer, members, start } = w;

describe('blind transfer', () => {
  it('hands an answered caller to the target, bridges them on answer, and hangs the caller up when the target does', async () => {
    const caller = (await w.call('Alice <200>')).stasisId;
    const id = await start({ channelId: caller, kind: 'blind', target: 'Local/wait@test' });
    const { targetId, bridgeId } = transferIds(id);
    await waitFor(() => transfer(id)?.phase === 'connected', 15_000, 'connected');
    expect(await members(bridgeId)).toEqual([caller, targetId].sort());
    expect(transfer(id)?.outcome).toMatchObject({ status: 'completed', reason: 'answered' });

    // Past the grace in which a target that hangs up gives the caller back instead (workflows-defects.test.ts).
    await sleep(CONNECT_GRACE_MS);
    await w.rest.hangup(targetId);
    await waitFor(() => transfer(id)?.phase === 'done' && live(w.console_.model(), caller) === undefined, 15_000, 'caller hung up after the target');
  });

  it('says "busy" and keeps the caller with the console when the target is busy', async () => {
    const caller = (await w.call('Bob <201>')).stasisId;
    const id = await start({ channelId: caller, kind: 'blind', target: 'Local/busy@test' });
    await waitFor(() => transfer(id)?.phase === 'done', 15_000, 'transfer failed');
    expect(transfer(id)?.outcome).toMatchObject({ status: 'failed', reason: 'busy' });
    expect(live(w.console_.model(), caller)?.inStasis).toBe(true);
  });

  it('refuses a target that is neither a number nor an endpoint, and a call that has ended, with typed errors', async () => {
    const caller = (await w.call('Carol <202>')).stasisId;
    const bad = await w.console_.raw('transfer.start', { profileId: P, channelId: caller, kind: 'blind', target: 'not a number!' });
    expect(bad.error?.code).toBe('invalid_request');
    const gone = await w.console_.raw('transfer.start', { profileId: P, channelId: 'no-such-call', kind: 'blind', target: '102' });
    expect(gone.error?.code).toBe('not_found');
  });
});

describe('attended transfer', () => {
  it('consults with the caller on hold, swaps, then completes: caller and target bridged, receptionist freed', async () => {
    const { caller, operator, desk } = await w.deskCall();
    const id = await start({ channelId: caller, kind: 'attended', target: 'Local/wait@test', operatorChannelId: operator });
    const { targetId, bridgeId } = transferIds(id);
    await waitFor(() => transfer(id)?.phase === 'consulting', 15_000, 'consulting');
    expect(await members(desk)).toEqual([operator, targetId].sort());

    await w.console_.request('transfer.command', { profileId: P, workflowId: id, command: 'swap' });
    expect(transfer(id)).toMatchObject({ phase: 'swapped', held: 'target' });
    expect(await members(desk)).toEqual([caller, operator].sort());

    await w.console_.request('transfer.command', { profileId: P, workflowId: id, command: 'complete' });
    expect(transfer(id)?.phase).toBe('connected');
    expect(await members(bridgeId)).toEqual([caller, targetId].sort());
    await waitFor(() => live(w.console_.model(), operator) === undefined, 10_000, 'receptionist leg hung up');
    expect(await members(desk)).toBeNull();
  });

  it('a busy target puts the caller straight back with the receptionist', async () => {
    const { caller, operator, desk } = await w.deskCall();
    const id = await start({ channelId: caller, kind: 'attended', target: 'Local/busy@test', operatorChannelId: operator });
    await waitFor(() => transfer(id)?.phase === 'done', 15_000, 'target busy');
    expect(transfer(id)?.outcome).toMatchObject({ status: 'failed', reason: 'busy' });
    expect(await eventually(() => members(desk), (list) => list?.length === 2, 'caller back')).toEqual([caller, operator].sort());
  });

  it('cancel hangs up the target and puts the caller back with the receptionist', async () => {
    const { caller, operator, desk } = await w.deskCall();
    const id = await start({ channelId: caller, kind: 'attended', target: 'Local/wait@test', operatorChannelId: operator });
    await waitFor(() => transfer(id)?.phase === 'consulting', 15_000, 'consulting');
    await w.console_.request('transfer.command', { profileId: P, workflowId: id, command: 'cancel' });
    expect(transfer(id)?.outcome).toMatchObject({ status: 'cancelled' });
    expect(await members(desk)).toEqual([caller, operator].sort());
    await waitFor(() => live(w.console_.model(), transferIds(id).targetId) === undefined, 10_000, 'target hung up');
    const again = await w.console_.raw('transfer.command', { profileId: P, workflowId: id, command: 'complete' });
    expect(again.error?.code).toBe('invalid_request');
  });
});

describe('on the receptionist phone', () => {
  it('answers a ringing call on my phone, then an attended transfer finds my leg by itself', async () => {
    await w.console_.request('settings.set', { operatorEndpoint: 'Local/wait@test' });
    const call = await w.ringing('Olivia <211>');
    const pickup = await start({ channelId: call.stasisId, kind: 'pickup', target: 'Local/wait@test' });
    await waitFor(() => transfer(pickup)?.phase === 'connected', 15_000, 'answered on my phone');
    const mine = transferIds(pickup);
    await waitFor(() => live(w.console_.model(), call.stasisId)?.bridgeId === mine.bridgeId && live(w.console_.model(), mine.targetId)?.bridgeId === mine.bridgeId, 10_000, 'bridged with my phone');
    expect(live(w.console_.model(), call.stasisId)?.state).toBe('Up');

    const attended = await start({ channelId: call.stasisId, kind: 'attended', target: 'Local/echo@test' });
    await waitFor(() => transfer(attended)?.phase === 'consulting', 15_000, 'consulting');
    expect(transfer(attended)?.operatorId).toBe(mine.targetId);
    expect(transfer(pickup)?.phase).toBe('done');
    expect(await members(mine.bridgeId)).toEqual([mine.targetId, transferIds(attended).targetId].sort());
    await w.console_.request('transfer.command', { profileId: P, workflowId: attended, command: 'complete' });
    await waitFor(() => live(w.console_.model(), mine.targetId) === undefined, 10_000, 'my leg hung up');
    expect(await members(transferIds(attended).bridgeId)).toEqual([call.stasisId, transferIds(attended).targetId].sort());
  });
});

describe('park', () => {
  it('parks into a numbered holding bridge with music and retrieves from it', async () => {
    const caller = (await w.call('Dave <203>')).stasisId;
    const { slot } = (await w.console_.request('park.park', { profileId: P, channelId: caller })) as { slot: number };
    expect(slot).toBe(701);
    const bridge = (await w.rest.listBridges()).find((candidate) => candidate.name === `park-701@${w.console_.engine.profile.app}`);
    expect(bridge).toMatchObject({ bridge_type: 'holding', channels: [caller] });
    await waitFor(() => w.latest()?.park.slots[0]?.status === 'parked', 10_000, 'parked');
    // The bridge board shows the slot: the model has the bridge by its name.
    expect([...w.console_.model().bridges.values()].some((candidate) => candidate.name === `park-701@${w.console_.engine.profile.app}`)).toBe(true);

    const taken = await w.console_.raw('park.park', { profileId: P, channelId: (await w.call('Eve <204>')).stasisId, slot: 701 });
    expect(taken.error).toMatchObject({ code: 'invalid_request', message: 'Park slot 701 is taken.' });

    const { channelId } = (await w.console_.request('park.retrieve', { profileId: P, slot: 701 })) as { channelId: string };
    expect(channelId).toBe(caller);
    expect((await w.rest.listBridges()).some((candidate) => candidate.name === `park-701@${w.console_.engine.profile.app}`)).toBe(false);
    expect(live(w.console_.model(), caller)?.inStasis).toBe(true);
    expect(w.latest()?.park.recent[0]).toMatchObject({ slot: 701, kind: 'retrieved' });
  });

  it('rings the parker back when the park times out, and connects them on answer', async () => {
    await w.console_.request('settings.set', { operatorEndpoint: 'Local/wait@test', park: { timeoutSec: 5 } });
    const caller = (await w.call('Frank <205>')).stasisId;
    await w.console_.request('park.park', { profileId: P, channelId: caller, slot: 703 });
    await waitFor(() => w.latest()?.park.recent.some((outcome) => outcome.slot === 703 && outcome.kind === 'answered-by-parker') === true, 30_000, 'answered by the parker');
    const pickup = w.latest()?.transfers.find((state) => state.kind === 'pickup' && state.callerId === caller);
    expect(pickup?.phase).toBe('connected');
    expect(await members(transferIds(pickup?.id ?? '').bridgeId)).toEqual([caller, transferIds(pickup?.id ?? '').targetId].sort());
  });

  it('returns the call to the console when the parker does not answer the ring-backs', async () => {
    await w.console_.request('settings.set', { operatorEndpoint: 'Local/busy@test', park: { timeoutSec: 5 } });
    const caller = (await w.call('Nina <212>')).stasisId;
    await w.console_.request('park.park', { profileId: P, channelId: caller, slot: 704 });
    await waitFor(() => w.latest()?.park.recent.some((outcome) => outcome.slot === 704 && outcome.kind === 'returned') === true, 40_000, 'returned to the console');
    expect(w.latest()?.park.recent.find((outcome) => outcome.slot === 704)?.detail).toBe('Local/busy@test did not answer (busy)');
    expect((await w.rest.listBridges()).some((bridge) => bridge.name === `park-704@${w.console_.engine.profile.app}`)).toBe(false);
    expect(live(w.console_.model(), caller)).toMatchObject({ inStasis: true, bridgeId: null });
  });

  it('takes a parked call onto my phone; the slot frees once my phone answers', async () => {
    await w.console_.request('settings.set', { operatorEndpoint: 'Local/wait@test' });
    const caller = (await w.call('Oscar <213>')).stasisId;
    await w.console_.request('park.park', { profileId: P, channelId: caller, slot: 707 });
    await waitFor(() => w.latest()?.park.slots.some((parked) => parked.slot === 707 && parked.status === 'parked') === true, 10_000, 'parked');
    const pickup = await start({ channelId: caller, kind: 'pickup', target: 'Local/wait@test' });
    await waitFor(() => transfer(pickup)?.phase === 'connected', 15_000, 'on my phone');
    await waitFor(() => w.latest()?.park.recent.some((outcome) => outcome.slot === 707 && outcome.kind === 'left') === true, 10_000, 'slot freed');
    expect(await members(transferIds(pickup).bridgeId)).toEqual([caller, transferIds(pickup).targetId].sort());
    expect((await w.rest.listBridges()).some((bridge) => bridge.name === `park-707@${w.console_.engine.profile.app}`)).toBe(false);
  });

  it('frees the slot when the parked caller hangs up', async () => {
    const call = await w.call('Grace <206>');
    await w.console_.request('park.park', { profileId: P, channelId: call.stasisId, slot: 705 });
    await waitFor(() => w.latest()?.park.slots.some((parked) => parked.slot === 705 && parked.status === 'parked') === true, 10_000, 'parked');
    await w.rest.hangup(call.callerId);
    await waitFor(() => w.latest()?.park.recent.some((outcome) => outcome.slot === 705 && outcome.kind === 'abandoned') === true, 10_000, 'abandoned');
    expect(w.latest()?.park.slots.some((parked) => parked.slot === 705)).toBe(false);
  });
});

describe('listen / whisper / barge', () => {
  it('is refused while the setting is off, the page cannot turn it on, and no request picks the phone', async () => {
    const caller = (await w.call('Heidi <207>')).stasisId;
    await w.console_.request('settings.set', { operatorEndpoint: 'Local/wait@test' });
    const refused = await w.console_.raw('snoop.start', { profileId: P, channelId: caller, mode: 'listen' });
    expect(refused.error?.code).toBe('forbidden');
    const turnOn = await w.console_.raw('settings.set', { snoopEnabled: true });
    expect(turnOn.error?.code).toBe('forbidden');
    expect(w.console_.node.settings.get().snoopEnabled).toBe(false);
    const elsewhere = await w.console_.raw('snoop.start', { profileId: P, channelId: caller, mode: 'listen', endpoint: 'Local/echo@test' });
    expect(elsewhere.error?.code).toBe('invalid_request');
    // Asterisk names a snoop on a channel Snoop/<its uniqueid>-<n>; other suites (the e2e
    // listen spec) may be snooping on their own calls against the same PBX meanwhile.
    expect((await w.rest.listChannels()).some((channel) => channel.name?.startsWith(`Snoop/${caller}-`))).toBe(false);
  });

  it('joins a snoop channel to the receptionist phone, and ends when the call does', async () => {
    // Main's own settings (settings.json, the shell), not the page, turn it on.
    await w.console_.node.settings.set({ snoopEnabled: true, operatorEndpoint: 'Local/wait@test' });
    const call = await w.call('Ivan <208>');
    const { workflowId } = (await w.console_.request('snoop.start', { profileId: P, channelId: call.stasisId, mode: 'barge' })) as { workflowId: string };
    expect(warnings.filter((entry) => entry.message === 'snoop started')).toEqual([
      { message: 'snoop started', fields: expect.objectContaining({ id: workflowId, mode: 'barge', profile: P, endpoint: 'Local/wait@test', channelId: call.stasisId, call: expect.stringContaining('Ivan') }) },
    ]);
    await waitFor(() => w.latest()?.snoops.find((session) => session.id === workflowId)?.status === 'active', 15_000, 'snoop active');
    const session = w.latest()?.snoops.find((candidate) => candidate.id === workflowId);
    expect(await members(session?.bridgeId ?? '')).toEqual([session?.legId, session?.snoopChannelId].sort());
    await w.rest.hangup(call.callerId);
    await waitFor(() => w.latest()?.snoops.find((candidate) => candidate.id === workflowId)?.status === 'ended', 10_000, 'snoop ended');
    expect(await eventually(() => members(session?.bridgeId ?? ''), (list) => list === null, 'snoop bridge gone')).toBeNull();
  });
});

describe('click-to-dial', () => {
  it('dials a number into the console, and through the receptionist phone first', async () => {
    const { channelId } = (await w.console_.request('call.dial', { profileId: P, target: 'Local/wait@test', via: 'console' })) as { channelId: string };
    w.placed(channelId);
    await waitFor(() => live(w.console_.model(), channelId)?.inStasis === true, 15_000, 'dialed call in the console');

    const refused = await w.console_.raw('call.dial', { profileId: P, target: 'Local/wait@test', via: 'phone' });
    expect(refused.error?.code).toBe('invalid_request');
    await w.console_.request('settings.set', { operatorEndpoint: 'Local/wait@test' });
    const { workflowId } = (await w.console_.request('call.dial', { profileId: P, target: 'Local/echo@test', via: 'phone' })) as { workflowId: string };
    await waitFor(() => transfer(workflowId)?.phase === 'connected', 15_000, 'dial connected');
    const ids = transferIds(workflowId);
    expect(await members(ids.bridgeId)).toEqual([ids.operatorLegId, ids.targetId].sort());
    // The number hangs up: the console hangs up my leg and takes its bridge down (the leak check says so).
    w.placed(ids.targetId);
  });
});

describe('another console', () => {
  it('without subscribeAll, still learns that a target was busy and a transfer connected', async () => {
    const other = await startConsole({}, sandboxProfile({ subscribeAll: false }));
    const views: WorkflowsView[] = [];
    other.node.backend.subscribe((channel, payload) => channel === 'workflows.state' && views.push(payload as WorkflowsView));
    const find = (id: string) => views.findLast((view) => view.transfers.some((state) => state.id === id))?.transfers.find((state) => state.id === id);
    try {
      const caller = (await w.call('Judy <209>', other)).stasisId;
      const busy = ((await other.request('transfer.start', { profileId: P, channelId: caller, kind: 'blind', target: 'Local/busy@test' })) as { workflowId: string }).workflowId;
      await waitFor(() => find(busy)?.phase === 'done', 15_000, 'busy seen');
      expect(find(busy)?.outcome?.reason).toBe('busy');
      const ok = ((await other.request('transfer.start', { profileId: P, channelId: caller, kind: 'blind', target: 'Local/wait@test' })) as { workflowId: string }).workflowId;
      await waitFor(() => find(ok)?.phase === 'connected', 15_000, 'connected');
      await sleep(CONNECT_GRACE_MS);
      await w.rest.hangup(transferIds(ok).targetId);
      await waitFor(() => find(ok)?.phase === 'done' && live(other.model(), caller) === undefined, 15_000, 'caller hung up after the target');
    } finally {
      await other.close();
    }
  });

  it("after a restart, shows its own call parked before it started in its slot, and never adopts nor tidies another console's slot bridges", async () => {
    // The same app (the restarted console); a console of another app has other slot bridges.
    const profile = sandboxProfile();
    const first = await startConsole({}, profile);
    let call: { callerId: string; stasisId: string };
    try {
      call = await w.call('Mallory <210>', first);
      await first.request('park.park', { profileId: P, channelId: call.stasisId, slot: 706 });
      await waitFor(() => first.node.workflows.view(P).park.slots.some((parked) => parked.slot === 706 && parked.status === 'parked'), 10_000, 'parked');
    } finally {
      await first.close();
    }
    // Empty slot bridges of others: another console's, and one without an owner mark.
    const suffix = Date.now().toString(36);
    w.built(`foreign-${suffix}`);
    w.built(`unmarked-${suffix}`);
    await w.rest.createBridge({ type: 'holding', name: 'park-702@another-console', bridgeId: `foreign-${suffix}` });
    await w.rest.createBridge({ type: 'holding', name: 'park-703', bridgeId: `unmarked-${suffix}` });
    const restarted = await startConsole({}, profile);
    try {
      await waitFor(() => restarted.node.workflows.view(P).park.slots.some((parked) => parked.slot === 706 && parked.channelId === call.stasisId), 10_000, 'slot 706 discovered');
      expect(restarted.node.workflows.view(P).park.slots.map((parked) => parked.slot)).toEqual([706]);
      expect((await w.rest.listBridges()).map((bridge) => bridge.name)).toEqual(expect.arrayContaining(['park-702@another-console', 'park-703']));
      // Its own slot still works: the caller hangs up, the slot frees and its bridge goes.
      await w.rest.hangup(call.callerId);
      await waitFor(() => restarted.node.workflows.view(P).park.recent.some((outcome) => outcome.slot === 706 && outcome.kind === 'abandoned'), 10_000, 'slot 706 freed');
      await eventually(() => w.rest.listBridges(), (bridges) => !bridges.some((bridge) => bridge.name === `park-706@${profile.app}`), 'slot bridge gone');
    } finally {
      await restarted.close();
    }
  });
});
