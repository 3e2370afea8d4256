import { describe, expect, it } from 'vitest';
import { transferIds } from '../../common/workflows/transfer.js';
import { live, sleep, waitFor } from './harness.js';
import { eventually, P, useWorkflowWorld } from './workflow-world.js';

/**
 * The operator moves a party of a transfer with the bridge board's plain
 * commands (bridge.addChannel / bridge.removeChannel), not through the
 * transfer. Nobody may be left talking to nobody: the colleague the console
 * rang, left alone in the transfer's bridge, is hung up; a caller left alone
 * is never hung up but is back on hold with the console, and the transfer
 * says so; a transfer still under way lets go of a leg moved elsewhere (its
 * ringing target goes, so an answer never pulls the caller back out). All
 * against the real Asterisk, with the leak check of workflow-world.ts.
 */

const w = useWorkflowWorld();
const { transfer, members, start } = w;
const gone = (channelId: string, what: string) => eventually(() => w.rest.listChannels(), (channels) => !channels.some((channel) => channel.id === channelId), what);
const up = async (channelId: string) => (await w.rest.listChannels()).some((channel) => channel.id === channelId);

/** A conference the operator builds on the bridge board, with a guest already in it. */
async function conference(guestName: string): Promise<{ bridgeId: string; guest: string }> {
  const guest = (await w.call(guestName)).stasisId;
  const { bridgeId } = (await w.console_.request('bridge.create', { profileId: P, type: 'mixing', name: 'conference' })) as { bridgeId: string };
  w.built(bridgeId);
  await w.console_.request('bridge.addChannel', { profileId: P, bridgeId, channelId: guest });
  await waitFor(() => live(w.console_.model(), guest)?.bridgeId === bridgeId, 10_000, 'guest in the conference');
  return { bridgeId, guest };
}

/** A caller handed to a colleague by a blind transfer, both talking in the transfer's bridge. */
async function blindTransferred(callerName: string): Promise<{ caller: string; id: string; targetId: string; bridgeId: string }> {
  const caller = (await w.call(callerName)).stasisId;
  const id = await start({ channelId: caller, kind: 'blind', target: 'Local/wait@test' });
  await waitFor(() => transfer(id)?.targetJoined === true, 15_000, 'target in the transfer bridge');
  return { caller, id, ...transferIds(id) };
}

const move = (bridgeId: string, channelId: string) => w.console_.request('bridge.addChannel', { profileId: P, bridgeId, channelId });

/** Someone else (another console) moves `channelId` into `bridgeId` while no events reach this one; then it is live again. */
async function movedDuringLinkGap(bridgeId: string, channelId: string): Promise<void> {
  await w.console_.request('engine.disconnect', { profileId: P });
  // As in workflows-defects' link gap: let Asterisk finish tearing the app's socket down first.
  await sleep(500);
  try {
    await w.rest.addChannel(bridgeId, channelId);
  } finally {
    await w.console_.request('engine.connect', { profileId: P });
  }
  await waitFor(() => w.console_.engine.status().supervisor.status === 'live', 15_000, 'live again');
}

describe('after a completed transfer, a plain move of one party', () => {
  it('blind: the caller moved into a conference; the colleague left alone in the transfer bridge is hung up, the caller is not', async () => {
    const { caller, id, targetId, bridgeId } = await blindTransferred('Ada <230>');
    const conf = await conference('Guest <231>');

    await move(conf.bridgeId, caller);
    await gone(targetId, 'the colleague, alone in the transfer bridge, hung up');
    await eventually(() => members(bridgeId), (list) => list === null, 'transfer bridge gone');
    expect(transfer(id)?.outcome).toMatchObject({ status: 'completed', reason: 'answered; then the caller was moved to another bridge' });
    expect(await members(conf.bridgeId)).toEqual([caller, conf.guest].sort());
    expect(await up(caller)).toBe(true);
  });

  it('attended: the colleague moved into a conference; the caller left alone is kept, on hold with the console, and the transfer says so', async () => {
    const { caller, operator } = await w.deskCall();
    const id = await start({ channelId: caller, kind: 'attended', target: 'Local/wait@test', operatorChannelId: operator });
    const { targetId, bridgeId } = transferIds(id);
    await waitFor(() => transfer(id)?.phase === 'consulting', 15_000, 'consulting');
    await w.console_.request('transfer.command', { profileId: P, workflowId: id, command: 'complete' });
    await waitFor(() => transfer(id)?.targetJoined === true && live(w.console_.model(), caller)?.bridgeId === bridgeId, 10_000, 'caller bridged with the target');
    const conf = await conference('Guest <232>');
    // The colleague is a party of the conference now: the outside world hangs it up after the test.
    w.placed(targetId);

    await move(conf.bridgeId, targetId);
    await eventually(() => members(bridgeId), (list) => list === null, 'transfer bridge gone');
    await eventually(() => w.hearsMusic(caller), (on) => on, 'the caller back on hold with music', 10_000);
    expect(await up(caller)).toBe(true);
    expect(transfer(id)?.outcome?.reason).toBe('answered; then Local/wait@test was moved to another bridge: the caller is back on hold with the console');
    expect(await members(conf.bridgeId)).toEqual([targetId, conf.guest].sort());
  });

  it('blind: the caller taken out of the transfer bridge (plain remove); the colleague is hung up', async () => {
    const { caller, targetId, bridgeId } = await blindTransferred('Ben <233>');

    await w.console_.request('bridge.removeChannel', { profileId: P, bridgeId, channelId: caller });
    await gone(targetId, 'the colleague hung up');
    await eventually(() => members(bridgeId), (list) => list === null, 'transfer bridge gone');
    expect(await up(caller)).toBe(true);
  });
});

