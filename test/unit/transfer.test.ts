import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { WorkflowEffect } from '../../common/workflows/effects.js';
import {
  CONNECT_GRACE_MS,
  DIAL_GRACE_SEC,
  startDial,
  startTransfer,
  transferTransition,
  type StartTransfer,
  type TransferInput,
  type TransferState,
  type TransferTransition,
} from '../../common/workflows/transfer.js';
import { leftBridgeEffects } from '../../common/workflows/transfer-legs.js';
import { transferPhase } from '../../renderer/src/lib/calls/words.js';

const T0 = 1_800_000_000_000;
const target = { endpoint: 'PJSIP/102', label: '102' };

function start(overrides: Partial<StartTransfer> = {}): TransferTransition {
  return startTransfer({
    id: 'x1',
    kind: 'blind',
    now: T0,
    caller: { id: 'caller', label: 'Alice <200>', up: true, bridge: null },
    operatorId: null,
    target,
    timeoutSec: 20,
    ...overrides,
  });
}

/** Runs inputs in order; returns every step's transition. */
function run(first: TransferTransition, inputs: TransferInput[]): TransferTransition[] {
  const steps = [first];
  let state = first.state;
  for (const input of inputs) {
    const step = transferTransition(state, input);
    steps.push(step);
    state = step.state;
  }
  return steps;
}

const last = (steps: TransferTransition[]): TransferState => (steps[steps.length - 1] as TransferTransition).state;
const types = (effects: readonly WorkflowEffect[]) => effects.map((effect) => effect.type);

/** The operator's bridge: caller and operator talking. */
const deskBridge = { id: 'desk', kind: 'mixing' as const, otherMembers: ['op'] };

