import { comboOf, keyLabel, keyOf, normalizeCombo } from '../../../common/workflows/shortcuts.js';

/**
 * The console's keyboard: one table that the key handler, the button hints
 * (`keyHint`) and the help overlay (`helpSections`) all read, so they cannot
 * disagree. Keys are spelled as common/workflows/shortcuts spells a combo's
 * key (`keyOf`: "J", "Space", "ArrowDown") and shown through its `keyLabel`,
 * the same as the configurable Alt+… shortcuts. Shortcuts never fire while
 * the receptionist types into a field.
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

interface Entry<A> {
  /** As `keyOf` spells them; the first is the one shown on buttons. */
  readonly keys: readonly string[];
  readonly action: A;
  readonly what: string;
}

const TABLE: readonly Entry<ShortcutAction>[] = [
  { keys: ['ArrowDown', 'J'], action: 'select-next', what: 'Next call' },
  { keys: ['ArrowUp', 'K'], action: 'select-previous', what: 'Previous call' },
  { keys: ['Home'], action: 'select-first', what: 'First call' },
  { keys: ['End'], action: 'select-last', what: 'Last call' },
  { keys: ['A'], action: 'answer', what: 'Answer' },
  { keys: ['H'], action: 'hangup', what: 'Hang up' },
  { keys: ['P', 'Space'], action: 'hold', what: 'Hold / unhold' },
  { keys: ['M'], action: 'mute', what: 'Mute / unmute' },
  { keys: ['R'], action: 'ring', what: 'Ringing tone on / off' },
  { keys: ['S'], action: 'silence', what: 'Silence on / off' },
  { keys: ['D'], action: 'dtmf', what: 'Keypad (DTMF)' },
  { keys: ['L'], action: 'play', what: 'Play a sound' },
  { keys: ['B'], action: 'pickup', what: 'Move the call to a bridge (then ← → and Enter)' },
  { keys: ['N'], action: 'new-bridge', what: 'New mixing bridge' },
  { keys: ['T'], action: 'transfer', what: 'Transfer the call to… (blind or attended)' },
  { keys: ['G'], action: 'park', what: 'Park the call on the first free slot' },
  { keys: ['O'], action: 'dial', what: 'Dial pad (originate a call)' },
  { keys: ['C'], action: 'compare', what: 'Add to / remove from compare' },
  { keys: ['E'], action: 'raw', what: 'Show / hide raw events' },
  { keys: ['/'], action: 'search', what: 'Search calls' },
  { keys: ['?'], action: 'help', what: 'This help' },
  { keys: ['Escape'], action: 'escape', what: 'Close / cancel' },
];

/** While a call is picked up for moving, arrows choose the bridge and Enter drops it. */
const PICKUP_TABLE: readonly Entry<PickupAction>[] = [
  { keys: ['ArrowRight', 'ArrowDown'], action: 'target-next', what: 'Choose the next place (refusals are said before anything is sent)' },
  { keys: ['ArrowLeft', 'ArrowUp'], action: 'target-previous', what: 'Choose the previous place' },
  { keys: ['Enter', 'Space'], action: 'drop', what: 'Drop it there' },
  { keys: ['Escape', 'B'], action: 'cancel', what: 'Put it back' },
];

function lookup<A>(table: readonly Entry<A>[]): (input: KeyInput) => A | null {
  const byKey = new Map<string, A>(table.flatMap((entry) => entry.keys.map((key) => [key, entry.action] as const)));
  return (input) => {
    // Ctrl/Cmd/Alt combinations belong to the browser, the OS and the registered extras.
    if (input.ctrlKey || input.metaKey || input.altKey) return null;
    // By what the key types: '?' is Shift+/ on most layouts, and a shifted letter (Caps Lock) is still its letter.
    const key = keyOf(input.key);
    return key === null ? null : (byKey.get(key) ?? null);
  };
}

export const shortcutFor: (input: KeyInput) => ShortcutAction | null = lookup(TABLE);

export const pickupActionFor: (input: KeyInput) => PickupAction | null = lookup(PICKUP_TABLE);

/** The key a button shows for what it does: the table's first key for that action. */
export function keyHint(action: ShortcutAction): string {
  return HINTS.get(action) ?? '';
}

const HINTS = new Map(TABLE.map((entry) => [entry.action, keyLabel(entry.keys[0] ?? '')] as const));

const helpOf = <A>(table: readonly Entry<A>[]): ShortcutHelp[] => table.map(({ keys, what }) => ({ keys: keys.map(keyLabel), what }));

export const SHORTCUT_HELP: readonly ShortcutHelp[] = helpOf(TABLE);

/** Alt+1…9 picks the n-th panel tab; returns its index, or null. By the physical digit key, as combos read digits. */
export function panelIndexFor(event: KeyInput & { readonly shiftKey: boolean; readonly code?: string }): number | null {
  if (!event.altKey || event.ctrlKey || event.metaKey) return null;
  const digit = /^Digit([1-9])$/.exec(event.code ?? '')?.[1];
  return digit === undefined ? null : Number(digit) - 1;
}

export interface HelpSection {
  readonly title: string;
  readonly items: readonly ShortcutHelp[];
}

/** Everything the help overlay lists, in its order: the console's keys, then the registered extras by group. */
export function helpSections(panelLabels: readonly string[], extras: readonly ExtraShortcut[]): HelpSection[] {
  const groups = [...new Set(extras.map((extra) => extra.group))];
  return [
    { title: 'Calls', items: SHORTCUT_HELP },
    {
      title: 'Bridge board without a mouse',
      items: [{ keys: [keyHint('pickup')], what: 'Pick up the selected call' }, ...helpOf(PICKUP_TABLE)],
    },
    { title: 'Panels', items: panelLabels.slice(0, 9).map((label, index) => ({ keys: [keyLabel(`Alt+${index + 1}`)], what: label })) },
    ...groups.map((group) => ({
      title: group,
      items: extras.filter((extra) => extra.group === group).map((extra) => ({ keys: [keyLabel(extra.combo)], what: extra.what })),
    })),
  ];
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
