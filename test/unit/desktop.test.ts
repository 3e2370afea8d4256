import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { EngineStatus, EventBatch } from '../../common/contract.js';
import { applyEvents, createModel, type CallModel, type ModelEvent } from '../../common/model/index.js';
import { events, requests } from '../../common/contract.js';
import { focusCall } from '../../renderer/src/lib/people/focus.js';
import { createUi } from '../../renderer/src/lib/ui-store.js';
import { bringForward, createIncomingWatcher, escapeMarkup, noticeOptions, noticeRequest, startHidden, trayIconPng, trayView, type IncomingNotice, type WindowLike } from '../../main/desktop.js';

const T = Date.UTC(2026, 10, 23, 9, 0, 0);
const APP = 'console';

const status = (profileId: string, live: boolean): EngineStatus => ({
  profileId,
  profileName: profileId,
  supervisor: live ? ({ status: 'live', since: T } as unknown as EngineStatus['supervisor']) : ({ status: 'backoff' } as unknown as EngineStatus['supervisor']),
  pbx: null,
  skippedFrames: 0,
});

describe('the tray', () => {
  it('says the connection and the ringing count, and turns orange while calls ring', () => {
    expect(trayView([status('a', true)], 0)).toEqual({ tone: 'ok', tooltip: 'ARI Console — Connected (1), no call ringing', title: '', ringing: 0 });
    expect(trayView([status('a', true)], 2)).toMatchObject({ tone: 'ringing', tooltip: 'ARI Console — Connected (1), 2 calls ringing', title: '2' });
    expect(trayView([status('a', false)], 0)).toMatchObject({ tone: 'down', tooltip: 'ARI Console — Not connected, no call ringing' });
    expect(trayView([status('a', true), status('b', false)], 1).tooltip).toBe('ARI Console — 1 connected, 1 not, 1 call ringing');
    expect(trayView([], 0)).toMatchObject({ tone: 'ok', tooltip: 'ARI Console — No connection profile, no call ringing' });
  });

  it('draws its icons as real PNGs: a coloured disc on transparency', () => {
    const png = trayIconPng('ringing', 16);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBe(16);
    const idat = png.indexOf('IDAT');
    const raw = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
    expect(raw.length).toBe((16 * 4 + 1) * 16);
    const pixel = (x: number, y: number) => [...raw.subarray(y * 65 + 1 + x * 4, y * 65 + 5 + x * 4)];
    expect(pixel(8, 8)).toEqual([240, 160, 32, 255]);
    expect(pixel(0, 0)[3]).toBe(0);
    expect(trayIconPng('ok', 16).equals(png)).toBe(false);
  });
});