describe('blind transfer', () => {
  it('puts the caller on music, rings the target with the caller id, and bridges both on answer', () => {
    const begun = start({ targetCallerId: '"Alice" <200>' });
    expect(begun.state.phase).toBe('dialing');
    expect(begun.effects).toEqual([
      { type: 'moh-start', channelId: 'caller' },
      { type: 'originate', channelId: 'x1-t', endpoint: 'PJSIP/102', timeoutSec: 20, appArgs: 'transfer,x1', callerId: '"Alice" <200>' },
    ]);
    const answered = transferTransition(begun.state, { type: 'target-answered', at: T0 + 4000 });
    expect(answered.state.phase).toBe('connected');
    expect(answered.state.outcome).toEqual({ status: 'completed', reason: 'answered', at: T0 + 4000 });
    expect(answered.effects).toEqual([
      { type: 'moh-stop', channelId: 'caller' },
      { type: 'bridge-create', bridgeId: 'x1-b', bridgeType: 'mixing', name: 'transfer 102' },
      { type: 'bridge-add', bridgeId: 'x1-b', channelId: 'caller' },
      { type: 'bridge-add', bridgeId: 'x1-b', channelId: 'x1-t' },
    ]);
  });

  it('frees the receptionist at once: their leg is hung up and their two-party bridge destroyed', () => {
    const begun = start({ caller: { id: 'caller', label: 'Alice', up: true, bridge: deskBridge }, operatorId: 'op' });
    expect(types(begun.effects)).toEqual(['bridge-remove', 'hangup', 'bridge-destroy', 'moh-start', 'originate']);
    // Guarded: only while the receptionist is still in that bridge and nobody else joined it.
    expect(begun.effects[1]).toEqual({ type: 'hangup', channelId: 'op', ifIn: ['desk'] });
    expect(begun.effects[2]).toEqual({ type: 'bridge-destroy', bridgeId: 'desk', ifOnly: ['caller', 'op'] });
  });

  it('keeps a bridge that holds other people too', () => {
    const begun = start({ caller: { id: 'caller', label: 'Alice', up: true, bridge: { id: 'conf', kind: 'mixing', otherMembers: ['op', 'bob'] } }, operatorId: 'op' });
    expect(types(begun.effects)).toEqual(['bridge-remove', 'hangup', 'moh-start', 'originate']);
  });

  it('deflects a ringing call: the caller keeps hearing ringing and is answered only when the target answers', () => {
    const begun = start({ caller: { id: 'caller', label: 'Alice', up: false, bridge: null } });
    expect(types(begun.effects)).toEqual(['ring', 'originate']);
    const answered = transferTransition(begun.state, { type: 'target-answered', at: T0 + 1000 });
    expect(types(answered.effects)).toEqual(['answer', 'ring-stop', 'bridge-create', 'bridge-add', 'bridge-add']);
  });

  it.each([
    [17, null, 'busy'],
    [19, null, 'no answer'],
    [21, null, 'rejected'],
    [0, null, 'no answer'],
    [34, 'Circuit/channel congestion', 'no route (congestion)'],
  ])('target ends with cause %s before answering: fails as "%s", the caller stays on hold with the console', (cause, causeText, reason) => {
    const steps = run(start(), [{ type: 'target-ended', at: T0 + 3000, cause, causeText }]);
    expect(last(steps).phase).toBe('done');
    expect(last(steps).outcome).toEqual({ status: 'failed', reason, at: T0 + 3000 });
    // Nothing is done to the caller: it keeps its music, back in the console's list.
    expect(steps[1]?.effects).toEqual([]);
  });

  it('gives up on a target the PBX never reports, at timeout plus grace', () => {
    const begun = start();
    expect(transferTransition(begun.state, { type: 'tick', at: T0 + 20_000 }).effects).toEqual([]);
    const late = transferTransition(begun.state, { type: 'tick', at: T0 + (20 + DIAL_GRACE_SEC) * 1000 });
    expect(late.state.outcome?.reason).toBe('no answer');
    expect(late.effects).toEqual([{ type: 'hangup', channelId: 'x1-t' }]);
  });

  it('fails with the PBX words when the originate is refused', () => {
    const begun = start();
    const effect = begun.effects.find((candidate) => candidate.type === 'originate') as WorkflowEffect;
    const failed = transferTransition(begun.state, { type: 'effect-failed', at: T0 + 10, effect, message: 'bad endpoint' });
    expect(failed.state.outcome).toMatchObject({ status: 'failed', reason: 'could not call 102: bad endpoint' });
  });

  it('hangs up the ringing target when the caller hangs up', () => {
    const steps = run(start(), [{ type: 'caller-ended', at: T0 + 2000 }]);
    expect(steps[1]?.effects).toEqual([{ type: 'hangup', channelId: 'x1-t' }]);
    expect(last(steps).outcome).toMatchObject({ status: 'failed', reason: 'the caller hung up' });
  });

  it('once connected, hangs up the other side and removes its bridge when either leaves, but only what is still where it left it', () => {
    const connected = run(start(), [
      { type: 'target-answered', at: T0 + 1000 },
      { type: 'target-joined', at: T0 + 1010 },
    ]);
    expect(last(connected).targetJoined).toBe(true);
    const callerLeft = transferTransition(last(connected), { type: 'caller-ended', at: T0 + 60_000 });
    expect(callerLeft.effects).toEqual([
      { type: 'hangup', channelId: 'x1-t', ifIn: ['x1-b'] },
      { type: 'bridge-destroy', bridgeId: 'x1-b', ifOnly: ['caller', 'x1-t'] },
    ]);
    expect(callerLeft.state.outcome?.status).toBe('completed');
    const targetLeft = transferTransition(last(connected), { type: 'target-ended', at: T0 + 1000 + CONNECT_GRACE_MS, cause: 16, causeText: null });
    expect(targetLeft.effects).toEqual([
      { type: 'hangup', channelId: 'caller', ifIn: ['x1-b'] },
      { type: 'bridge-destroy', bridgeId: 'x1-b', ifOnly: ['caller', 'x1-t'] },
    ]);
  });

  it('a target that answers and hangs up before it is ever in the bridge gives the caller back to the console with music', () => {
    const connected = run(start(), [{ type: 'target-answered', at: T0 + 1000 }]);
    expect(last(connected)).toMatchObject({ phase: 'connected', targetJoined: false });
    const lost = transferTransition(last(connected), { type: 'target-ended', at: T0 + 1001, cause: 16, causeText: null });
    expect(lost.state.outcome).toMatchObject({ status: 'failed', reason: 'the target hung up before the call was connected' });
    expect(lost.effects).toEqual([
      { type: 'bridge-destroy', bridgeId: 'x1-b', ifOnly: ['caller', 'x1-t'] },
      { type: 'moh-start', channelId: 'caller', ifIn: ['x1-b', null] },
    ]);
    expect(lost.effects.some((effect) => effect.type === 'hangup')).toBe(false);
    // In the bridge, but gone within the grace: it never really took the call either.
    const joined = run(start(), [
      { type: 'target-answered', at: T0 + 1000 },
      { type: 'target-joined', at: T0 + 1005 },
    ]);
    const quick = transferTransition(last(joined), { type: 'target-ended', at: T0 + 1000 + CONNECT_GRACE_MS - 1, cause: 16, causeText: null });
    expect(quick.effects).toEqual(lost.effects);
    expect(quick.state.outcome?.status).toBe('failed');
  });

  it('hangs up the leg it chose when its originate fails (a timeout may still have made it), unless the id was taken', () => {
    const begun = start();
    const originate = begun.effects.find((effect) => effect.type === 'originate')!;
    const timedOut = transferTransition(begun.state, { type: 'effect-failed', at: T0 + 5000, effect: originate, message: 'timed out', code: 'timeout' });
    expect(timedOut.effects).toEqual([{ type: 'hangup', channelId: 'x1-t' }]);
    expect(timedOut.state.outcome).toMatchObject({ status: 'failed' });
    const taken = transferTransition(begun.state, { type: 'effect-failed', at: T0 + 5000, effect: originate, message: 'exists', code: 'not_in_stasis' });
    expect(taken.effects).toEqual([]);
  });

  it('hands a connected call over without touching anything when another action takes it', () => {
    const connected = run(start(), [{ type: 'target-answered', at: T0 + 1000 }]);
    const released = transferTransition(last(connected), { type: 'release', at: T0 + 5000, channelId: 'caller' });
    expect(released.effects).toEqual([]);
    expect(released.state.phase).toBe('done');
    expect(transferTransition(released.state, { type: 'caller-ended', at: T0 + 6000 }).effects).toEqual([]);
  });

  it('a caller gone while the answered target is still on its way into the bridge takes the target with it', () => {
    const connected = run(start(), [{ type: 'target-answered', at: T0 + 1000 }]);
    const gone = transferTransition(last(connected), { type: 'caller-ended', at: T0 + 1001 });
    // The model shows the target in no bridge yet: that must not spare it.
    expect(gone.effects).toEqual([
      { type: 'hangup', channelId: 'x1-t', ifIn: ['x1-b', null] },
      { type: 'bridge-destroy', bridgeId: 'x1-b', ifOnly: ['caller', 'x1-t'] },
    ]);
  });

  it('a finished transfer whose bridge someone left leaves nobody there talking to nobody', () => {
    const connected = run(start(), [{ type: 'target-answered', at: T0 + 1000 }, { type: 'target-joined', at: T0 + 1010 }]);
    const released = last(run(start(), [{ type: 'target-answered', at: T0 + 1000 }, { type: 'release', at: T0 + 5000, channelId: 'caller' }]));
    const destroy: WorkflowEffect = { type: 'bridge-destroy', bridgeId: 'x1-b', ifOnly: ['caller', 'x1-t'] };
    expect(leftBridgeEffects(released, ['x1-t'])).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: ['x1-b'] }, destroy]);
    expect(leftBridgeEffects(released, ['caller'])).toEqual([destroy, { type: 'moh-start', channelId: 'caller', ifIn: ['x1-b', null] }]);
    expect(leftBridgeEffects(released, [])).toEqual([destroy]);
    expect(leftBridgeEffects(released, ['caller', 'x1-t'])).toEqual([]);
    // While connected the machine itself watches both sides; a failed transfer's bridge is its lost-target path's.
    expect(leftBridgeEffects(last(connected), ['x1-t'])).toEqual([]);
    const failed = last(run(start(), [{ type: 'target-answered', at: T0 + 1000 }, { type: 'target-ended', at: T0 + 1001, cause: 16, causeText: null }]));
    expect(leftBridgeEffects(failed, ['caller'])).toEqual([]);
  });

  it('released while the target still rings: the ringing leg is hung up, the call taken is not touched', () => {
    const released = transferTransition(start().state, { type: 'release', at: T0 + 2000, channelId: 'caller' });
    expect(released.effects).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: [null] }]);
    expect(released.state.outcome).toMatchObject({ status: 'cancelled', reason: 'taken over by another action' });
  });

  it('refuses attended commands', () => {
    const begun = start();
    for (const command of ['complete', 'swap'] as const) {
      const answer = transferTransition(begun.state, { type: command, at: T0 + 1 });
      expect(answer.rejected).toBeTruthy();
      expect(answer.state).toBe(begun.state);
    }
  });
});

