import { z } from 'zod';
import { ERROR_CODES, type ConsoleErrorShape } from './errors.js';
import type { ModelEvent, SerializedModel } from './model/types.js';
import type { SupervisorState } from './supervisor.js';
import { updateStatusSchema } from './update.js';
import { rawEventEntrySchema, recordingStatusSchema } from './recording.js';
import { workflowEvents, workflowRequests } from './workflow-contract.js';
import { historyExportPageSchema, historyExportRequestSchema, historyPageSchema, historyQuerySchema } from './history/types.js';
import { contactInputSchema, contactSchema } from './phonebook/types.js';
import { connectionTestSchema } from './connection-help.js';

/**
 * Every IPC channel of the console, declared once: its name, the schema of
 * what the renderer may send, and the schema of what main answers. Main
 * parses every payload against these before acting; the preload refuses
 * channel names not listed here; the browser host carries the same table.
 */

// Identifiers end up in ARI URL paths: no separators, no query characters.
const ariId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s/?#%\\]+$/, 'must be an ARI identifier')
  // Dot segments would be resolved away by URL normalization: /channels/../answer.
  .refine((id) => id !== '.' && id !== '..', 'must be an ARI identifier');
const profileId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a profile id');
const target = z.object({ profileId, channelId: ariId }).strict();

export const HANGUP_REASONS = [
  'normal',
  'busy',
  'congestion',
  'no_answer',
  'timeout',
  'rejected',
  'unallocated',
  'normal_unspecified',
  'number_incomplete',
  'codec_mismatch',
  'interworking',
  'failure',
  'answered_elsewhere',
] as const;

// Read by main as a trust anchor only; absolute so it cannot depend on main's working directory.
const caFilePath = z
  .string()
  .min(2)
  .max(4096)
  .regex(/^(\/|[A-Za-z]:[\\/])[^\0]*$/, 'must be the absolute path of a PEM file');

/**
 * Bounds of the reconnect backoff's cap, per profile (`reconnectMaxMs`) and per
 * process (ARI_RECONNECT_MAX_MS): at least 0.1 s, so a console cannot hammer a
 * PBX, and at most 10 min, so it never looks dead to the receptionist.
 */
export const RECONNECT_MAX_MS = { min: 100, max: 600_000 } as const;

export const profileInputSchema = z
  .object({
    id: profileId.optional(),
    name: z.string().trim().min(1).max(100),
    baseUrl: z
      .string()
      .max(2048)
      .refine((value) => {
        try {
          const url = new URL(value);
          return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
        } catch {
          return false;
        }
      }, 'must be an http:// or https:// URL without credentials in it'),
    username: z.string().min(1).max(256),
    /** Omitted when editing a profile: the stored password is kept. */
    password: z.string().min(1).max(1024).optional(),
    app: z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/, 'must be a Stasis application name'),
    subscribeAll: z.boolean(),
    /** A PEM file of the CA that signed the PBX's certificate, for https:// with a private CA. */
    caFile: caFilePath.optional(),
    /** This profile's longest wait between reconnect attempts; omitted: the process default (ARI_RECONNECT_MAX_MS, else 1 s). */
    reconnectMaxMs: z
      .number()
      .int('must be a whole number of milliseconds')
      .min(RECONNECT_MAX_MS.min, `must be at least ${RECONNECT_MAX_MS.min} ms`)
      .max(RECONNECT_MAX_MS.max, `must be at most ${RECONNECT_MAX_MS.max} ms (10 minutes)`)
      .optional(),
    /**
     * The user's answer where the OS keychain cannot encrypt the password:
     * true keeps it in the profiles file unencrypted, false in memory for this
     * run only. Without an answer such a save is refused with
     * `keychain_unavailable`, saying why, so the UI asks then and saves again.
     * Ignored where the keychain works.
     */
    allowPlaintext: z.boolean().optional(),
  })
  .strict();

/** Where a profile's password is kept; null when none is. */
export const PASSWORD_VAULTS = ['os-keychain', 'plaintext', 'memory-only'] as const;

export const profileSummarySchema = z
  .object({
    id: profileId,
    name: z.string(),
    baseUrl: z.string(),
    username: z.string(),
    app: z.string(),
    subscribeAll: z.boolean(),
    caFile: z.string().nullable(),
    /** Null: the process default. */
    reconnectMaxMs: z.number().nullable(),
    hasPassword: z.boolean(),
    vault: z.enum(PASSWORD_VAULTS).nullable(),
    builtIn: z.boolean(),
  })
  .strict();

export const pbxInfoSchema = z.object({ version: z.string(), entityId: z.string(), systemName: z.string() }).strict();

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export const supervisorStateSchema = z.custom<SupervisorState>((value) => isRecord(value) && typeof value['status'] === 'string');

