import { describe, expect, it } from 'vitest';
import { axisPosition, axisTicks, channelSegments, sharedAxis, usedLanes } from '../../common/model/segments.js';
import { ConsoleError } from '../../common/errors.js';
import { filterCounts, listCalls, preferredCall } from '../../renderer/src/lib/call-list.js';
import { createScheduler } from '../../renderer/src/lib/scheduler.js';
import { callControls, NOT_CONTROLLED, primaryControl } from '../../renderer/src/lib/controls.js';
import { bridgeTitle, callBadge, describeFailure, parkSlotOf, stepText } from '../../renderer/src/lib/describe.js';
import { extraFor, extraShortcuts, helpSections, keyHint, panelIndexFor, pickupActionFor, registerShortcut, shortcutFor, SHORTCUT_HELP } from '../../renderer/src/lib/shortcuts.js';
import { groupMarkers, place, spanText } from '../../renderer/src/lib/timeline.js';
import { rowWindow, scrollToRow } from '../../renderer/src/lib/virtual.js';
import { channel, entry, model, T0 } from './console-fixtures.js';

const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('lifecycle segments', () => {
  it('draws ring, talk, hold, bridge and a disconnected gap from the timeline', () => {
    const call = channel('a', {
      createdAt: T0,
      answeredAt: T0 + 4000,
      endedAt: T0 + 60_000,
      timeline: [
        entry(T0 + 10_000, 'hold', null),
        entry(T0 + 15_000, 'unhold', null),
        entry(T0 + 20_000, 'bridge-enter', { id: 'c0nf1234-0001', name: 'Conference 1' }),
        entry(T0 + 30_000, 'link-lost', 'socket closed'),
        entry(T0 + 35_000, 'link-restored', ''),
        entry(T0 + 50_000, 'bridge-leave', { id: 'c0nf1234-0001', name: 'Conference 1' }),
      ],
    });
    const segments = channelSegments(call, T0 + 99_000);
    const brief = segments.map(({ kind, from, to, label }) => [kind, from - T0, to - T0, label]);
    expect(brief).toEqual([
      ['ring', 0, 4000, 'Ringing'],
      ['up', 4000, 60_000, 'Up'],
      ['hold', 10_000, 15_000, 'On hold'],
      // Spans come out as they close: the gap (closed at 35 s) before the bridge (50 s).
      ['gap', 30_000, 35_000, 'Disconnected: the console could not see this call'],
      ['bridge', 20_000, 50_000, 'In bridge Conference 1 (c0nf1234)'],
    ]);
    expect(usedLanes(segments)).toEqual(['call', 'bridge', 'hold']);
  });

  it('keeps spans open while the call goes on, and says a never-answered call rang out', () => {
    const live = channel('a', { answeredAt: T0 + 1000, timeline: [entry(T0 + 2000, 'mute', 'both')] });
    const open = channelSegments(live, T0 + 5000).filter((segment) => segment.open);
    expect(open.map((segment) => segment.kind).sort()).toEqual(['muted', 'up']);
    const missed = channel('m', { answeredAt: null, endedAt: T0 + 20_000, state: 'Ring' });
    expect(channelSegments(missed, T0 + 30_000)).toEqual([{ kind: 'ring', lane: 'call', from: T0, to: T0 + 20_000, open: false, label: 'Rang, never answered' }]);
  });

  it('puts several calls on one axis and places ticks on round times', () => {
    const first = channel('a', { createdAt: T0, endedAt: T0 + 30_000 });
    const second = channel('b', { createdAt: T0 + 10_000 });
    const axis = sharedAxis([first, second], T0 + 40_000);
    expect(axis).toEqual({ from: T0, to: T0 + 40_000 });
    expect(axisPosition(axis, T0 + 10_000)).toBe(0.25);
    const ticks = axisTicks(axis, 6);
    expect(ticks.length).toBeLessThanOrEqual(6);
    for (const tick of ticks) expect(tick % 10_000).toBe(0);
  });

  it('places spans as percentages, never thinner than a sliver', () => {
    const axis = { from: 0, to: 1000 };
    expect(place(axis, 250, 750)).toEqual({ left: 25, width: 50 });
    expect(place(axis, 500, 500).width).toBeGreaterThan(0);
    expect(spanText({ kind: 'up', lane: 'call', from: 0, to: 65_000, open: true, label: 'Up' })).toBe('1:05 so far');
  });
});

