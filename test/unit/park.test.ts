import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  allSlots,
  createParkState,
  PARKING_TIMEOUT_MS,
  firstFreeSlot,
  parkTransition,
  slotOf,
  slotOfBridgeName,
  type ParkInput,
  type ParkState,
  type ParkTransition,
} from '../../common/workflows/park.js';

const T0 = 1_800_000_000_000;
const config = { firstSlot: 701, slotCount: 3, timeoutSec: 60, maxRingBacks: 2 };

function park(state: ParkState, overrides: Partial<Extract<ParkInput, { type: 'park' }>> = {}): ParkTransition {
  return parkTransition(state, {
    type: 'park',
    at: T0,
    channelId: 'alice',
    callerLabel: 'Alice <200>',
    callerUp: true,
    fromBridge: null,
    operatorId: null,
    parker: { endpoint: 'PJSIP/104', label: '104' },
    bridgeId: 'pk-a',
    ...overrides,
  });
}

describe('parking', () => {
  it('puts the call in the first free slot: a holding bridge named park-<slot> with music', () => {
    const parked = park(createParkState(config, 'console'));
    expect(parked.slot).toBe(701);
    expect(parked.effects).toEqual([
      { type: 'bridge-create', bridgeId: 'pk-a', bridgeType: 'holding', name: 'park-701@console' },
      { type: 'bridge-moh-start', bridgeId: 'pk-a' },
      { type: 'bridge-add', bridgeId: 'pk-a', channelId: 'alice' },
    ]);
    expect(slotOf(parked.state, 701)).toMatchObject({ status: 'parking', timeoutAt: T0 + 60_000 });
    expect(parkTransition(parked.state, { type: 'entered', at: T0 + 50, slot: 701 }).state.slots[0]?.status).toBe('parked');
  });

  it('frees the receptionist and their two-party bridge, and answers a ringing call first', () => {
    const parked = park(createParkState(config, 'console'), { callerUp: false, fromBridge: { id: 'desk', kind: 'mixing', otherMembers: ['op'] }, operatorId: 'op' });
    expect(parked.effects.map((effect) => effect.type)).toEqual(['hangup', 'answer', 'bridge-create', 'bridge-moh-start', 'bridge-add', 'bridge-destroy']);
    expect(parked.effects[0]).toEqual({ type: 'hangup', channelId: 'op' });
    expect(parked.effects[5]).toEqual({ type: 'bridge-destroy', bridgeId: 'desk' });
  });

  it('uses a chosen slot, refuses a taken one, an unknown one, a second park of one call, and a full lot', () => {
    let state = park(createParkState(config, 'console'), { slot: 702 }).state;
    expect(slotOf(state, 702)?.channelId).toBe('alice');
    expect(park(state, { channelId: 'bob', slot: 702, bridgeId: 'pk-b' }).rejected).toMatch(/702 is taken/);
    expect(park(state, { channelId: 'bob', slot: 799, bridgeId: 'pk-b' }).rejected).toMatch(/no park slot 799/);
    expect(park(state, { bridgeId: 'pk-b' }).rejected).toMatch(/already parked/);
    state = park(state, { channelId: 'bob', bridgeId: 'pk-b' }).state;
    state = park(state, { channelId: 'carol', bridgeId: 'pk-c' }).state;
    expect(state.slots.map((slot) => slot.slot)).toEqual([701, 702, 703]);
    expect(firstFreeSlot(state)).toBeNull();
    expect(park(state, { channelId: 'dave', bridgeId: 'pk-d' }).rejected).toMatch(/Every park slot is taken/);
  });
});