describe('the operator removes a completed transfer\'s bridge on the board', () => {
  it('blind: both leave it, neither is hung up ("its calls stay connected to the console")', async () => {
    const { caller, id, targetId, bridgeId } = await blindTransferred('Cid <234>');
    // Both stay up after the test: the outside world hangs them up.
    w.placed(targetId);

    await w.console_.request('bridge.destroy', { profileId: P, bridgeId });
    await waitFor(() => transfer(id)?.phase === 'done', 10_000, 'the transfer over');
    // Through the workflows' one queue: once refused, whatever the leaves made them do is done.
    await expect(w.console_.request('transfer.command', { profileId: P, workflowId: id, command: 'cancel' })).rejects.toThrow(/already ended/);
    expect(await up(targetId)).toBe(true);
    expect(await up(caller)).toBe(true);
    expect(await members(bridgeId)).toBeNull();
  });
});

describe('attended: the receptionist moves her own phone out of the consultation', () => {
  /** Caller on hold, receptionist and colleague talking in the desk bridge. */
  async function consulting(): Promise<{ caller: string; operator: string; desk: string; id: string; targetId: string }> {
    const { caller, operator, desk } = await w.deskCall();
    const id = await start({ channelId: caller, kind: 'attended', target: 'Local/wait@test', operatorChannelId: operator });
    const { targetId } = transferIds(id);
    await waitFor(() => transfer(id)?.phase === 'consulting', 15_000, 'consulting');
    await eventually(() => members(desk), (list) => list?.includes(targetId) === true, 'the colleague in the consultation');
    return { caller, operator, desk, id, targetId };
  }
  const ON_HOLD = 'you moved your phone out of the consultation: the caller is on hold with the console';

  it('consulting: cancelled; the colleague left alone is hung up, the caller stays on hold with music, her phone is untouched', async () => {
    const { caller, operator, desk, id, targetId } = await consulting();
    const conf = await conference('Guest <240>');

    await move(conf.bridgeId, operator);
    await gone(targetId, 'the colleague, alone in the consultation, hung up');
    await waitFor(() => transfer(id)?.phase === 'done', 10_000, 'transfer over');
    expect(transfer(id)?.outcome).toMatchObject({ status: 'cancelled', reason: ON_HOLD });
    await eventually(() => w.hearsMusic(caller), (on) => on, 'the caller on hold with music', 10_000);
    expect(live(w.console_.model(), caller)?.bridgeId).toBeNull();
    expect(await members(conf.bridgeId)).toEqual([operator, conf.guest].sort());
    await eventually(() => members(desk), (list) => list === null, 'the empty consultation bridge gone');
  });

  it('swapped: the caller left alone in the consultation goes on hold with music; the colleague on hold is hung up', async () => {
    const { caller, operator, desk, id, targetId } = await consulting();
    await w.console_.request('transfer.command', { profileId: P, workflowId: id, command: 'swap' });
    await eventually(() => members(desk), (list) => list !== null && list.includes(caller) && !list.includes(targetId), 'talking to the caller again');
    const conf = await conference('Guest <241>');

    await move(conf.bridgeId, operator);
    await gone(targetId, 'the colleague on hold hung up');
    await eventually(() => w.hearsMusic(caller), (on) => on, 'the caller on hold with music', 10_000);
    expect(transfer(id)?.outcome).toMatchObject({ status: 'cancelled', reason: ON_HOLD });
    expect(await up(caller)).toBe(true);
    expect(await members(conf.bridgeId)).toEqual([operator, conf.guest].sort());
    await eventually(() => members(desk), (list) => list === null, 'the empty consultation bridge gone');
  });
});