describe('bridge titles', () => {
  it('calls a park slot "Park 701", with or without the app marker, and any other bridge by its name', () => {
    expect(bridgeTitle({ id: 'b1', name: 'park-701@console' }, 'b1')).toBe('Park 701');
    expect(bridgeTitle({ id: 'b1', name: 'park-702' }, 'b1')).toBe('Park 702');
    expect(bridgeTitle({ id: 'b1', name: 'Conference 1' }, 'b1')).toBe('Conference 1');
    expect(bridgeTitle({ id: '0123456789', name: '' }, '0123456789')).toBe('bridge 01234567');
    expect(bridgeTitle(undefined, 'abcdefghij')).toBe('bridge abcdefgh');
    expect(parkSlotOf('park-701@console')).toBe(701);
    expect(parkSlotOf('parking lot')).toBeNull();
    expect(parkSlotOf('park-701x')).toBeNull();
    expect(stepText('Joined bridge park-701@console (wmwtb9hv)')).toBe('Joined bridge Park 701');
  });

  it('names a bridge in the steps and on the timeline by its name only, and an unnamed one "a bridge": the id stays in the raw events', () => {
    expect(stepText('Joined bridge Conference 1 (6b71d33f)')).toBe('Joined bridge Conference 1');
    expect(stepText('Left bridge Front desk (Reception) (ab12cd34)')).toBe('Left bridge Front desk (Reception)');
    expect(stepText('In bridge Conference 1 (6b71d33f)')).toBe('In bridge Conference 1');
    expect(stepText('Joined bridge 9f8e7d6c')).toBe('Joined a bridge');
    expect(stepText('Left bridge 9f8e7d6c')).toBe('Left a bridge');
    expect(stepText('In bridge 9f8e7d6c')).toBe('In a bridge');
    expect(stepText('Answered')).toBe('Answered');
  });
});

describe('timeline markers', () => {
  const at = (seconds: number) => new Date(2026, 0, 1, 9, 0, seconds).getTime();
  it('folds events a few pixels apart into one marker whose tooltip lists each of them', () => {
    const markers = [
      { at: at(0), kind: 'created' as const, label: 'Created (Ring)' },
      { at: at(0), kind: 'caller-id' as const, label: 'Caller ID: Alice' },
      { at: at(1), kind: 'hold' as const, label: 'Put on hold' },
      { at: at(30), kind: 'destroyed' as const, label: 'Hung up' },
    ];
    const groups = groupMarkers(markers, [0, 0, 1, 100]);
    expect(groups.map((group) => group.kinds)).toEqual([['created', 'caller-id', 'hold'], ['destroyed']]);
    // The colour is the first telling event's, not the grey of "created".
    expect(groups[0]?.tone).toBe('hold');
    expect(groups[0]?.tip).toBe('09:00:00 · Created (Ring)\nCaller ID: Alice\nPut on hold (09:00:01)');
    expect(groups[1]).toMatchObject({ left: 100, tone: 'end', tip: '09:00:30 · Hung up' });
  });

  it('keeps markers further apart than the gap as markers of their own', () => {
    const markers = [0, 1, 2].map((seconds) => ({ at: at(seconds), kind: 'hold' as const, label: 'Hold' }));
    expect(groupMarkers(markers, [10, 12.5, 15]).map((group) => group.left)).toEqual([10, 12.5, 15]);
    expect(groupMarkers(markers, [10, 11, 12.4], 2.5)).toHaveLength(1);
  });
});

