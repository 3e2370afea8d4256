import { comboOf, normalizeCombo } from '../../../common/workflows/shortcuts.js';

/**
 * The console's keyboard: one table that the key handler, the button hints
 * and the help overlay all read, so they cannot disagree. Shortcuts never
 * fire while the receptionist types into a field.
 *
 * Other parts of the console add theirs with `registerShortcut` (a combo
 * such as "Alt+T", in common/workflows/shortcuts' format): the key handler
 * tries those first, and the help overlay lists them under their group.
 */

export type ShortcutAction =
  | 'select-next'
  | 'select-previous'
  | 'select-first'
  | 'select-last'
  | 'answer'
  | 'hangup'
  | 'hold'
  | 'mute'
  | 'ring'
  | 'silence'
  | 'dtmf'
  | 'play'
  | 'pickup'
  | 'compare'
  | 'raw'
  | 'new-bridge'
  | 'transfer'
  | 'park'
  | 'dial'
  | 'search'
  | 'help'
  | 'escape';

export type PickupAction = 'target-next' | 'target-previous' | 'drop' | 'cancel';

export interface KeyInput {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
}

export interface ShortcutHelp {
  readonly keys: readonly string[];
  readonly what: string;
}

const TABLE: readonly { readonly keys: readonly string[]; readonly action: ShortcutAction; readonly what: string }[] = [
  { keys: ['ArrowDown', 'j'], action: 'select-next', what: 'Next call' },
  { keys: ['ArrowUp', 'k'], action: 'select-previous', what: 'Previous call' },
  { keys: ['Home'], action: 'select-first', what: 'First call' },
  { keys: ['End'], action: 'select-last', what: 'Last call' },
  { keys: ['a'], action: 'answer', what: 'Answer' },
  { keys: ['h'], action: 'hangup', what: 'Hang up' },
  { keys: ['p', ' '], action: 'hold', what: 'Hold / unhold' },
  { keys: ['m'], action: 'mute', what: 'Mute / unmute' },
  { keys: ['r'], action: 'ring', what: 'Ringing tone on / off' },
  { keys: ['s'], action: 'silence', what: 'Silence on / off' },
  { keys: ['d'], action: 'dtmf', what: 'Keypad (DTMF)' },
  { keys: ['l'], action: 'play', what: 'Play a sound' },
  { keys: ['b'], action: 'pickup', what: 'Move the call to a bridge (then ← → and Enter)' },
  { keys: ['n'], action: 'new-bridge', what: 'New mixing bridge' },
  { keys: ['t'], action: 'transfer', what: 'Transfer the call to… (blind or attended)' },
  { keys: ['g'], action: 'park', what: 'Park the call on the first free slot' },
  { keys: ['o'], action: 'dial', what: 'Dial pad (originate a call)' },
  { keys: ['c'], action: 'compare', what: 'Add to / remove from compare' },
  { keys: ['e'], action: 'raw', what: 'Show / hide raw events' },
  { keys: ['/'], action: 'search', what: 'Search calls' },
  { keys: ['?'], action: 'help', what: 'This help' },
  { keys: ['Escape'], action: 'escape', what: 'Close / cancel' },
];

const BY_KEY = new Map<string, ShortcutAction>(TABLE.flatMap((entry) => entry.keys.map((key) => [key, entry.action] as const)));

export function shortcutFor(input: KeyInput): ShortcutAction | null {
  // Ctrl/Cmd/Alt combinations belong to the browser and the OS.
  if (input.ctrlKey || input.metaKey || input.altKey) return null;
  const key = input.key.length === 1 ? input.key.toLowerCase() : input.key;
  // '?' is Shift+/ on most layouts; the shifted letter keys stay free.
  if (input.key === '?') return 'help';
  return BY_KEY.get(key) ?? null;
}

/** While a call is picked up for moving, arrows choose the bridge and Enter drops it. */
export function pickupActionFor(input: KeyInput): PickupAction | null {
  if (input.ctrlKey || input.metaKey || input.altKey) return null;
  switch (input.key) {
    case 'ArrowRight':
    case 'ArrowDown':
      return 'target-next';
    case 'ArrowLeft':
    case 'ArrowUp':
      return 'target-previous';
    case 'Enter':
    case ' ':
      return 'drop';
    case 'Escape':
    case 'b':
    case 'B':
      return 'cancel';
    default:
      return null;
  }
}

export const SHORTCUT_HELP: readonly ShortcutHelp[] = TABLE.map(({ keys, what }) => ({ keys: keys.map(keyName), what }));

export function keyName(key: string): string {
  switch (key) {
    case ' ':
      return 'Space';
    case 'ArrowDown':
      return '↓';
    case 'ArrowUp':
      return '↑';
    case 'Escape':
      return 'Esc';
    default:
      return key.length === 1 ? key.toUpperCase() : key;
  }
}

export interface ExtraShortcut {
  /** "Alt+T", "Ctrl+K", "?"… as common/workflows/shortcuts normalizes it. */
  readonly combo: string;
  readonly what: string;
  /** The heading it is listed under in the help overlay. */
  readonly group: string;
  run(): void;
}

const extras = new Map<string, ExtraShortcut>();
let extrasVersion = 0;
const listeners = new Set<() => void>();

/** Adds a shortcut; returns its removal. A combo registered twice keeps the later one. */
export function registerShortcut(shortcut: ExtraShortcut): () => void {
  const combo = normalizeCombo(shortcut.combo) ?? shortcut.combo;
  const entry = { ...shortcut, combo };
  extras.set(combo, entry);
  extrasVersion += 1;
  for (const listener of listeners) listener();
  return () => {
    if (extras.get(combo) !== entry) return;
    extras.delete(combo);
    extrasVersion += 1;
    for (const listener of listeners) listener();
  };
}

export function extraShortcuts(): readonly ExtraShortcut[] {
  return [...extras.values()];
}

/** For views that list the shortcuts: called whenever the extras change. */
export function onShortcutsChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function shortcutsVersion(): number {
  return extrasVersion;
}

/** The registered shortcut a key press matches, if any. */
export function extraFor(event: KeyInput & { readonly shiftKey: boolean; readonly code?: string }): ExtraShortcut | null {
  if (extras.size === 0) return null;
  const combo = comboOf(event);
  return combo === null ? null : (extras.get(combo) ?? null);
}
