import { z } from 'zod';
import { DEFAULT_PARK_CONFIG } from './workflows/park.js';
import { DEFAULT_SHORTCUTS, SHORTCUT_ACTIONS, normalizeCombo, type ShortcutAction } from './workflows/shortcuts.js';

/**
 * The receptionist's settings, one set per installation (main/settings.ts
 * keeps them in settings.json). Every field has a default so an old or
 * partial file still loads.
 */

export const ENDPOINT_PATTERN = /^[A-Za-z][A-Za-z0-9]*\/[^\s]{1,200}$/;

const endpoint = z.string().regex(ENDPOINT_PATTERN, 'must be an endpoint such as PJSIP/104');
const combo = z
  .string()
  .max(40)
  .refine((value) => value === '' || normalizeCombo(value) !== null, 'must be a key combination such as Alt+A');

export const shortcutsSchema = z.object(
  Object.fromEntries(SHORTCUT_ACTIONS.map((action) => [action, combo.optional()])) as Record<ShortcutAction, z.ZodOptional<typeof combo>>,
).strict();

export const parkSettingsSchema = z
  .object({
    firstSlot: z.number().int().min(1).max(99_990),
    slotCount: z.number().int().min(1).max(50),
    timeoutSec: z.number().int().min(5).max(3600),
  })
  .strict();

export const settingsSchema = z
  .object({
    /** Listen / whisper / barge on calls (ARI snoop). Off by default: it is eavesdropping. */
    snoopEnabled: z.boolean(),
    /**
     * The receptionist's own phone. With it, "answer" rings it and connects the
     * caller, click-to-dial rings it first, listen/whisper/barge reach it, and a
     * parked call that times out rings back to it. Null: the console controls
     * calls without an audio path of its own.
     */
    operatorEndpoint: endpoint.nullable(),
    /** How a typed number becomes an endpoint: `{number}` is replaced. */
    dialTemplate: z
      .string()
      .max(200)
      .refine((value) => value.includes('{number}') && ENDPOINT_PATTERN.test(value.replace('{number}', '1')), 'must be an endpoint with {number} in it, e.g. PJSIP/{number}'),
    /** Caller id shown on the phones the console rings, e.g. `"Reception" <100>`. Empty: the caller's own. */
    operatorCallerId: z.string().max(200),
    /** How long a transfer target may ring. */
    transferTimeoutSec: z.number().int().min(5).max(300),
    park: parkSettingsSchema,
    shortcuts: shortcutsSchema,
    /** Desktop notifications for incoming calls. */
    notifications: z.boolean(),
    /** Desktop app: start hidden in the tray. */
    startMinimized: z.boolean(),
    /** The first-run wizard was completed (or dismissed). */
    firstRunDone: z.boolean(),
    /** Call history keeps at most this many calls, the oldest go first. */
    historyMaxCalls: z.number().int().min(1000).max(1_000_000),
    /** Call history forgets calls that started more than this many days ago; 0 keeps them however old. */
    historyMaxDays: z.number().int().min(0).max(3650),
  })
  .strict();

export type Settings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  snoopEnabled: false,
  operatorEndpoint: null,
  dialTemplate: 'PJSIP/{number}',
  operatorCallerId: '',
  transferTimeoutSec: 30,
  park: { firstSlot: DEFAULT_PARK_CONFIG.firstSlot, slotCount: DEFAULT_PARK_CONFIG.slotCount, timeoutSec: DEFAULT_PARK_CONFIG.timeoutSec },
  shortcuts: { ...DEFAULT_SHORTCUTS },
  notifications: true,
  startMinimized: false,
  firstRunDone: false,
  historyMaxCalls: 100_000,
  historyMaxDays: 365,
};

/** What `settings.set` accepts: any subset; nested objects replace their defaults field by field. */
export const settingsPatchSchema = settingsSchema
  .extend({ park: parkSettingsSchema.partial().strict(), shortcuts: shortcutsSchema })
  .partial()
  .strict();

export type SettingsPatch = z.output<typeof settingsPatchSchema>;

export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  const { park, shortcuts, ...rest } = patch;
  const flat = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  const next: Settings = {
    ...current,
    ...flat,
    park: { ...current.park, ...Object.fromEntries(Object.entries(park ?? {}).filter(([, value]) => value !== undefined)) },
    shortcuts: { ...current.shortcuts, ...Object.fromEntries(Object.entries(shortcuts ?? {}).filter(([, value]) => value !== undefined)) },
  };
  return settingsSchema.parse(next);
}

/** A settings file as found on disk: anything unreadable falls back to its default, field by field. */
export function settingsFromUnknown(value: unknown): Settings {
  if (typeof value !== 'object' || value === null) return DEFAULT_SETTINGS;
  let settings = DEFAULT_SETTINGS;
  for (const [key, field] of Object.entries(value)) {
    const single = settingsPatchSchema.safeParse({ [key]: field });
    if (single.success) {
      try {
        settings = applySettingsPatch(settings, single.data);
      } catch {
        // A value valid alone but not with the rest: keep the default.
      }
    }
  }
  return settings;
}

/**
 * The top-level fields of a settings file that this version does not know
 * (written by a newer one, say). They are never part of `Settings`, so nothing
 * validated ever sees them; the store only writes them back as found, so a
 * newer version's settings survive a change made here.
 */
export function unknownSettingsFields(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const known = settingsSchema.shape;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !Object.hasOwn(known, key)));
}

/** The endpoint a typed number or name dials: "PJSIP/101" as is, "101" through the template. */
export function endpointFor(target: string, template: string): string | null {
  const trimmed = target.trim();
  if (ENDPOINT_PATTERN.test(trimmed)) return trimmed;
  const number = trimmed.replace(/[\s().-]/g, '');
  if (!/^\+?[0-9A-Za-z*#_]{1,64}$/.test(number)) return null;
  return template.replace('{number}', number);
}