describe('call controls', () => {
  const context = { readOnly: null, connected: true };

  it('offers answer on a ringing call and says why hold is not possible yet', () => {
    const controls = callControls(channel('r', { state: 'Ring', answeredAt: null }), context);
    const byId = Object.fromEntries(controls.map((control) => [control.id, control]));
    expect(byId['answer']?.enabled).toBe(true);
    expect(byId['hold']).toMatchObject({ enabled: false, reason: 'Answer the call before holding it.' });
    expect(primaryControl(channel('r', { state: 'Ring', answeredAt: null }))).toBe('answer');
  });

  it('turns toggles into their opposite: a held call offers Unhold', () => {
    const hold = callControls(channel('h', { onHold: true }), context).find((control) => control.id === 'hold');
    expect(hold).toMatchObject({ label: 'Unhold', command: 'call.unhold', pressed: true, enabled: true });
  });

  it("only hang up works on a call outside the console's app", () => {
    const controls = callControls(channel('d', { inStasis: false }), context);
    expect(controls.filter((control) => control.enabled).map((control) => control.id)).toEqual(['hangup']);
    expect(controls.find((control) => control.id === 'hold')?.reason).toBe(NOT_CONTROLLED);
  });

  it('says one reason for everything when nothing can be sent', () => {
    for (const [call, ctx, reason] of [
      [channel('e', { endedAt: T0 + 1 }), context, 'This call has ended.'],
      [channel('a'), { readOnly: null, connected: false }, 'The console is not connected to the PBX right now.'],
      [channel('a'), { readOnly: 'Replaying.', connected: true }, 'Replaying.'],
      [null, context, 'Select a call first.'],
    ] as const) {
      const reasons = new Set(callControls(call, ctx).map((control) => control.reason));
      expect([...reasons]).toEqual([reason]);
    }
  });

  it('names failures in plain words from the typed error code', () => {
    expect(describeFailure('hold Alice', new ConsoleError('not_in_stasis', '409'))).toBe("Could not hold Alice: this channel is not under the console's control.");
    expect(describeFailure('answer Bob', new ConsoleError('timeout', 'deadline'))).toContain('did not answer in time');
    expect(describeFailure('play x', new ConsoleError('bad_request', 'no such sound'))).toBe('Could not play x: the PBX refused the request (no such sound).');
  });
});

describe('call list', () => {
  const ringing = channel('r', { state: 'Ringing', answeredAt: null, createdAt: T0 + 3 });
  const talking = channel('t', { createdAt: T0 + 1, caller: { name: 'Alice Martin', number: '201' } });
  const held = channel('h', { onHold: true, createdAt: T0 + 2 });
  const bridged = channel('b', { bridgeId: 'conf', createdAt: T0 });
  const dialplan = channel('d', { inStasis: false, state: 'Ring', answeredAt: null, createdAt: T0 + 4 });
  const m = model([ringing, talking, held, bridged, dialplan], [], [channel('x', { endedAt: T0 + 9 })]);

  it('keeps calls in arrival order and filters them', () => {
    expect(listCalls(m, 'all', '').map((call) => call.id)).toEqual(['b', 't', 'h', 'r', 'd']);
    expect(listCalls(m, 'ringing', '').map((call) => call.id)).toEqual(['r', 'd']);
    expect(listCalls(m, 'held', '').map((call) => call.id)).toEqual(['h']);
    expect(listCalls(m, 'ended', '').map((call) => call.id)).toEqual(['x']);
    expect(listCalls(m, 'all', 'alice').map((call) => call.id)).toEqual(['t']);
    expect(listCalls(m, 'all', ' 201 ').map((call) => call.id)).toEqual(['t']);
    expect(filterCounts(m)).toEqual({ all: 5, ringing: 2, talking: 2, held: 1, bridged: 1, ended: 1 });
  });

  it('selects the ringing call the console can answer first', () => {
    expect(preferredCall(listCalls(m, 'all', ''))?.id).toBe('r');
  });

  it('makes ringing stand out above every other state', () => {
    expect(callBadge(channel('r', { ringing: true, onHold: true }), T0)).toEqual({ text: 'Ringing', tone: 'ring' });
    expect(callBadge(channel('b', { bridgeId: 'x' }), T0)).toEqual({ text: 'In bridge', tone: 'bridge' });
  });

  it('renders only the rows in view for a thousand calls', () => {
    const window = rowWindow(38 * 500, 380, 38, 1000, 6);
    expect(window.end - window.start).toBeLessThanOrEqual(11 + 12 + 1);
    expect(window.start).toBe(494);
    expect(window.total).toBe(38_000);
    expect(window.offset).toBe(494 * 38);
    expect(rowWindow(0, 380, 38, 0)).toEqual({ start: 0, end: 0, offset: 0, total: 0 });
    expect(scrollToRow(20, 0, 380, 38)).toBe(20 * 38 + 38 - 380);
    expect(scrollToRow(2, 0, 380, 38)).toBeNull();
  });
});