describe('retrieving', () => {
  it('takes the call out and destroys the slot bridge, or moves it into a bridge', () => {
    const state = park(createParkState(config, 'console')).state;
    const out = parkTransition(state, { type: 'retrieve', at: T0 + 1000, slot: 701 });
    expect(out.channelId).toBe('alice');
    // Back to the console's list with music: never out of the slot into silence.
    expect(out.effects).toEqual([
      { type: 'bridge-remove', bridgeId: 'pk-a', channelId: 'alice' },
      { type: 'bridge-destroy', bridgeId: 'pk-a' },
      { type: 'moh-start', channelId: 'alice' },
    ]);
    expect(out.state.slots).toEqual([]);
    expect(out.state.recent[0]).toMatchObject({ slot: 701, kind: 'retrieved' });
    const moved = parkTransition(state, { type: 'retrieve', at: T0 + 1000, slot: 701, toBridgeId: 'desk' });
    expect(moved.effects).toEqual([
      { type: 'bridge-add', bridgeId: 'desk', channelId: 'alice' },
      { type: 'bridge-destroy', bridgeId: 'pk-a' },
    ]);
    expect(parkTransition(out.state, { type: 'retrieve', at: T0 + 2000, slot: 701 }).rejected).toMatch(/empty/);
  });

  it('a call taken out by other means (picked up to a phone) frees its slot', () => {
    const state = park(createParkState(config, 'console')).state;
    const left = parkTransition(state, { type: 'left', at: T0 + 500, slot: 701 });
    expect(left.effects).toEqual([{ type: 'bridge-destroy', bridgeId: 'pk-a' }]);
    expect(left.state.recent[0]?.kind).toBe('left');
    // Seen out of its slot and in no bridge (after a link gap): music, not silence.
    expect(parkTransition(state, { type: 'left', at: T0 + 500, slot: 701, alone: true }).effects).toEqual([
      { type: 'bridge-destroy', bridgeId: 'pk-a' },
      { type: 'moh-start', channelId: 'alice' },
    ]);
  });

  it('gives a call never seen in its slot back to the console with music, once the parking timeout passes', () => {
    const state = park(createParkState(config, 'console')).state;
    expect(parkTransition(state, { type: 'tick', at: T0 + PARKING_TIMEOUT_MS - 1 }).effects).toEqual([]);
    const late = parkTransition(state, { type: 'tick', at: T0 + PARKING_TIMEOUT_MS });
    expect(late.state.slots).toEqual([]);
    expect(late.state.recent[0]).toMatchObject({ slot: 701, kind: 'failed', detail: 'the call never reached its slot' });
    expect(late.effects).toEqual([
      { type: 'bridge-destroy', bridgeId: 'pk-a', ifOnly: ['alice'] },
      { type: 'moh-start', channelId: 'alice' },
    ]);
    // Once seen in its slot, only the park timeout applies.
    const entered = parkTransition(state, { type: 'entered', at: T0 + 10, slot: 701 }).state;
    expect(parkTransition(entered, { type: 'tick', at: T0 + PARKING_TIMEOUT_MS }).effects).toEqual([]);
  });

  it('a caller who hangs up while parked frees the slot', () => {
    const state = park(createParkState(config, 'console')).state;
    const ended = parkTransition(state, { type: 'ended', at: T0 + 500, slot: 701 });
    expect(ended.effects).toEqual([{ type: 'bridge-destroy', bridgeId: 'pk-a' }]);
    expect(ended.state.recent[0]?.kind).toBe('abandoned');
  });
});

describe('timeout', () => {
  const parkedAt = (endpoint: string | null) => {
    const parked = park(createParkState(config, 'console'), { parker: { endpoint, label: endpoint ?? 'the console' } }).state;
    return parkTransition(parked, { type: 'entered', at: T0 + 10, slot: 701 }).state;
  };

  it('rings the parker back at the timeout, not before', () => {
    const state = parkedAt('PJSIP/104');
    expect(parkTransition(state, { type: 'tick', at: T0 + 59_999 }).effects).toEqual([]);
    const due = parkTransition(state, { type: 'tick', at: T0 + 60_000 });
    expect(due.effects).toEqual([{ type: 'ring-back', slot: 701, channelId: 'alice', endpoint: 'PJSIP/104', label: 'Parked 701: Alice <200>' }]);
    expect(slotOf(due.state, 701)?.status).toBe('ringing-back');
    // Ringing back is not repeated on the next tick.
    expect(parkTransition(due.state, { type: 'tick', at: T0 + 61_000 }).effects).toEqual([]);
    // The parker answers: the ring-back moves the call out; the slot is freed.
    const answered = parkTransition(due.state, { type: 'left', at: T0 + 63_000, slot: 701, how: 'ring-back' });
    expect(answered.state.recent[0]).toMatchObject({ kind: 'answered-by-parker', detail: 'answered by PJSIP/104' });
    // Moved out with a plain bridge move while the parker's phone still rang: no answer, and the history says so.
    const moved = parkTransition(due.state, { type: 'left', at: T0 + 63_000, slot: 701, how: 'moved' });
    expect(moved.state.recent[0]).toMatchObject({ kind: 'left', detail: 'moved to another bridge by the operator' });
    expect(parkTransition(due.state, { type: 'left', at: T0 + 63_000, slot: 701 }).state.recent[0]).toMatchObject({ kind: 'left', detail: 'taken out of the slot' });
  });

  it('keeps the call parked when the ring-back fails, then returns it to the console after the last try', () => {
    const due = parkTransition(parkedAt('PJSIP/104'), { type: 'tick', at: T0 + 60_000 }).state;
    const once = parkTransition(due, { type: 'ring-back-failed', at: T0 + 80_000, slot: 701, reason: 'busy' });
    expect(slotOf(once.state, 701)).toMatchObject({ status: 'parked', ringBacks: 1, timeoutAt: T0 + 140_000 });
    const again = parkTransition(once.state, { type: 'tick', at: T0 + 140_000 }).state;
    const twice = parkTransition(again, { type: 'ring-back-failed', at: T0 + 150_000, slot: 701, reason: 'no answer' });
    expect(twice.state.slots).toEqual([]);
    expect(twice.effects).toEqual([
      { type: 'bridge-remove', bridgeId: 'pk-a', channelId: 'alice' },
      { type: 'bridge-destroy', bridgeId: 'pk-a' },
      { type: 'moh-start', channelId: 'alice' },
    ]);
    expect(twice.state.recent[0]).toMatchObject({ kind: 'returned', detail: 'PJSIP/104 did not answer (no answer)' });
  });

  it('returns the call to the console when there is no phone to ring back', () => {
    const due = parkTransition(parkedAt(null), { type: 'tick', at: T0 + 60_000 });
    expect(due.effects.map((effect) => effect.type)).toEqual(['bridge-remove', 'bridge-destroy', 'moh-start']);
    expect(due.state.recent[0]).toMatchObject({ kind: 'returned', detail: 'park timeout after 60 s' });
  });

  it('cancels a ring-back in progress when the call is retrieved or hangs up', () => {
    const due = parkTransition(parkedAt('PJSIP/104'), { type: 'tick', at: T0 + 60_000 }).state;
    expect(parkTransition(due, { type: 'retrieve', at: T0 + 61_000, slot: 701 }).effects[0]).toEqual({ type: 'ring-back-cancel', slot: 701 });
    expect(parkTransition(due, { type: 'ended', at: T0 + 61_000, slot: 701 }).effects[0]).toEqual({ type: 'ring-back-cancel', slot: 701 });
  });
});

