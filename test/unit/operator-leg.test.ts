import { describe, expect, it } from 'vitest';
import { ATTENDED_NEEDS_YOU, attendedRefusal } from '../../common/workflows/operator-leg.js';
import { startDial, startTransfer } from '../../common/workflows/transfer.js';
import { bridge, channel, model, T0 } from './console-fixtures.js';

/**
 * The page offers an attended transfer only when main would start one: the
 * receptionist's own leg (her phone by the setting, or a leg the console
 * rang for her) must be beside the caller in a mixing bridge.
 */

const caller = channel('caller', { name: 'PJSIP/201-00000001', bridgeId: 'b1' });
const mine = channel('mine', { name: 'PJSIP/104-00000002', bridgeId: 'b1' });
const other = channel('other', { name: 'PJSIP/105-00000003', bridgeId: 'b1' });

describe('attendedRefusal', () => {
  it('allows it when my phone (the operator setting) is in the caller’s bridge', () => {
    const world = model([caller, mine], [bridge('b1', { channelIds: ['caller', 'mine'] })]);
    expect(attendedRefusal(world, 'caller', 'PJSIP/104', [])).toBeNull();
  });

  it('refuses, in words, a call that talks to someone else, sits in no bridge, or waits in a holding bridge', () => {
    const talking = model([caller, other], [bridge('b1', { channelIds: ['caller', 'other'] })]);
    expect(attendedRefusal(talking, 'caller', 'PJSIP/104', [])).toBe(ATTENDED_NEEDS_YOU);
    expect(attendedRefusal(model([channel('alone')]), 'alone', 'PJSIP/104', [])).toBe(ATTENDED_NEEDS_YOU);
    const holding = model([caller, mine], [bridge('b1', { kind: 'holding', channelIds: ['caller', 'mine'] })]);
    expect(attendedRefusal(holding, 'caller', 'PJSIP/104', [])).toBe(ATTENDED_NEEDS_YOU);
    expect(ATTENDED_NEEDS_YOU).toMatch(/needs you on the call/);
  });

  it('counts a leg the console rang for me (a pickup’s target) as mine without the setting', () => {
    const pickup = startTransfer({
      id: 'p1',
      kind: 'pickup',
      now: T0,
      caller: { id: 'caller', label: '201', up: true, bridge: null },
      operatorId: null,
      target: { endpoint: 'PJSIP/104', label: 'your phone' },
      timeoutSec: 15,
    }).state;
    const rung = channel(pickup.targetId, { name: 'Local/wait@test-00000004;1', bridgeId: 'b1' });
    const world = model([caller, rung], [bridge('b1', { channelIds: ['caller', pickup.targetId] })]);
    expect(attendedRefusal(world, 'caller', null, [])).toBe(ATTENDED_NEEDS_YOU);
    expect(attendedRefusal(world, 'caller', null, [pickup])).toBeNull();
    const dial = startDial({ id: 'd1', now: T0, operatorEndpoint: 'PJSIP/104', target: { endpoint: 'PJSIP/102', label: '102' }, timeoutSec: 15, operatorCallerId: 'Dialing 102' }).state;
    const myDialLeg = channel(dial.callerId, { name: 'Local/x-00000005;1', bridgeId: 'b1' });
    const dialled = model([caller, myDialLeg], [bridge('b1', { channelIds: ['caller', dial.callerId] })]);
    expect(attendedRefusal(dialled, 'caller', null, [dial])).toBeNull();
  });
});