describe('incoming-call notifications', () => {
  const ring = (id: string, number: string, state = 'Ring'): ModelEvent =>
    ({
      type: 'StasisStart',
      application: APP,
      timestamp: new Date(T).toISOString(),
      args: [],
      channel: { id, name: `PJSIP/trunk-0000000${id.length}`, state, caller: { name: '', number }, connected: { name: '', number: '' }, creationtime: new Date(T).toISOString(), dialplan: { context: 'in', exten: '100', priority: 1 } },
    }) as unknown as ModelEvent;

  function setup(enabled = true) {
    let model: CallModel = createModel({ app: APP });
    const shown: IncomingNotice[] = [];
    const withdrawn: string[] = [];
    const watcher = createIncomingWatcher({
      modelOf: () => model,
      nameOf: (number) => (number === '02079460018' ? 'Alice Example' : ''),
      enabled: () => enabled,
      show: (notice) => shown.push(notice),
      withdraw: (_profile, channelId) => withdrawn.push(channelId),
    });
    const feed = (events: ModelEvent[]) => {
      model = applyEvents(model, events, T);
      watcher.onBatch({ profileId: 'office', seq: 1, events } as EventBatch);
    };
    return { feed, shown, withdrawn, watcher };
  }

  it('shows each ringing call once, with the phonebook name, and withdraws it when answered', () => {
    const { feed, shown, withdrawn, watcher } = setup();
    feed([ring('c1', '02079460018')]);
    feed([ring('c2', '555')]);
    expect(shown).toEqual([
      { profileId: 'office', channelId: 'c1', title: 'Incoming call: Alice Example', body: 'Alice Example (02079460018) is calling for 100.' },
      { profileId: 'office', channelId: 'c2', title: 'Incoming call: 555', body: '555 is calling for 100.' },
    ]);
    expect(watcher.ringing()).toBe(2);
    feed([{ type: 'ChannelStateChange', timestamp: new Date(T).toISOString(), channel: { id: 'c1', name: 'PJSIP/trunk-00000002', state: 'Up' } } as unknown as ModelEvent]);
    expect(withdrawn).toEqual(['c1']);
    expect(watcher.ringing()).toBe(1);
    expect(shown).toHaveLength(2);
  });

  it('stays quiet when the receptionist turned notifications off, but still counts for the tray', () => {
    const { feed, shown, watcher } = setup(false);
    feed([ring('c1', '555')]);
    expect(shown).toEqual([]);
    expect(watcher.ringing()).toBe(1);
  });

  it('answers on the operator\'s own phone (a pickup), declines busy, and otherwise brings the call up in the console', () => {
    const notice = { profileId: 'office', channelId: 'c1' };
    const answer = noticeRequest(notice, 0, 'PJSIP/100');
    expect(answer).toEqual({ kind: 'request', channel: 'transfer.start', payload: { ...notice, kind: 'pickup', target: 'PJSIP/100' } });
    const decline = noticeRequest(notice, 1, 'PJSIP/100');
    expect(decline).toEqual({ kind: 'request', channel: 'call.hangup', payload: { ...notice, reason: 'busy' } });
    // Both are valid requests of the contract main's dispatcher checks them against.
    for (const outcome of [answer, decline]) if (outcome.kind === 'request') expect(requests[outcome.channel].request.safeParse(outcome.payload).success).toBe(true);
    // No phone of her own: answering in Stasis would leave the caller in silence, so the console comes up instead.
    expect(noticeRequest(notice, 0, null)).toEqual({ kind: 'focus', ...notice });
    expect(noticeRequest(notice, 'click', 'PJSIP/100')).toEqual({ kind: 'focus', ...notice });
  });

  it('shows buttons only where Electron has them (macOS), and escapes the body where it is markup (Linux)', () => {
    const notice = { title: 'Incoming call: <b>Tom & "Jerry"</b>', body: `<b>Tom & "Jerry"</b> (555) is calling for O'Brien.` };
    const mac = noticeOptions(notice, 'darwin');
    expect(mac.actions.map((action) => action.text)).toEqual(['Answer', 'Decline']);
    expect(mac.body).toBe(notice.body);
    const linux = noticeOptions(notice, 'linux');
    expect(linux.actions).toEqual([]);
    expect(linux.body).toBe('&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; (555) is calling for O&#39;Brien.');
    // The title is plain text on every platform.
    expect(linux.title).toBe(notice.title);
    expect(noticeOptions(notice, 'win32')).toEqual({ ...notice, actions: [] });
    expect(escapeMarkup('a &amp; b')).toBe('a &amp;amp; b');
  });
});

describe('a clicked desktop notification in the page', () => {
  it('switches to the call\'s profile and selects the call', () => {
    const ui = createUi();
    ui.set({ activeProfileId: 'home', selectedId: 'other' });
    focusCall(ui, 'office', 'c1');
    expect(ui.store.getState()).toMatchObject({ activeProfileId: 'office', selectedId: 'c1' });
    focusCall(ui, 'office', 'c2');
    expect(ui.store.getState()).toMatchObject({ activeProfileId: 'office', selectedId: 'c2' });
    expect(events['console.focusCall'].safeParse({ profileId: 'office', channelId: 'c1' }).success).toBe(true);
  });
});

describe('window habits', () => {
  function fakeWindow(minimized: boolean, visible: boolean) {
    const calls: string[] = [];
    const window: WindowLike = {
      isMinimized: () => minimized,
      isVisible: () => visible,
      restore: () => calls.push('restore'),
      show: () => calls.push('show'),
      focus: () => calls.push('focus'),
    };
    return { window, calls };
  }

  it('brings the one window forward on a second launch: from minimized, from the tray, or just focus', () => {
    const minimized = fakeWindow(true, true);
    bringForward(minimized.window);
    expect(minimized.calls).toEqual(['restore', 'focus']);
    const hidden = fakeWindow(false, false);
    bringForward(hidden.window);
    expect(hidden.calls).toEqual(['show', 'focus']);
    const shown = fakeWindow(false, true);
    bringForward(shown.window);
    expect(shown.calls).toEqual(['focus']);
  });

  it('starts hidden only when asked and a tray icon can bring it back', () => {
    expect(startHidden({ startMinimized: true }, true)).toBe(true);
    expect(startHidden({ startMinimized: true }, false)).toBe(false);
    expect(startHidden({ startMinimized: false }, true, ['electron', '.', '--minimized'])).toBe(true);
    expect(startHidden({ startMinimized: false }, true, [])).toBe(false);
  });
});
