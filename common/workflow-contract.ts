import { z } from 'zod';
import { settingsPatchSchema, settingsSchema } from './settings.js';
import type { ParkState } from './workflows/park.js';
import type { TransferState } from './workflows/transfer.js';

/**
 * The receptionist's call workflows on the IPC contract: click-to-dial,
 * transfers, park slots and listen/whisper/barge, and the receptionist's
 * settings they read (common/settings.ts). Kept beside contract.ts
 * (which spreads these tables into its own) so the workflow channels read as
 * one block; main/workflows/ answers them.
 */

// Same rules as contract.ts: these ids end up in ARI URL paths.
const profileId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a profile id');
const channelId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\s/?#%\\]+$/, 'must be an ARI identifier')
  .refine((id) => id !== '.' && id !== '..', 'must be an ARI identifier');
const workflowId = z.string().regex(/^w[a-z0-9]{4,40}$/, 'must be a workflow id');
/** A number ("102", "+44 20 …") dialed through the dial template, or an endpoint ("PJSIP/102", "Local/wait@test"). */
const dialTarget = z.string().trim().min(1, 'enter a number or an endpoint').max(200);
const callerIdText = z.string().max(200);
const timeoutSec = z.number().int().min(5).max(300);

export const SNOOP_MODES = ['listen', 'whisper', 'barge'] as const;
export type SnoopMode = (typeof SNOOP_MODES)[number];

export interface SnoopView {
  readonly id: string;
  readonly mode: SnoopMode;
  /** The call listened to. */
  readonly channelId: string;
  readonly channelLabel: string;
  /** The receptionist's phone that hears it. */
  readonly endpoint: string;
  readonly snoopChannelId: string;
  readonly legId: string;
  readonly bridgeId: string;
  readonly status: 'ringing' | 'active' | 'ended';
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly reason: string | null;
}

/** Everything the renderer shows about one profile's workflows; small, sent whole on each change. */
export interface WorkflowsView {
  readonly profileId: string;
  /** Active transfers and dials first, then the latest finished ones. */
  readonly transfers: readonly TransferState[];
  readonly park: ParkState;
  readonly snoops: readonly SnoopView[];
  /** From the settings, so the UI can say why snoop or "via my phone" is unavailable. */
  readonly snoopEnabled: boolean;
  readonly operatorEndpoint: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
export const workflowsViewSchema = z.custom<WorkflowsView>((value) => isRecord(value) && typeof value['profileId'] === 'string' && Array.isArray(value['transfers']));

const done = z.object({}).strict();
const started = z.object({ workflowId: z.string() }).strict();

export const workflowRequests = {
  'settings.get': { request: z.object({}).strict(), response: settingsSchema },
  /** Any subset; answers the whole new settings. */
  'settings.set': { request: settingsPatchSchema, response: settingsSchema },
  /** Current transfers, park slots and snoops of a profile. */
  'workflows.get': { request: z.object({ profileId }).strict(), response: workflowsViewSchema },
  /**
   * Click-to-dial. `console`: the number rings and, once answered, is a call
   * in the console's list. `phone`: the receptionist's own phone rings first,
   * then the number (needs the operator phone setting).
   */
  'call.dial': {
    request: z
      .object({ profileId, target: dialTarget, via: z.enum(['console', 'phone']), callerId: callerIdText.optional(), timeoutSec: timeoutSec.optional() })
      .strict(),
    response: z.object({ workflowId: z.string().nullable(), channelId: z.string() }).strict(),
  },
  /**
   * Blind or attended transfer of a call the console controls; `pickup` is a
   * blind transfer to the receptionist's own phone (answer it there, or take a
   * parked call), which a later attended transfer finds as the operator's leg.
   */
  'transfer.start': {
    request: z
      .object({
        profileId,
        channelId,
        kind: z.enum(['blind', 'attended', 'pickup']),
        target: dialTarget,
        /** The receptionist's leg in the caller's bridge; found from the operator phone setting when omitted. */
        operatorChannelId: channelId.optional(),
        callerId: callerIdText.optional(),
        timeoutSec: timeoutSec.optional(),
      })
      .strict(),
    response: started,
  },
  'transfer.command': {
    request: z.object({ profileId, workflowId, command: z.enum(['complete', 'swap', 'cancel']) }).strict(),
    response: done,
  },
  'park.park': {
    request: z.object({ profileId, channelId, slot: z.number().int().min(1).max(99_999).optional(), operatorChannelId: channelId.optional() }).strict(),
    response: z.object({ slot: z.number().int() }).strict(),
  },
  /** Out of the slot: into a bridge, or back to the console's list. */
  'park.retrieve': {
    request: z.object({ profileId, slot: z.number().int().min(1).max(99_999), toBridgeId: channelId.optional() }).strict(),
    response: z.object({ channelId: z.string() }).strict(),
  },
  /**
   * Listen, whisper or barge on a call, always through the receptionist's own phone
   * (settings.operatorEndpoint): no endpoint here, so a page cannot send the audio elsewhere.
   */
  'snoop.start': {
    request: z.object({ profileId, channelId, mode: z.enum(SNOOP_MODES) }).strict(),
    response: started,
  },
  'snoop.stop': { request: z.object({ profileId, workflowId }).strict(), response: done },
} as const;

export const workflowEvents = {
  'settings.changed': settingsSchema,
  /** A profile's workflows changed (the whole view, it is small). */
  'workflows.state': workflowsViewSchema,
} as const;
