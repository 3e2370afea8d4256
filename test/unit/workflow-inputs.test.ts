import { describe, expect, it } from 'vitest';
import { applyEvents, createModel, type ModelEvent } from '../../common/model/index.js';
import { createParkState } from '../../common/workflows/park.js';
import { parkTransition } from '../../common/workflows/park.js';
import { startTransfer, transferTransition } from '../../common/workflows/transfer.js';
import { stillApplies } from '../../main/workflows/executor.js';
import { controlledCall, dialEndpoint, discoveredSlots, hangupCauses, restoredParkInputs, restoredTransferInputs } from '../../main/workflows/inputs.js';

const T = 1_800_000_000_000;
const destroyed = (id: string, cause: number, text = ''): ModelEvent => ({ type: 'ChannelDestroyed', channel: { id }, cause, cause_txt: text });
const requested = (id: string, cause: number): ModelEvent => ({ type: 'ChannelHangupRequest', channel: { id }, cause });

describe('hangup causes of a batch', () => {
  it('a busy Local leg (;1 cause 0) borrows "busy" from its ;2 partner, as Asterisk reports it', () => {
    // The order Asterisk 22 sends for Local/busy@test, seen on the sandbox.
    const causeOf = hangupCauses([requested('t;2', 0), destroyed('t', 0), requested('t;2', 16), destroyed('t;2', 17, 'User busy')]);
    expect(causeOf('t')).toEqual({ cause: 17, text: 'User busy' });
  });

  it('keeps a leg its own cause, prefers the final word, and says nothing when nothing was said', () => {
    const causeOf = hangupCauses([requested('a', 19), destroyed('a', 19, 'No answer'), requested('b', 21), destroyed('b', 16)]);
    expect(causeOf('a')).toEqual({ cause: 19, text: 'No answer' });
    expect(causeOf('b').cause).toBe(16);
    expect(causeOf('nobody')).toEqual({ cause: null, text: null });
  });
});

function modelWith(events: ModelEvent[]) {
  return applyEvents(createModel({ app: 'console' }), events, T);
}

const inStasis = (id: string, name = `Local/x-${id}`): ModelEvent => ({
  type: 'StasisStart',
  timestamp: '2027-01-15T08:00:00.000+0000',
  channel: { id, name, state: 'Up', caller: { name: 'Alice', number: '200' }, dialplan: { context: 'c', exten: 's', priority: 1, app_name: 'Stasis', app_data: 'console' } },
  args: [],
});
const bridge = (id: string, name: string, channels: string[]): ModelEvent => ({ type: 'ConsoleBridgeSeen', at: T, bridge: { id, name, bridge_type: name.startsWith('park') ? 'holding' : 'mixing', channels } });