describe('a plain bridge move by the operator (the bridge board, not the transfer)', () => {
  const connected = () => last(run(start(), [{ type: 'target-answered', at: T0 + 1000 }, { type: 'target-joined', at: T0 + 1010 }]));
  const moved = (state: TransferState, channelId: string, members: string[]) => transferTransition(state, { type: 'moved', at: T0 + 9000, channelId, members });
  const destroy: WorkflowEffect = { type: 'bridge-destroy', bridgeId: 'x1-b', ifOnly: ['caller', 'x1-t'] };

  it('caller moved out of a completed transfer: the colleague the console rang, alone in its bridge, is hung up', () => {
    const step = moved(connected(), 'caller', ['x1-t']);
    expect(step.state).toMatchObject({ phase: 'done', endedAt: T0 + 9000, outcome: { status: 'completed', reason: 'answered; then the caller was moved to another bridge' } });
    // Also when it is in no bridge (still on its way in, or the bridge went with the move).
    expect(step.effects).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: ['x1-b', null] }, destroy]);
  });

  it('target moved out: the caller is never hung up for it, it is back on hold with the console, and the transfer says so', () => {
    const step = moved(connected(), 'x1-t', ['caller']);
    expect(step.effects).toEqual([destroy, { type: 'moh-start', channelId: 'caller', ifIn: ['x1-b', null] }]);
    expect(step.state.outcome?.reason).toBe('answered; then 102 was moved to another bridge: the caller is back on hold with the console');
    // The transfers panel says it in so many words.
    expect(transferPhase(step.state)).toBe('Transferred: then 102 was moved to another bridge: the caller is back on hold with the console');
    expect(transferPhase(connected())).toBe('Connected');
  });

  it('the operator removed the transfer\'s bridge (both legs left it): nobody is hung up or put on hold, the calls stay with the console', () => {
    // Asterisk reports each leg leaving, then the bridge gone: the first leave already finds the other one out.
    for (const first of ['caller', 'x1-t']) {
      const step = moved(connected(), first, []);
      expect(step.effects).toEqual([]);
      expect(step.state.phase).toBe('done');
    }
    // A target not yet seen in the bridge may still be on its way in: it is the one left alone, and goes.
    const notJoined = last(run(start(), [{ type: 'target-answered', at: T0 + 1000 }]));
    expect(moved(notJoined, 'caller', []).effects).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: ['x1-b', null] }, destroy]);
  });

  it('nothing is touched while someone else is in the bridge with the one who stayed (the operator made it a conference)', () => {
    expect(moved(connected(), 'caller', ['x1-t', 'guest']).effects).toEqual([]);
    expect(moved(connected(), 'x1-t', ['caller', 'guest']).effects).toEqual([]);
  });

  it('click-to-dial: the number moved elsewhere leaves the receptionist\'s own leg alone, which the console rang: hung up', () => {
    const dial = startDial({ id: 'x1', now: T0, operatorEndpoint: 'PJSIP/104', target, timeoutSec: 15 });
    const bridged = last(run(dial, [{ type: 'caller-answered', at: T0 + 500 }, { type: 'target-answered', at: T0 + 1000 }]));
    expect(moved(bridged, 'x1-t', ['x1-op']).effects).toEqual([
      { type: 'hangup', channelId: 'x1-op', ifIn: ['x1-b', null] },
      { type: 'bridge-destroy', bridgeId: 'x1-b', ifOnly: ['x1-op', 'x1-t'] },
    ]);
  });

  it('before it is connected, a moved leg is taken over as by a park: what the transfer rang for nobody goes, the moved leg is not touched', () => {
    // Blind, target still ringing, caller moved into a conference: the ringing target goes, so its answer never pulls the caller back out.
    const ringing = moved(start().state, 'caller', []);
    expect(ringing.effects).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: [null] }]);
    expect(ringing.state.outcome).toMatchObject({ status: 'cancelled', reason: 'taken over by another action' });
    // Attended, consulting: the held caller moved elsewhere; the receptionist keeps talking to the target.
    const attended = start({ kind: 'attended', caller: { id: 'caller', label: 'Alice', up: true, bridge: deskBridge }, operatorId: 'op' });
    const consulting = last(run(attended, [{ type: 'target-answered', at: T0 + 1000 }]));
    expect(moved(consulting, 'caller', []).effects).toEqual([]);
    // Consulting, the target moved elsewhere: the held caller comes back to the receptionist.
    expect(moved(consulting, 'x1-t', []).effects).toEqual([
      { type: 'moh-stop', channelId: 'caller' },
      { type: 'bridge-add', bridgeId: 'desk', channelId: 'caller' },
    ]);
    // Swapped (target on hold), the target moved elsewhere: not hung up, the caller stays with the receptionist.
    const swapped = transferTransition(consulting, { type: 'swap', at: T0 + 2000 }).state;
    expect(moved(swapped, 'x1-t', []).effects).toEqual([]);
  });

  it('other channels and finished transfers are none of its business', () => {
    expect(moved(connected(), 'op', []).effects).toEqual([]);
    const over = moved(connected(), 'caller', ['x1-t']).state;
    expect(moved(over, 'x1-t', []).state).toBe(over);
  });
});