describe('a plain move while the console was disconnected', () => {
  it('the caller moved into a conference during a link gap: once reconnected, the colleague left alone is hung up', async () => {
    const { caller, id, targetId, bridgeId } = await blindTransferred('Eli <238>');
    const conf = await conference('Guest <239>');
    await movedDuringLinkGap(conf.bridgeId, caller);
    await gone(targetId, 'the colleague, alone in the transfer bridge, hung up');
    await eventually(() => members(bridgeId), (list) => list === null, 'transfer bridge gone');
    expect(transfer(id)?.outcome?.reason).toBe('answered; then the caller was moved to another bridge');
    expect(await members(conf.bridgeId)).toEqual([caller, conf.guest].sort());
  });
});

describe('a plain move while the console was disconnected, before the transfer is connected', () => {
  it('blind, target still ringing: the caller moved into a conference during a link gap; once reconnected the transfer lets go and the ringing target is hung up', async () => {
    const caller = (await w.call('Fay <240>')).stasisId;
    const id = await start({ channelId: caller, kind: 'blind', target: 'Local/ringback@test' });
    const { targetId } = transferIds(id);
    await eventually(() => w.rest.listChannels(), (channels) => channels.some((channel) => channel.id === targetId), 'target ringing');
    const conf = await conference('Guest <241>');
    await movedDuringLinkGap(conf.bridgeId, caller);
    // Without it the transfer kept ringing, and an answer would have pulled the caller out of the conference.
    await waitFor(() => transfer(id)?.phase === 'done', 10_000, 'transfer over');
    expect(transfer(id)?.outcome).toMatchObject({ status: 'cancelled', reason: 'taken over by another action' });
    await gone(targetId, 'the ringing target hung up');
    expect(await members(conf.bridgeId)).toEqual([caller, conf.guest].sort());
  });
});

describe('before the transfer is connected, a plain move of its caller', () => {
  it('blind, target still ringing: the transfer lets go, the ringing target is hung up, the caller stays in the conference', async () => {
    const caller = (await w.call('Cleo <234>')).stasisId;
    const id = await start({ channelId: caller, kind: 'blind', target: 'Local/ringback@test' });
    const { targetId } = transferIds(id);
    await eventually(() => w.rest.listChannels(), (channels) => channels.some((channel) => channel.id === targetId), 'target ringing');
    const conf = await conference('Guest <235>');

    await move(conf.bridgeId, caller);
    await waitFor(() => transfer(id)?.phase === 'done', 10_000, 'transfer over');
    expect(transfer(id)?.outcome).toMatchObject({ status: 'cancelled', reason: 'taken over by another action' });
    await gone(targetId, 'the ringing target hung up');
    expect(await members(conf.bridgeId)).toEqual([caller, conf.guest].sort());
  });

  it('park ring-back still ringing the parker: the caller moved out of its slot; the ring-back stops, and the park history says it was moved', async () => {
    await w.console_.request('settings.set', { operatorEndpoint: 'Local/ringback@test', park: { timeoutSec: 5 } });
    const caller = (await w.call('Dora <236>')).stasisId;
    await w.console_.request('park.park', { profileId: P, channelId: caller, slot: 702 });
    await waitFor(() => w.latest()?.park.slots.some((parked) => parked.slot === 702 && parked.status === 'ringing-back') === true, 30_000, 'ringing the parker back');
    const pickup = w.latest()?.transfers.find((state) => state.kind === 'pickup' && state.callerId === caller);
    expect(pickup?.phase).toBe('dialing');
    const { targetId } = transferIds(pickup?.id ?? '');
    await eventually(() => w.rest.listChannels(), (channels) => channels.some((channel) => channel.id === targetId), 'the parker ringing');
    const conf = await conference('Guest <237>');

    await move(conf.bridgeId, caller);
    await waitFor(() => transfer(pickup?.id ?? '')?.phase === 'done', 10_000, 'ring-back over');
    expect(transfer(pickup?.id ?? '')?.outcome).toMatchObject({ status: 'cancelled', reason: 'taken over by another action' });
    await gone(targetId, "the parker's ringing phone hung up");
    expect(await members(conf.bridgeId)).toEqual([caller, conf.guest].sort());
    // Nobody answered the ring-back: the slot was emptied by the operator's move.
    expect(w.latest()?.park.recent.find((outcome) => outcome.slot === 702 && outcome.channelId === caller)).toMatchObject({
      kind: 'left',
      detail: 'moved to another bridge by the operator',
    });
  });
});