describe('the call a workflow acts on', () => {
  it('finds its bridge and the receptionist leg in it', () => {
    const model = modelWith([inStasis('caller'), inStasis('op', 'PJSIP/100-0001'), bridge('desk', 'desk', ['caller', 'op']), { type: 'ChannelEnteredBridge', bridge: { id: 'desk', channels: ['caller', 'op'] }, channel: { id: 'caller' } }]);
    const found = controlledCall(model, 'caller', undefined, (_model, id) => id === 'op');
    expect(found.bridge).toEqual({ id: 'desk', kind: 'mixing', otherMembers: ['op'] });
    expect(found.operatorId).toBe('op');
    expect(() => controlledCall(model, 'caller', 'someone-else', () => false)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => controlledCall(model, 'gone', undefined, () => false)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('turns numbers into endpoints through the template and refuses words', () => {
    expect(dialEndpoint('0207 946 0018', 'PJSIP/{number}@trunk')).toBe('PJSIP/02079460018@trunk');
    expect(dialEndpoint('Local/wait@test', 'PJSIP/{number}')).toBe('Local/wait@test');
    expect(() => dialEndpoint('call Bob!', 'PJSIP/{number}')).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });
});

describe('park slots found on the PBX', () => {
  it("reports this console's park-<slot>@<app> bridges the machine does not know, and only those", () => {
    const model = modelWith([
      inStasis('parked'),
      bridge('b1', 'park-702@console', ['parked']),
      bridge('b2', 'park-999@console', []),
      bridge('b3', 'conference', []),
      // Another console's slots, empty or not, are neither adopted nor tidied.
      bridge('b4', 'park-703@other-console', []),
      bridge('b5', 'park-704', []),
    ]);
    const inputs = discoveredSlots(model, createParkState({}, 'console'));
    expect(inputs).toEqual([{ type: 'discovered', at: expect.any(Number), slot: 702, bridgeId: 'b1', channelId: 'parked', callerLabel: 'Alice <200>' }]);
  });
});

describe('after a link gap, what the reconciled model says happened', () => {
  const blind = () =>
    startTransfer({ id: 'x1', kind: 'blind', now: T, caller: { id: 'caller', label: 'A', up: true, bridge: null }, operatorId: null, target: { endpoint: 'Local/wait@test', label: 'wait' }, timeoutSec: 20 }).state;

  it('a target up in the app while the transfer still dials answered; a gone one hung up; a gone caller ends it', () => {
    const answered = modelWith([inStasis('caller'), inStasis('x1-t')]);
    expect(restoredTransferInputs(blind(), answered, T)).toEqual([{ type: 'target-answered', at: T }]);
    const targetGone = modelWith([inStasis('caller')]);
    expect(restoredTransferInputs(blind(), targetGone, T)).toEqual([{ type: 'target-ended', at: T, cause: null, causeText: null }]);
    expect(restoredTransferInputs(blind(), modelWith([inStasis('x1-t')]), T)).toEqual([{ type: 'caller-ended', at: T }]);
    // Connected and seen in its bridge: joined, nothing ended.
    const connected = transferTransition(blind(), { type: 'target-answered', at: T }).state;
    const bridged = modelWith([
      inStasis('caller'),
      inStasis('x1-t'),
      bridge('x1-b', 'transfer', ['caller', 'x1-t']),
      { type: 'ChannelEnteredBridge', bridge: { id: 'x1-b', channels: ['caller', 'x1-t'] }, channel: { id: 'x1-t' } },
    ]);
    expect(restoredTransferInputs(connected, bridged, T)).toEqual([{ type: 'target-joined', at: T }]);
    // The operator moved the caller into a conference meanwhile: the transfer is told, with who is left in its bridge.
    const moved = modelWith([
      inStasis('caller'),
      inStasis('x1-t'),
      bridge('x1-b', 'transfer', ['x1-t']),
      bridge('conf', 'conference', ['caller']),
      { type: 'ChannelEnteredBridge', bridge: { id: 'x1-b', channels: ['x1-t'] }, channel: { id: 'x1-t' } },
      { type: 'ChannelEnteredBridge', bridge: { id: 'conf', channels: ['caller'] }, channel: { id: 'caller' } },
    ]);
    expect(restoredTransferInputs(connected, moved, T)).toEqual([
      { type: 'target-joined', at: T },
      { type: 'moved', at: T, channelId: 'caller', members: ['x1-t'] },
    ]);
  });

  it('attended, consulting: the receptionist moved her own leg to another bridge meanwhile; the consultation is told first, with who is left in it', () => {
    const consulting = transferTransition(
      startTransfer({ id: 'x1', kind: 'attended', now: T, caller: { id: 'caller', label: 'A', up: true, bridge: { id: 'desk', kind: 'mixing', otherMembers: ['op'] } }, operatorId: 'op', target: { endpoint: 'PJSIP/102', label: '102' }, timeoutSec: 20 }).state,
      { type: 'target-answered', at: T },
    ).state;
    const inDesk = modelWith([inStasis('caller'), inStasis('op'), inStasis('x1-t'), bridge('desk', 'desk', ['op', 'x1-t']), { type: 'ChannelEnteredBridge', bridge: { id: 'desk', channels: ['op', 'x1-t'] }, channel: { id: 'op' } }]);
    expect(restoredTransferInputs(consulting, inDesk, T)).toEqual([]);
    const movedOn = modelWith([
      inStasis('caller'),
      inStasis('op'),
      inStasis('x1-t'),
      bridge('desk', 'desk', ['x1-t']),
      bridge('conf', 'conference', ['op']),
      { type: 'ChannelEnteredBridge', bridge: { id: 'conf', channels: ['op'] }, channel: { id: 'op' } },
    ]);
    expect(restoredTransferInputs(consulting, movedOn, T)).toEqual([{ type: 'operator-moved', at: T, members: ['x1-t'] }]);
  });

  it('still ringing the target, a caller the operator moved into another bridge meanwhile is let go first, as live, so the answer cannot pull it back', () => {
    const ringing = blind();
    const movedAndAnswered = modelWith([
      inStasis('caller'),
      inStasis('x1-t'),
      bridge('conf', 'conference', ['caller', 'someone']),
      { type: 'ChannelEnteredBridge', bridge: { id: 'conf', channels: ['caller'] }, channel: { id: 'caller' } },
    ]);
    const inputs = restoredTransferInputs(ringing, movedAndAnswered, T);
    expect(inputs).toEqual([{ type: 'moved', at: T, channelId: 'caller', members: [] }]);
    // What the machine does with it: over, the ringing target hung up (talking to nobody), the caller untouched.
    const step = transferTransition(ringing, inputs[0] as (typeof inputs)[number]);
    expect(step.state.phase).toBe('done');
    expect(step.effects).toEqual([{ type: 'hangup', channelId: 'x1-t', ifIn: [null] }]);
    // The target moved elsewhere itself: let go of it the same way.
    const targetMoved = modelWith([
      inStasis('caller'),
      inStasis('x1-t'),
      bridge('conf', 'conference', ['x1-t']),
      { type: 'ChannelEnteredBridge', bridge: { id: 'conf', channels: ['x1-t'] }, channel: { id: 'x1-t' } },
    ]);
    expect(restoredTransferInputs(ringing, targetMoved, T)).toEqual([{ type: 'moved', at: T, channelId: 'x1-t', members: [] }]);
  });

  it('a parked caller whose ring-back still rings the parker is where it was, not moved; moved out of its slot it is', () => {
    const ringBack = startTransfer({ id: 'x1', kind: 'pickup', now: T, caller: { id: 'caller', label: 'A', up: true, bridge: { id: 'slot', kind: 'holding', otherMembers: [] } }, operatorId: null, target: { endpoint: 'PJSIP/100', label: '100' }, timeoutSec: 20 }).state;
    expect(ringBack.waitTone).toBe('parked');
    const inSlot = modelWith([inStasis('caller'), inStasis('x1-t'), bridge('slot', 'park-701@console', ['caller']), { type: 'ChannelEnteredBridge', bridge: { id: 'slot', channels: ['caller'] }, channel: { id: 'caller' } }]);
    expect(restoredTransferInputs({ ...ringBack, targetId: 'gone' }, inSlot, T)).toEqual([{ type: 'target-ended', at: T, cause: null, causeText: null }]);
    expect(restoredTransferInputs(ringBack, inSlot, T)).toEqual([{ type: 'target-answered', at: T }]);
    const elsewhere = modelWith([inStasis('caller'), inStasis('x1-t'), bridge('desk', 'desk', ['caller']), { type: 'ChannelEnteredBridge', bridge: { id: 'desk', channels: ['caller'] }, channel: { id: 'caller' } }]);
    expect(restoredTransferInputs(ringBack, elsewhere, T)).toEqual([{ type: 'moved', at: T, channelId: 'caller', members: [] }]);
  });

  it('a parked call gone was abandoned; one out of its bridge left (alone: music); one seen in it while parking entered', () => {
    const parked = parkTransition(createParkState({}, 'console'), {
      type: 'park',
      at: T,
      channelId: 'caller',
      callerLabel: 'A',
      callerUp: true,
      fromBridge: null,
      operatorId: null,
      parker: { endpoint: null, label: 'the console' },
      bridgeId: 'pk',
    }).state;
    const inSlot = modelWith([inStasis('caller'), bridge('pk', 'park-701@console', ['caller']), { type: 'ChannelEnteredBridge', bridge: { id: 'pk', channels: ['caller'] }, channel: { id: 'caller' } }]);
    expect(restoredParkInputs(parked, inSlot, T)).toEqual([{ type: 'entered', at: T, slot: 701 }]);
    const settled = parkTransition(parked, { type: 'entered', at: T, slot: 701 }).state;
    expect(restoredParkInputs(settled, inSlot, T)).toEqual([]);
    expect(restoredParkInputs(settled, modelWith([inStasis('caller')]), T)).toEqual([{ type: 'left', at: T, slot: 701, alone: true }]);
    expect(restoredParkInputs(settled, modelWith([]), T)).toEqual([{ type: 'ended', at: T, slot: 701 }]);
  });
});

describe('guarded effects, checked against the model just before the request', () => {
  it('hangs up only a leg still where the workflow left it, and tears down only a bridge nobody else joined', () => {
    const model = modelWith([
      inStasis('caller'),
      inStasis('guest'),
      bridge('conf', 'conference', ['caller', 'guest']),
      { type: 'ChannelEnteredBridge', bridge: { id: 'conf', channels: ['caller', 'guest'] }, channel: { id: 'caller' } },
      bridge('x1-b', 'transfer', []),
    ]);
    // The operator moved the caller into a conference: not the transfer's to hang up, nor to put on music.
    expect(stillApplies(model, { type: 'hangup', channelId: 'caller', ifIn: ['x1-b'] })).toBe(false);
    expect(stillApplies(model, { type: 'moh-start', channelId: 'caller', ifIn: ['x1-b', null] })).toBe(false);
    expect(stillApplies(model, { type: 'hangup', channelId: 'caller', ifIn: ['conf'] })).toBe(true);
    // Unknown to the model (a ringing target without subscribeAll, or gone): a DELETE is harmless.
    expect(stillApplies(model, { type: 'hangup', channelId: 'x1-t', ifIn: [null] })).toBe(true);
    expect(stillApplies(model, { type: 'hangup', channelId: 'caller' })).toBe(true);
    expect(stillApplies(model, { type: 'bridge-destroy', bridgeId: 'conf', ifOnly: ['caller'] })).toBe(false);
    expect(stillApplies(model, { type: 'bridge-destroy', bridgeId: 'x1-b', ifOnly: ['caller', 'x1-t'] })).toBe(true);
  });
});
