import { describe, expect, it } from 'vitest';
import { applyEvents, createModel, type ModelEvent } from '../../common/model/index.js';
import { createParkState } from '../../common/workflows/park.js';
import { controlledCall, dialEndpoint, discoveredSlots, hangupCauses } from '../../main/workflows/inputs.js';

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
  it('reports park-<slot> bridges the machine does not know, and only those', () => {
    const model = modelWith([inStasis('parked'), bridge('b1', 'park-702', ['parked']), bridge('b2', 'park-999', []), bridge('b3', 'conference', [])]);
    const inputs = discoveredSlots(model, createParkState());
    expect(inputs).toEqual([{ type: 'discovered', at: expect.any(Number), slot: 702, bridgeId: 'b1', channelId: 'parked', callerLabel: 'Alice <200>' }]);
  });
});