export const engineStatusSchema = z
  .object({
    profileId,
    profileName: z.string(),
    supervisor: supervisorStateSchema,
    pbx: pbxInfoSchema.nullable(),
    /** Malformed or unknown frames the engine skipped since it started. */
    skippedFrames: z.number(),
  })
  .strict();

export const modelSnapshotSchema = z
  .object({
    profileId,
    seq: z.number().int(),
    model: z.custom<SerializedModel>((value) => isRecord(value) && Array.isArray(value['channels'])),
  })
  .strict();

export const eventBatchSchema = z
  .object({
    profileId,
    /** Batches are numbered per engine; a snapshot says which batch it includes. */
    seq: z.number().int(),
    events: z.array(z.custom<ModelEvent>((value) => isRecord(value) && typeof value['type'] === 'string')),
  })
  .strict();

const done = z.object({}).strict();
const nothing = z.object({}).strict();

export const requests = {
  'profiles.list': { request: nothing, response: z.array(profileSummarySchema) },
  'profiles.save': { request: profileInputSchema, response: profileSummarySchema },
  'profiles.remove': { request: z.object({ profileId }).strict(), response: done },
  /** What went wrong reading the saved profiles at start (file kept aside), in plain words; empty when nothing did. */
  'profiles.problems': { request: nothing, response: z.array(z.string()) },
  'engine.connect': { request: z.object({ profileId }).strict(), response: engineStatusSchema },
  'engine.disconnect': { request: z.object({ profileId }).strict(), response: engineStatusSchema },
  'engine.statuses': { request: nothing, response: z.array(engineStatusSchema) },
  'model.snapshot': { request: z.object({ profileId }).strict(), response: modelSnapshotSchema },

  'call.answer': { request: target, response: done },
  'call.hangup': { request: target.extend({ reason: z.enum(HANGUP_REASONS).optional() }).strict(), response: done },
  'call.ring': { request: target, response: done },
  'call.ringStop': { request: target, response: done },
  'call.hold': { request: target, response: done },
  'call.unhold': { request: target, response: done },
  'call.mute': { request: target.extend({ direction: z.enum(['in', 'out', 'both']) }).strict(), response: done },
  'call.unmute': { request: target.extend({ direction: z.enum(['in', 'out', 'both']) }).strict(), response: done },
  'call.sendDtmf': {
    request: target
      .extend({
        dtmf: z.string().regex(/^[0-9A-Da-d*#,]{1,64}$/, 'must be DTMF digits 0-9, A-D, *, # or , (pause)'),
        between: z.number().int().min(0).max(10_000).optional(),
        duration: z.number().int().min(20).max(10_000).optional(),
      })
      .strict(),
    response: done,
  },
  'call.startSilence': { request: target, response: done },
  'call.stopSilence': { request: target, response: done },
  'call.play': {
    request: target
      .extend({
        media: z.string().regex(/^(sound|recording|number|digits|characters|tone):[^\s]{1,512}$/, 'must be a media URI such as sound:hello-world'),
      })
      .strict(),
    response: z.object({ playbackId: z.string() }).strict(),
  },
  'call.originate': {
    request: z
      .object({
        profileId,
        endpoint: z.string().regex(/^[A-Za-z][A-Za-z0-9]*\/[^\s]{1,200}$/, 'must be an endpoint such as PJSIP/101'),
        extension: z.string().min(1).max(80).optional(),
        context: z.string().min(1).max(80).optional(),
        priority: z.number().int().min(1).max(100_000).optional(),
        app: z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/).optional(),
        appArgs: z.string().max(1024).optional(),
        callerId: z.string().max(200).optional(),
        timeout: z.number().int().min(1).max(600).optional(),
      })
      .strict()
      .refine((value) => (value.app === undefined) !== (value.extension === undefined), {
        message: 'give either an extension (with an optional context) or an app, not both',
      }),
    response: z.object({ channelId: z.string() }).strict(),
  },
  'call.continue': {
    request: target
      .extend({
        context: z.string().min(1).max(80).optional(),
        extension: z.string().min(1).max(80).optional(),
        priority: z.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    response: done,
  },
  'bridge.create': {
    request: z.object({ profileId, type: z.enum(['mixing', 'holding']), name: z.string().trim().min(1).max(100).optional() }).strict(),
    response: z.object({ bridgeId: z.string() }).strict(),
  },
  'bridge.destroy': { request: z.object({ profileId, bridgeId: ariId }).strict(), response: done },
  'bridge.addChannel': { request: z.object({ profileId, bridgeId: ariId, channelId: ariId }).strict(), response: done },
  'bridge.removeChannel': { request: z.object({ profileId, bridgeId: ariId, channelId: ariId }).strict(), response: done },

  // Automatic updates (common/update.ts). The browser host answers these too,
  // with a `disabled` state: only the desktop app updates itself.
  'update.get': { request: nothing, response: updateStatusSchema },
  'update.setEnabled': { request: z.object({ enabled: z.boolean() }).strict(), response: updateStatusSchema },
  /** Quits and installs when an update is ready; otherwise answers the status unchanged. */
  'update.restartNow': { request: nothing, response: updateStatusSchema },

  // The console's views (timelines, raw events, session recording; common/recording.ts).
  /** The last raw events main kept for one channel (bounded), oldest first. */
  'channel.rawEvents': { request: target, response: z.array(rawEventEntrySchema) },
  /** Starts writing the profile's event stream to a file in the console's recordings folder. */
  'recording.start': { request: z.object({ profileId }).strict(), response: recordingStatusSchema },
  'recording.stop': { request: z.object({ profileId }).strict(), response: recordingStatusSchema },
  'recording.status': { request: z.object({ profileId }).strict(), response: recordingStatusSchema },

  // People, history and the first-run wizard (issue 7; main/history, main/phonebook, main/connection-test.ts).
  /** Tries a profile (saved or not) step by step without keeping it; each failed step says which setting to check. */
  'profiles.test': { request: profileInputSchema, response: connectionTestSchema },
  /** Finished calls, newest first, one page; `total` counts every match. */
  'history.query': { request: historyQuerySchema, response: historyPageSchema },
  /** The matching calls as CSV, one page at a time (common/history/types.ts: header first, then `next` until null). */
  'history.export': { request: historyExportRequestSchema, response: historyExportPageSchema },
  'phonebook.search': {
    request: z.object({ text: z.string().max(200), limit: z.number().int().min(1).max(500).optional() }).strict(),
    response: z.object({ total: z.number(), items: z.array(contactSchema) }).strict(),
  },
  'phonebook.save': { request: contactInputSchema, response: contactSchema },
  'phonebook.remove': { request: z.object({ id: z.string().regex(/^[a-z0-9-]{1,64}$/) }).strict(), response: done },
  /**
   * Contacts the page parsed from a CSV or vCard file (common/phonebook), sent
   * in batches: a request stays far below the browser host's frame limit.
   */
  'phonebook.import': {
    request: z.object({ contacts: z.array(contactInputSchema).min(1).max(1000) }).strict(),
    response: z.object({ added: z.number(), updated: z.number(), skipped: z.number(), problems: z.array(z.string()) }).strict(),
  },
  /** Who a number belongs to in the phonebook; null when nobody. */
  'phonebook.lookup': {
    request: z.object({ number: z.string().min(1).max(64) }).strict(),
    response: z.object({ contact: contactSchema, number: z.string(), label: z.string() }).strict().nullable(),
  },

  // Receptionist call workflows: dial, transfer, park, snoop, settings (common/workflow-contract.ts, main/workflows/).
  ...workflowRequests,
} as const;

export const events = {
  'engine.status': engineStatusSchema,
  'engine.events': eventBatchSchema,
  'update.status': updateStatusSchema,
  /** A recording started or stopped (also by itself: size limit, disk error, engine gone). */
  'recording.status': recordingStatusSchema,
  /** Calls were added to the history (the page re-runs its query). */
  'history.added': z.object({ count: z.number(), total: z.number() }).strict(),
  /** Desktop app: the receptionist clicked a call's notification; the page selects that call. */
  'console.focusCall': target,
  ...workflowEvents,
} as const;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestOf<C extends RequestChannel> = z.input<(typeof requests)[C]['request']>;
export type ParsedRequestOf<C extends RequestChannel> = z.output<(typeof requests)[C]['request']>;
export type ResponseOf<C extends RequestChannel> = z.output<(typeof requests)[C]['response']>;
export type EventOf<C extends EventChannel> = z.output<(typeof events)[C]>;

export type ProfileInput = z.output<typeof profileInputSchema>;
export type ProfileSummary = z.output<typeof profileSummarySchema>;
export type PbxInfo = z.output<typeof pbxInfoSchema>;
export type EngineStatus = z.output<typeof engineStatusSchema>;
export type ModelSnapshot = z.output<typeof modelSnapshotSchema>;
export type EventBatch = z.output<typeof eventBatchSchema>;

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ConsoleErrorShape };

export const REQUEST_CHANNELS = Object.keys(requests) as RequestChannel[];
export const EVENT_CHANNELS = Object.keys(events) as EventChannel[];

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.hasOwn(requests, value);
}

export function isEventChannel(value: unknown): value is EventChannel {
  return typeof value === 'string' && Object.hasOwn(events, value);
}

export const resultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }).strict(),
  z.object({ ok: z.literal(false), error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }).strict() }).strict(),
]);

/** Words for a schema failure: which field, what is wrong, no echo of the value. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'payload'}: ${issue.message}`)
    .join('; ');
}
