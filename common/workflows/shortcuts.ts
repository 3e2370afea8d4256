/**
 * Keyboard-first working: the actions a receptionist does all day, their
 * default keys, and how a key press becomes a combo string ("Alt+A"). Pure, so
 * the matching and the conflict rules are unit-tested; the renderer only
 * listens for keydown and calls `comboOf`.
 *
 * Defaults avoid keys browsers keep for themselves (F5, F6, Ctrl+W, Alt+D, …):
 * the same page runs in Electron and in a browser tab.
 */

export const SHORTCUT_ACTIONS = [
  'answer-next',
  'hangup',
  'hold',
  'transfer',
  'park',
  'dial',
  'focus-search',
  'help',
] as const;

export type ShortcutAction = (typeof SHORTCUT_ACTIONS)[number];

export const SHORTCUT_LABELS: Record<ShortcutAction, string> = {
  'answer-next': 'Answer the next ringing call',
  hangup: 'Hang up the selected call',
  hold: 'Hold / take off hold the selected call',
  transfer: 'Transfer the selected call to…',
  park: 'Park the selected call',
  dial: 'Open the dial pad',
  'focus-search': 'Focus search',
  help: 'Show these shortcuts',
};

export const DEFAULT_SHORTCUTS: Record<ShortcutAction, string> = {
  'answer-next': 'Alt+A',
  hangup: 'Alt+H',
  hold: 'Alt+O',
  transfer: 'Alt+T',
  park: 'Alt+P',
  dial: 'Alt+N',
  'focus-search': 'Ctrl+K',
  help: '?',
};

/** What a KeyboardEvent carries that matters here (tests build these by hand). */
export interface KeyLike {
  readonly key: string;
  readonly code?: string;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly shiftKey: boolean;
  readonly metaKey: boolean;
}

const MODIFIER_KEYS = new Set(['Control', 'Alt', 'Shift', 'Meta', 'AltGraph', 'CapsLock', 'OS']);
const NAMED = /^(F([1-9]|1[0-9]|2[0-4])|Enter|Escape|Tab|Space|Backspace|Delete|Insert|Home|End|PageUp|PageDown|ArrowUp|ArrowDown|ArrowLeft|ArrowRight)$/;

/**
 * A key as combos spell it: "Space" for " ", a letter or symbol upper-cased,
 * a named key as the browser names it ("F2", "ArrowDown"); null for a key
 * nothing binds. Both what a key press carries (`event.key`) and what a person
 * types into the settings ("f5", "escape") go through here, so the console's
 * own keys and the configurable ones are spelled one way.
 */
export function keyOf(text: string): string | null {
  if (text === ' ') return 'Space';
  if (text.length === 1) return text.toUpperCase();
  const named = text.charAt(0).toUpperCase() + text.slice(1);
  return NAMED.test(named) ? named : null;
}

/** How a key or combo reads on a key cap, in the help and on the buttons: "↓", "Esc", "Alt+T". */
export function keyLabel(combo: string): string {
  return combo
    .split('+')
    .map((part) => LABELS[part] ?? part)
    .join('+');
}

const LABELS: Readonly<Record<string, string>> = { ArrowDown: '↓', ArrowUp: '↑', ArrowLeft: '←', ArrowRight: '→', Escape: 'Esc' };

/** The key part of a combo, or null for a lone modifier / a key we do not bind. */
function keyPart(event: KeyLike): { key: string; letterOrDigit: boolean } | null {
  if (MODIFIER_KEYS.has(event.key)) return null;
  // Letters and digits by their physical key: Alt+A is "å" on a Mac, Shift+1 is "!".
  const code = event.code ?? '';
  const letter = /^Key([A-Z])$/.exec(code);
  if (letter?.[1]) return { key: letter[1], letterOrDigit: true };
  const digit = /^Digit([0-9])$/.exec(code);
  if (digit?.[1] && (event.ctrlKey || event.altKey || event.metaKey)) return { key: digit[1], letterOrDigit: true };
  const key = keyOf(event.key);
  return key === null ? null : { key, letterOrDigit: /^[A-Z0-9]$/.test(key) };
}