describe('keyboard', () => {
  it('maps letters to call controls and leaves browser combinations alone', () => {
    expect(shortcutFor(key('a'))).toBe('answer');
    expect(shortcutFor(key('H'))).toBe('hangup');
    expect(shortcutFor(key('?'))).toBe('help');
    expect(shortcutFor(key('a', { ctrlKey: true }))).toBeNull();
    expect(pickupActionFor(key('ArrowRight'))).toBe('target-next');
    expect(pickupActionFor(key('Enter'))).toBe('drop');
    expect(pickupActionFor(key('Escape'))).toBe('cancel');
  });

  it('lists every shortcut in the help', () => {
    expect(SHORTCUT_HELP.map((item) => item.what)).toContain('Move the call to a bridge (then ← → and Enter)');
  });

  it('shows on each button the key that presses it', () => {
    for (const control of callControls(channel('c1'), { readOnly: null, connected: true })) {
      expect(shortcutFor(key(control.key.toLowerCase())), control.id).toBe(control.id);
    }
    expect(shortcutFor(key(keyHint('transfer')))).toBe('transfer');
    // Named keys read as on a key cap, the same in the help as on a button.
    expect(SHORTCUT_HELP.find((item) => item.what === 'Next call')?.keys).toEqual(['↓', 'J']);
    expect(shortcutFor(key(' '))).toBe('hold');
    expect(pickupActionFor(key('b'))).toBe('cancel');
  });

  it('lists the bridge-board keys, the panels and registered shortcuts in the help, spelled as the handler reads them', () => {
    const sections = helpSections(['Bridges', 'Compare'], [{ combo: 'Alt+Escape', what: 'Test escape', group: 'Tests', run: () => undefined }]);
    expect(sections.map((section) => section.title)).toEqual(['Calls', 'Bridge board without a mouse', 'Panels', 'Tests']);
    expect(sections[1]?.items.find((item) => item.what === 'Put it back')?.keys).toEqual(['Esc', 'B']);
    expect(sections[2]?.items).toEqual([
      { keys: ['Alt+1'], what: 'Bridges' },
      { keys: ['Alt+2'], what: 'Compare' },
    ]);
    expect(panelIndexFor({ ...key('1', { altKey: true }), code: 'Digit1' })).toBe(0);
    expect(panelIndexFor({ ...key('1'), code: 'Digit1' })).toBeNull();
    expect(sections[3]?.items).toEqual([{ keys: ['Alt+Esc'], what: 'Test escape' }]);
  });

  it('lets other views add shortcuts, and take them away', () => {
    const calls: string[] = [];
    const remove = registerShortcut({ combo: 'alt+y', what: 'Test', group: 'Tests', run: () => calls.push('y') });
    expect(extraShortcuts().map((item) => item.combo)).toContain('Alt+Y');
    extraFor({ ...key('y', { altKey: true }), code: 'KeyY' })?.run();
    expect(calls).toEqual(['y']);
    remove();
    expect(extraFor({ ...key('y', { altKey: true }), code: 'KeyY' })).toBeNull();
  });
});

describe('store scheduler', () => {
  it('applies a lone batch at once, and coalesces the ones that follow within a frame', async () => {
    const frames: (() => void)[] = [];
    let clock = 1000;
    const schedule = createScheduler((task) => frames.push(task), () => clock);
    const ran: string[] = [];
    schedule(() => ran.push('first'));
    await Promise.resolve();
    expect(ran).toEqual(['first']);
    schedule(() => ran.push('second'));
    await Promise.resolve();
    expect(ran).toEqual(['first']);
    expect(frames).toHaveLength(1);
    frames.shift()?.();
    expect(ran).toEqual(['first', 'second']);
    clock += 16;
    schedule(() => ran.push('third'));
    await Promise.resolve();
    expect(ran).toEqual(['first', 'second', 'third']);
  });
});
