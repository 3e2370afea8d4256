import { describe, expect, it } from 'vitest';
import { applyEvents, createModel, type ModelEvent } from '../../common/model/index.js';
import { actionFor, comboOf, conflicts, DEFAULT_SHORTCUTS, firesWhileTyping, keyLabel, keyOf, normalizeCombo, resolveShortcuts, type KeyLike } from '../../common/workflows/shortcuts.js';
import { nextRinging, shortcutMapOf } from '../../renderer/src/lib/people/people.js';

const key = (over: Partial<KeyLike> & { key: string }): KeyLike => ({ ctrlKey: false, altKey: false, shiftKey: false, metaKey: false, ...over });

describe('shortcut combos', () => {
  it('reads letters and digits by their physical key, symbols by what they type', () => {
    // Alt+A types "å" on a Mac keyboard; it is still Alt+A.
    expect(comboOf(key({ key: 'å', code: 'KeyA', altKey: true }))).toBe('Alt+A');
    expect(comboOf(key({ key: 'k', code: 'KeyK', ctrlKey: true }))).toBe('Ctrl+K');
    expect(comboOf(key({ key: '?', code: 'Slash', shiftKey: true }))).toBe('?');
    expect(comboOf(key({ key: 'F2', code: 'F2', shiftKey: true }))).toBe('Shift+F2');
    expect(comboOf(key({ key: 'Alt', code: 'AltLeft', altKey: true }))).toBeNull();
    expect(comboOf(key({ key: '!', code: 'Digit1', ctrlKey: true, shiftKey: true }))).toBe('Ctrl+Shift+1');
  });

  it('normalizes what a person types into the settings, and refuses the rest', () => {
    expect(normalizeCombo('alt + a')).toBe('Alt+A');
    expect(normalizeCombo('Cmd+Shift+k')).toBe('Shift+Meta+K');
    expect(normalizeCombo('f5')).toBe('F5');
    expect(normalizeCombo('hyper+a')).toBeNull();
    expect(normalizeCombo('Alt+')).toBeNull();
  });

  it('spells a key one way, whether pressed or typed into the settings, and shows it as on a key cap', () => {
    expect(keyOf(' ')).toBe('Space');
    expect(keyOf('j')).toBe('J');
    expect(keyOf('?')).toBe('?');
    expect(keyOf('escape')).toBe('Escape');
    expect(keyOf('ArrowDown')).toBe('ArrowDown');
    expect(keyOf('Dead')).toBeNull();
    expect(keyLabel('ArrowDown')).toBe('↓');
    expect(keyLabel('Shift+Escape')).toBe('Shift+Esc');
    expect(keyLabel('Ctrl+K')).toBe('Ctrl+K');
  });

  it('keeps overrides, unbinds with an empty string, falls back on nonsense, and finds clashes', () => {
    const map = resolveShortcuts({ hangup: 'ctrl+h', park: '', hold: 'not a combo' });
    expect(map.hangup).toBe('Ctrl+H');
    expect(map.park).toBe('');
    expect(map.hold).toBe(DEFAULT_SHORTCUTS.hold);
    expect(conflicts(map)).toEqual([]);
    expect(conflicts({ ...map, dial: 'Ctrl+H' })).toEqual([{ combo: 'Ctrl+H', actions: ['hangup', 'dial'] }]);
  });

  it('never fires a bare key while the receptionist types, but Ctrl/Alt combos do', () => {
    const map = resolveShortcuts();
    expect(actionFor(map, key({ key: '?', shiftKey: true }), true)).toBeNull();
    expect(actionFor(map, key({ key: '?', shiftKey: true }), false)).toBe('help');
    expect(actionFor(map, key({ key: 'a', code: 'KeyA', altKey: true }), true)).toBe('answer-next');
    expect(firesWhileTyping('?')).toBe(true);
    expect(firesWhileTyping('Escape')).toBe(false);
  });

  it('reads the settings’ shortcuts with unset fields left at their defaults', () => {
    expect(shortcutMapOf(undefined)).toEqual(DEFAULT_SHORTCUTS);
    expect(shortcutMapOf({ park: 'Alt+K', hold: undefined })).toEqual({ ...DEFAULT_SHORTCUTS, park: 'Alt+K' });
  });
});

describe('answer the next ringing call', () => {
  it('takes the call ringing longest at the console, never one it does not control or one already answered', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 9, 0, s)).toISOString();
    const call = (id: string, s: number, state: string, inApp = true) =>
      ({
        type: inApp ? 'StasisStart' : 'ChannelCreated',
        application: 'console',
        timestamp: at(s),
        args: [],
        channel: { id, name: `PJSIP/trunk-0000000${s}`, state, caller: { name: '', number: '200' }, creationtime: at(s) },
      }) as unknown as ModelEvent;
    const model = applyEvents(createModel({ app: 'console' }), [call('late', 5, 'Ring'), call('early', 2, 'Ring'), call('up', 1, 'Up'), call('dialplan-only', 0, 'Ring', false)], Date.UTC(2026, 10, 23, 9, 1));
    expect(nextRinging(model)?.id).toBe('early');
    expect(nextRinging(createModel())).toBeNull();
    expect(nextRinging(null)).toBeNull();
  });
});