describe('attended: the receptionist moves her own phone out of the consultation (a plain move on the board)', () => {
  const attended = () => start({ kind: 'attended', caller: { id: 'caller', label: 'Alice', up: true, bridge: deskBridge }, operatorId: 'op' });
  const consulting = () => last(run(attended(), [{ type: 'target-answered', at: T0 + 1000 }]));
  const opMoved = (state: TransferState, members: string[]) => transferTransition(state, { type: 'operator-moved', at: T0 + 9000, members });
  const destroyDesk: WorkflowEffect = { type: 'bridge-destroy', bridgeId: 'desk', ifOnly: ['caller', 'x1-t', 'op'] };
  const onHold = 'you moved your phone out of the consultation: the caller is on hold with the console';

  it('consulting: cancelled; the colleague, alone in the consultation, is hung up; the caller keeps its music; her leg is never touched', () => {
    const step = opMoved(consulting(), ['x1-t']);
    expect(step.state).toMatchObject({ phase: 'done', held: null, endedAt: T0 + 9000, outcome: { status: 'cancelled', reason: onHold } });
    expect(step.effects).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: ['desk'] }, destroyDesk]);
    expect(transferPhase(step.state)).toBe(`Cancelled: ${onHold}`);
    // She removed the consultation bridge itself ("its calls stay connected to the console"): the colleague, out of it too, stays up.
    expect(opMoved(consulting(), []).effects).toEqual([destroyDesk]);
  });

  it('consulting, someone else in the consultation with the colleague: the colleague is not hung up, the bridge stays', () => {
    expect(opMoved(consulting(), ['x1-t', 'guest']).effects).toEqual([]);
  });

  it('still ringing the colleague: the ringing leg goes; swapped: the colleague on hold goes and the caller, alone, is put on hold with music', () => {
    const ringing = opMoved(attended().state, []);
    expect(ringing.effects).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: [null] }, destroyDesk]);
    expect(ringing.state.outcome?.reason).toBe(onHold);
    const swapped = transferTransition(consulting(), { type: 'swap', at: T0 + 2000 }).state;
    const step = opMoved(swapped, ['caller']);
    expect(step.effects).toEqual([
      { type: 'bridge-remove', bridgeId: 'desk', channelId: 'caller' },
      { type: 'moh-start', channelId: 'caller', ifIn: ['desk', null] },
      { type: 'hangup', channelId: 'x1-t', ifIn: [null] },
      destroyDesk,
    ]);
    expect(step.state.outcome).toMatchObject({ status: 'cancelled', reason: onHold });
    // Swapped with company: the caller stays with them; only the colleague on hold, talking to nobody, goes.
    const company = opMoved(swapped, ['caller', 'guest']);
    expect(company.effects).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: [null] }]);
    expect(company.state.outcome?.reason).toBe('you moved your phone out of the consultation');
  });

  it('nothing once complete is pressed, for other kinds, or after the end', () => {
    const completing = transferTransition(attended().state, { type: 'complete', at: T0 + 500 }).state;
    expect(opMoved(completing, []).state).toBe(completing);
    const blind = start({ caller: { id: 'caller', label: 'Alice', up: true, bridge: deskBridge }, operatorId: 'op' }).state;
    expect(opMoved(blind, []).effects).toEqual([]);
    const over = opMoved(consulting(), ['x1-t']).state;
    expect(opMoved(over, []).state).toBe(over);
  });
});