describe('after a restart', () => {
  it("adopts park bridges it finds, tidies empty ones, ignores other names and other consoles' slots", () => {
    const state = createParkState(config, 'console');
    const adopted = parkTransition(state, { type: 'discovered', at: T0, slot: 702, bridgeId: 'old', channelId: 'bob', callerLabel: 'Bob' });
    expect(slotOf(adopted.state, 702)).toMatchObject({ status: 'parked', channelId: 'bob', timeoutAt: T0 + 60_000, parker: { endpoint: null } });
    const empty = parkTransition(state, { type: 'discovered', at: T0, slot: 703, bridgeId: 'stale', channelId: null, callerLabel: '' });
    expect(empty.effects).toEqual([{ type: 'bridge-destroy', bridgeId: 'stale' }]);
    expect(slotOfBridgeName('park-702@console', adopted.state.config, 'console')).toBe(702);
    expect(slotOfBridgeName('park-704@console', adopted.state.config, 'console')).toBeNull();
    expect(slotOfBridgeName('desk', adopted.state.config, 'console')).toBeNull();
    // Another console's slot (another app), or one without a marker, is never ours.
    expect(slotOfBridgeName('park-702@other', adopted.state.config, 'console')).toBeNull();
    expect(slotOfBridgeName('park-702', adopted.state.config, 'console')).toBeNull();
    expect(slotOfBridgeName('park-702@console', adopted.state.config, '')).toBeNull();
  });

  it('a failed park frees the slot and keeps music on the call', () => {
    const parked = park(createParkState(config, 'console'));
    const create = parked.effects.find((effect) => effect.type === 'bridge-add')!;
    const failed = parkTransition(parked.state, { type: 'effect-failed', at: T0 + 5, effect: create, message: 'Channel not in Stasis application' });
    expect(failed.state.slots).toEqual([]);
    expect(failed.effects).toEqual([
      { type: 'bridge-destroy', bridgeId: 'pk-a' },
      { type: 'moh-start', channelId: 'alice' },
    ]);
  });
});

describe('the lot, whatever happens (fast-check)', () => {
  it('never puts two calls in one slot or one call in two slots, and slots stay in range', () => {
    const action = fc.oneof(
      fc.record({ type: fc.constant('park' as const), who: fc.integer({ min: 0, max: 5 }), slot: fc.option(fc.integer({ min: 700, max: 704 }), { nil: undefined }) }),
      fc.record({ type: fc.constantFrom('retrieve' as const, 'left' as const, 'ended' as const, 'entered' as const), slot: fc.integer({ min: 700, max: 704 }) }),
      fc.record({ type: fc.constant('tick' as const), advance: fc.integer({ min: 0, max: 90_000 }) }),
      fc.record({ type: fc.constant('ring-back-failed' as const), slot: fc.integer({ min: 700, max: 704 }) }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 30 }), (actions) => {
        let state = createParkState(config, 'console');
        let at = T0;
        let bridges = 0;
        for (const item of actions) {
          at += 100;
          let input: ParkInput;
          if (item.type === 'park') {
            input = {
              type: 'park',
              at,
              channelId: `c${item.who}`,
              callerLabel: `C${item.who}`,
              callerUp: true,
              fromBridge: null,
              operatorId: null,
              parker: { endpoint: item.who % 2 ? 'PJSIP/104' : null, label: 'x' },
              bridgeId: `b${(bridges += 1)}`,
              ...(item.slot === undefined ? {} : { slot: item.slot }),
            };
          } else if (item.type === 'tick') {
            at += item.advance;
            input = { type: 'tick', at };
          } else if (item.type === 'ring-back-failed') {
            input = { type: 'ring-back-failed', at, slot: item.slot, reason: 'busy' };
          } else {
            input = { type: item.type, at, slot: item.slot };
          }
          state = parkTransition(state, input).state;
          const slots = state.slots.map((slot) => slot.slot);
          const channels = state.slots.map((slot) => slot.channelId);
          expect(new Set(slots).size).toBe(slots.length);
          expect(new Set(channels).size).toBe(channels.length);
          for (const slot of slots) expect(allSlots(state.config)).toContain(slot);
          expect([...slots].sort((a, b) => a - b)).toEqual(slots);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