/** "Ctrl+Alt+Shift+Meta+Key": modifiers in a fixed order, so combos compare as strings. */
export function comboOf(event: KeyLike): string | null {
  const part = keyPart(event);
  if (!part) return null;
  const mods: string[] = [];
  if (event.ctrlKey) mods.push('Ctrl');
  if (event.altKey) mods.push('Alt');
  // Shift is already in a symbol ("?" is Shift+/): count it only for letters, digits and named keys.
  if (event.shiftKey && (part.letterOrDigit || part.key.length > 1)) mods.push('Shift');
  if (event.metaKey) mods.push('Meta');
  return [...mods, part.key].join('+');
}

/** Normalizes what a person typed into the settings ("alt+a", "ctrl + k") or null if it is not a combo. */
export function normalizeCombo(text: string): string | null {
  const parts = text.trim().split(/\s*\+\s*/);
  const keyText = parts.pop() ?? '';
  if (keyText === '') return null;
  const mods = new Set(parts.map((part) => part.toLowerCase()));
  for (const mod of mods) if (!['ctrl', 'control', 'alt', 'option', 'shift', 'meta', 'cmd', 'command'].includes(mod)) return null;
  const key = keyOf(keyText);
  if (!key) return null;
  const out: string[] = [];
  if (mods.has('ctrl') || mods.has('control')) out.push('Ctrl');
  if (mods.has('alt') || mods.has('option')) out.push('Alt');
  if (mods.has('shift') && (/^[A-Z0-9]$/.test(key) || key.length > 1)) out.push('Shift');
  if (mods.has('meta') || mods.has('cmd') || mods.has('command')) out.push('Meta');
  out.push(key);
  return out.join('+');
}

/** A bare printable key would fire while typing a name into a search box. */
export function firesWhileTyping(combo: string): boolean {
  return !/^(Ctrl|Alt|Meta)\+/.test(combo) && !/^(Shift\+)?(F([1-9]|1[0-9]|2[0-4])|Escape)$/.test(combo);
}

export type ShortcutMap = Readonly<Record<ShortcutAction, string>>;

/** The bindings with the user's overrides; an empty string unbinds an action. */
export function resolveShortcuts(overrides: Partial<Record<ShortcutAction, string>> = {}): ShortcutMap {
  const out = { ...DEFAULT_SHORTCUTS };
  for (const action of SHORTCUT_ACTIONS) {
    const value = overrides[action];
    if (value === undefined) continue;
    out[action] = value === '' ? '' : (normalizeCombo(value) ?? DEFAULT_SHORTCUTS[action]);
  }
  return out;
}

/** Combos bound to more than one action. */
export function conflicts(map: ShortcutMap): { combo: string; actions: ShortcutAction[] }[] {
  const byCombo = new Map<string, ShortcutAction[]>();
  for (const action of SHORTCUT_ACTIONS) {
    const combo = map[action];
    if (!combo) continue;
    byCombo.set(combo, [...(byCombo.get(combo) ?? []), action]);
  }
  return [...byCombo.entries()].filter(([, actions]) => actions.length > 1).map(([combo, actions]) => ({ combo, actions }));
}

/**
 * The action a key press means, or null. `typing` is true when focus is in a
 * text field: then only combos with Ctrl/Alt/Meta (or F-keys, Escape) count.
 */
export function actionFor(map: ShortcutMap, event: KeyLike, typing: boolean): ShortcutAction | null {
  const combo = comboOf(event);
  if (!combo) return null;
  if (typing && firesWhileTyping(combo)) return null;
  return SHORTCUT_ACTIONS.find((action) => map[action] === combo) ?? null;
}