describe('pickup (answer on my phone, park ring-back)', () => {
  it('leaves a parked call in its slot until the phone answers, then moves it out', () => {
    const begun = start({ kind: 'pickup', caller: { id: 'caller', label: 'Alice', up: true, bridge: { id: 'park', kind: 'holding', otherMembers: [] } } });
    expect(types(begun.effects)).toEqual(['originate']);
    const answered = transferTransition(begun.state, { type: 'target-answered', at: T0 + 1000 });
    expect(types(answered.effects)).toEqual(['bridge-create', 'bridge-add', 'bridge-add']);
  });

  it('never hangs up a leg of its own when the caller is in a bridge with others', () => {
    const begun = start({ kind: 'pickup', caller: { id: 'caller', label: 'Alice', up: true, bridge: deskBridge }, operatorId: 'op' });
    expect(begun.effects.some((effect) => effect.type === 'hangup')).toBe(false);
  });
});

describe('attended transfer', () => {
  const attended = (operator = true) =>
    start({ kind: 'attended', caller: { id: 'caller', label: 'Alice', up: true, bridge: operator ? deskBridge : null }, operatorId: operator ? 'op' : null });

  it('holds the caller, consults the target in the receptionist bridge, and completes', () => {
    const begun = attended();
    expect(begun.effects).toEqual([
      { type: 'bridge-remove', bridgeId: 'desk', channelId: 'caller' },
      { type: 'moh-start', channelId: 'caller' },
      { type: 'originate', channelId: 'x1-t', endpoint: 'PJSIP/102', timeoutSec: 20, appArgs: 'transfer,x1' },
    ]);
    expect(begun.state).toMatchObject({ phase: 'dialing', held: 'caller', consultBridgeId: 'desk' });
    const consulting = transferTransition(begun.state, { type: 'target-answered', at: T0 + 2000 });
    expect(consulting.state.phase).toBe('consulting');
    expect(consulting.effects).toEqual([{ type: 'bridge-add', bridgeId: 'desk', channelId: 'x1-t' }]);
    const complete = transferTransition(consulting.state, { type: 'complete', at: T0 + 9000 });
    expect(complete.state).toMatchObject({ phase: 'connected', held: null, operatorId: null, outcome: { status: 'completed' } });
    expect(complete.effects).toEqual([
      { type: 'bridge-remove', bridgeId: 'desk', channelId: 'x1-t' },
      { type: 'moh-stop', channelId: 'caller' },
      { type: 'bridge-create', bridgeId: 'x1-b', bridgeType: 'mixing', name: 'transfer 102' },
      { type: 'bridge-add', bridgeId: 'x1-b', channelId: 'caller' },
      { type: 'bridge-add', bridgeId: 'x1-b', channelId: 'x1-t' },
      { type: 'hangup', channelId: 'op', ifIn: ['desk'] },
      { type: 'bridge-destroy', bridgeId: 'desk', ifOnly: ['caller', 'x1-t', 'op'] },
    ]);
  });

  it('swaps who is on hold, and back', () => {
    const consulting = run(attended(), [{ type: 'target-answered', at: T0 + 1000 }]);
    const swapped = transferTransition(last(consulting), { type: 'swap', at: T0 + 2000 });
    expect(swapped.state).toMatchObject({ phase: 'swapped', held: 'target' });
    expect(swapped.effects).toEqual([
      { type: 'bridge-remove', bridgeId: 'desk', channelId: 'x1-t' },
      { type: 'moh-start', channelId: 'x1-t' },
      { type: 'moh-stop', channelId: 'caller' },
      { type: 'bridge-add', bridgeId: 'desk', channelId: 'caller' },
    ]);
    const back = transferTransition(swapped.state, { type: 'swap', at: T0 + 3000 });
    expect(back.state).toMatchObject({ phase: 'consulting', held: 'caller' });
    expect(back.effects).toEqual([
      { type: 'bridge-remove', bridgeId: 'desk', channelId: 'caller' },
      { type: 'moh-start', channelId: 'caller' },
      { type: 'moh-stop', channelId: 'x1-t' },
      { type: 'bridge-add', bridgeId: 'desk', channelId: 'x1-t' },
    ]);
    // Completing from swapped takes the caller out of the desk and the target off hold.
    const complete = transferTransition(swapped.state, { type: 'complete', at: T0 + 4000 });
    expect(types(complete.effects).slice(0, 2)).toEqual(['bridge-remove', 'moh-stop']);
    expect(complete.effects[0]).toEqual({ type: 'bridge-remove', bridgeId: 'desk', channelId: 'caller' });
    expect(complete.effects[1]).toEqual({ type: 'moh-stop', channelId: 'x1-t' });
  });

  it('cancel hangs up the consult call and brings the caller back to the receptionist', () => {
    const consulting = run(attended(), [{ type: 'target-answered', at: T0 + 1000 }]);
    const cancelled = transferTransition(last(consulting), { type: 'cancel', at: T0 + 2000 });
    expect(cancelled.state.outcome).toMatchObject({ status: 'cancelled' });
    expect(cancelled.effects).toEqual([
      { type: 'hangup', channelId: 'x1-t' },
      { type: 'moh-stop', channelId: 'caller' },
      { type: 'bridge-add', bridgeId: 'desk', channelId: 'caller' },
    ]);
    // While swapped the caller is already with the receptionist: only the target goes.
    const swapped = transferTransition(last(consulting), { type: 'swap', at: T0 + 1500 });
    expect(transferTransition(swapped.state, { type: 'cancel', at: T0 + 2000 }).effects).toEqual([{ type: 'hangup', channelId: 'x1-t' }]);
  });

  it('retrieves the caller with the reason when the target is busy', () => {
    const busy = transferTransition(attended().state, { type: 'target-ended', at: T0 + 500, cause: 17, causeText: 'User busy' });
    expect(busy.state.outcome).toMatchObject({ status: 'failed', reason: 'busy' });
    expect(busy.effects).toEqual([
      { type: 'moh-stop', channelId: 'caller' },
      { type: 'bridge-add', bridgeId: 'desk', channelId: 'caller' },
    ]);
  });

  it('is refused without a receptionist leg beside the caller: a swap would leave the caller talking to silence', () => {
    const begun = attended(false);
    expect(begun.rejected).toMatch(/needs you on the call/);
    expect(begun.effects).toEqual([]);
  });

  it('never leaves the caller in silence: without the receptionist it keeps its music; a failed move back restores it', () => {
    // The receptionist hung up while the target rang; then the target is busy.
    const noOperator = run(attended(), [
      { type: 'operator-ended', at: T0 + 500 },
      { type: 'target-ended', at: T0 + 900, cause: 17, causeText: null },
    ]);
    expect(noOperator[2]?.effects).toEqual([]);
    expect(last(noOperator)).toMatchObject({ phase: 'done', held: null });
    // Cancel brings the caller back to the desk; if the desk is gone by then, music again.
    const consulting = run(attended(), [{ type: 'target-answered', at: T0 + 1000 }]);
    const cancelled = transferTransition(last(consulting), { type: 'cancel', at: T0 + 2000 });
    const back = cancelled.effects.find((effect) => effect.type === 'bridge-add')!;
    const failed = transferTransition(cancelled.state, { type: 'effect-failed', at: T0 + 2001, effect: back, message: 'Bridge not found', code: 'not_found' });
    expect(failed.effects).toEqual([{ type: 'moh-start', channelId: 'caller' }]);
  });

  it('released while consulting: a target on hold is hung up and the held caller comes back to the receptionist', () => {
    const consulting = run(attended(), [{ type: 'target-answered', at: T0 + 1000 }]);
    // Another action takes the receptionist's own leg: the caller keeps its music, the target (talking to the receptionist) stays.
    expect(transferTransition(last(consulting), { type: 'release', at: T0 + 2000, channelId: 'op' }).effects).toEqual([]);
    // Another action takes the target: the caller comes back to the receptionist.
    expect(transferTransition(last(consulting), { type: 'release', at: T0 + 2000, channelId: 'x1-t' }).effects).toEqual([
      { type: 'moh-stop', channelId: 'caller' },
      { type: 'bridge-add', bridgeId: 'desk', channelId: 'caller' },
    ]);
    // Swapped (the target alone on hold), another action takes the caller: the held target talks to nobody and goes.
    const swapped = transferTransition(last(consulting), { type: 'swap', at: T0 + 1500 }).state;
    expect(transferTransition(swapped, { type: 'release', at: T0 + 2000, channelId: 'caller' }).effects).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: [null] }]);
  });

  it('complete while the target still rings: the receptionist leaves, the caller is bridged on answer', () => {
    const early = transferTransition(attended().state, { type: 'complete', at: T0 + 500 });
    expect(early.effects).toEqual([
      { type: 'hangup', channelId: 'op', ifIn: ['desk'] },
      { type: 'bridge-destroy', bridgeId: 'desk', ifOnly: ['caller', 'x1-t', 'op'] },
    ]);
    expect(early.state).toMatchObject({ completeOnAnswer: true, operatorId: null, consultBridgeId: null });
    const answered = transferTransition(early.state, { type: 'target-answered', at: T0 + 3000 });
    expect(answered.state.phase).toBe('connected');
    expect(types(answered.effects)).toEqual(['moh-stop', 'bridge-create', 'bridge-add', 'bridge-add']);
  });

  it('the receptionist hanging up mid-consultation completes the transfer', () => {
    const consulting = run(attended(), [{ type: 'target-answered', at: T0 + 1000 }]);
    const gone = transferTransition(last(consulting), { type: 'operator-ended', at: T0 + 2000 });
    expect(gone.state.phase).toBe('connected');
    expect(gone.effects.some((effect) => effect.type === 'hangup')).toBe(false);
  });

  it('the caller hanging up mid-consultation leaves the receptionist with the target', () => {
    const consulting = run(attended(), [{ type: 'target-answered', at: T0 + 1000 }]);
    const gone = transferTransition(last(consulting), { type: 'caller-ended', at: T0 + 2000 });
    expect(gone.effects).toEqual([]);
    expect(gone.state.outcome).toMatchObject({ status: 'failed', reason: 'the caller hung up' });
    // Without a receptionist there is nobody to talk to: the target is hung up.
    const alone = run(attended(false), [{ type: 'target-answered', at: T0 + 1000 }, { type: 'caller-ended', at: T0 + 2000 }]);
    expect(alone[2]?.effects).toEqual([{ type: 'hangup', channelId: 'x1-t' }]);
  });

  it('answers a ringing call before holding it', () => {
    const begun = start({ kind: 'attended', caller: { id: 'caller', label: 'Alice', up: false, bridge: deskBridge }, operatorId: 'op' });
    expect(types(begun.effects)).toEqual(['bridge-remove', 'answer', 'moh-start', 'originate']);
  });
});

describe('click-to-dial', () => {
  const dial = () => startDial({ id: 'd1', now: T0, operatorEndpoint: 'PJSIP/104', target: { endpoint: 'PJSIP/102', label: '102' }, timeoutSec: 15, operatorCallerId: 'Dialing 102' });

  it('rings the receptionist first, then the number, then bridges', () => {
    const begun = dial();
    expect(begun.effects).toEqual([{ type: 'originate', channelId: 'd1-op', endpoint: 'PJSIP/104', timeoutSec: 15, appArgs: 'dial,d1', callerId: 'Dialing 102' }]);
    const up = transferTransition(begun.state, { type: 'caller-answered', at: T0 + 2000 });
    expect(up.state.phase).toBe('dialing');
    expect(up.effects).toEqual([
      { type: 'ring', channelId: 'd1-op' },
      { type: 'originate', channelId: 'd1-t', endpoint: 'PJSIP/102', timeoutSec: 15, appArgs: 'transfer,d1' },
    ]);
    const answered = transferTransition(up.state, { type: 'target-answered', at: T0 + 5000 });
    expect(types(answered.effects)).toEqual(['ring-stop', 'bridge-create', 'bridge-add', 'bridge-add']);
  });

  it('hangs up the receptionist leg when the number is busy', () => {
    const steps = run(dial(), [
      { type: 'caller-answered', at: T0 + 1000 },
      { type: 'target-ended', at: T0 + 2000, cause: 17, causeText: null },
    ]);
    expect(steps[2]?.effects).toEqual([{ type: 'hangup', channelId: 'd1-op' }]);
    expect(last(steps).outcome).toMatchObject({ status: 'failed', reason: 'busy' });
  });

  it('fails when the receptionist phone never answers', () => {
    const steps = run(dial(), [{ type: 'caller-ended', at: T0 + 15_000 }]);
    expect(last(steps).outcome).toMatchObject({ status: 'failed', reason: 'your phone did not answer' });
    expect(steps[1]?.effects).toEqual([]);
  });
});

describe('every transfer, whatever happens', () => {
  const inputArb: fc.Arbitrary<TransferInput['type']> = fc.constantFrom(
    'caller-answered',
    'target-answered',
    'target-ended',
    'caller-ended',
    'operator-ended',
    'complete',
    'swap',
    'cancel',
    'release',
    'target-joined',
    'tick',
    'moved',
    'operator-moved',
  );

  it('ends once, stays ended, and never acts after ending (fast-check)', () => {
    fc.assert(
      fc.property(fc.constantFrom('blind', 'attended', 'pickup', 'dial'), fc.boolean(), fc.array(inputArb, { maxLength: 12 }), (kind, operator, inputs) => {
        let at = T0;
        let step: TransferTransition =
          kind === 'dial'
            ? startDial({ id: 'p', now: at, operatorEndpoint: 'PJSIP/104', target, timeoutSec: 10 })
            : start({ id: 'p', kind, caller: { id: 'caller', label: 'A', up: true, bridge: operator ? deskBridge : null }, operatorId: operator ? 'op' : null });
        if (step.rejected) return;
        let endedAt: number | null = null;
        for (const type of inputs) {
          at += 1000;
          const input = (
            type === 'target-ended'
              ? { type, at, cause: 16, causeText: null }
              : type === 'moved'
                ? { type, at, channelId: at % 2000 === 0 ? 'caller' : 'p-t', members: [] }
                : type === 'operator-moved'
                  ? { type, at, members: at % 3000 === 0 ? ['p-t', 'guest'] : [] }
                  : { type, at }
          ) as TransferInput;
          const before = step.state;
          step = transferTransition(before, input);
          if (before.phase === 'done') {
            expect(step.state).toBe(before);
            expect(step.effects).toEqual([]);
          }
          if (step.rejected) expect(step.state).toBe(before);
          if (step.state.phase === 'done') {
            expect(step.state.outcome).not.toBeNull();
            endedAt ??= step.state.endedAt;
            expect(step.state.endedAt).toBe(endedAt);
          }
          // Never hangs up the call it is transferring except in dial (its own leg) or when bridged with a gone target.
          for (const effect of step.effects) {
            if (effect.type === 'hangup' && effect.channelId === 'caller') {
              expect(before.phase === 'connected' && input.type === 'target-ended').toBe(true);
            }
            // Her own leg, moved elsewhere, is never the transfer's to hang up.
            if (input.type === 'operator-moved') expect(effect.type === 'hangup' && effect.channelId === 'op').toBe(false);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
