import { z } from 'zod';
import type { ModelEvent, SerializedModel } from './model/types.js';

/**
 * Session recordings: the engine's event stream written as JSON lines, for
 * training, support and bug reports, and replayed into the same views.
 *
 *   {"format":"ari-console-recording","version":1,"startedAt":…,"profile":…,"app":…,"pbx":…}
 *   {"t":0,"snapshot":{…the call model when recording began…}}
 *   {"t":12.5,"e":{…one ARI event, or one of the console's own…}}
 *   {"t":93012,"end":"Stopped by the operator"}
 *
 * `t` is milliseconds since `startedAt` on the console's clock. The header
 * names the profile, never its address or credentials. Lines of the form
 * {"t","e"} without a header (the benchmark fixtures) replay as well.
 */

export const RECORDING_FORMAT = 'ari-console-recording';
export const RECORDING_VERSION = 1;

export const recordingHeaderSchema = z.object({
  format: z.literal(RECORDING_FORMAT),
  version: z.number().int().min(1),
  startedAt: z.number(),
  profile: z.string(),
  app: z.string(),
  pbx: z.object({ version: z.string(), systemName: z.string() }).nullable(),
  console: z.string().optional(),
});
export type RecordingHeader = z.output<typeof recordingHeaderSchema>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What the console tells the page about a profile's recording: a file name, never a path. */
export const recordingStatusSchema = z
  .object({
    profileId: z.string(),
    recording: z.boolean(),
    /** Base name inside the console's recordings folder; null before the first recording. */
    file: z.string().nullable(),
    bytes: z.number(),
    events: z.number(),
    startedAt: z.number().nullable(),
    /** Why the last recording stopped, when it was not the operator (size cap, engine gone, disk error). */
    stoppedBecause: z.string().nullable(),
  })
  .strict();
export type RecordingStatus = z.output<typeof recordingStatusSchema>;

/** One raw event of a channel, as main kept it: when it arrived and what it said. */
export const rawEventEntrySchema = z
  .object({
    at: z.number(),
    event: z.custom<ModelEvent>((value) => isRecord(value) && typeof value['type'] === 'string'),
  })
  .strict();
export type RawEventEntry = z.output<typeof rawEventEntrySchema>;

export interface RecordedFrame {
  readonly t: number;
  readonly event: ModelEvent;
}

export interface ParsedRecording {
  readonly header: RecordingHeader;
  /** True when the file had a header; false for bare {"t","e"} lines. */
  readonly hasHeader: boolean;
  readonly snapshot: SerializedModel | null;
  /** Sorted by t. */
  readonly frames: readonly RecordedFrame[];
  readonly endReason: string | null;
  /** Lines that were not understood and were skipped. */
  readonly skipped: number;
}

export class RecordingError extends Error {
  override readonly name = 'RecordingError';
}

function isSnapshot(value: unknown): value is SerializedModel {
  return isRecord(value) && Array.isArray(value['channels']) && Array.isArray(value['ended']) && Array.isArray(value['bridges']) && isRecord(value['config']);
}

/** Parses a recording's text; throws RecordingError with a plain sentence when it is not one. */
export function parseRecording(text: string, options: { readonly maxFrames?: number } = {}): ParsedRecording {
  const maxFrames = options.maxFrames ?? 2_000_000;
  const lines = text.split('\n');
  let header: RecordingHeader | null = null;
  let snapshot: SerializedModel | null = null;
  let endReason: string | null = null;
  let skipped = 0;
  let first = true;
  const frames: RecordedFrame[] = [];

  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (first) throw new RecordingError('This file is not a console recording (its first line is not JSON).');
      skipped += 1;
      continue;
    }
    if (first) {
      first = false;
      if (isRecord(value) && value['format'] !== undefined) {
        const parsed = recordingHeaderSchema.safeParse(value);
        if (!parsed.success) throw new RecordingError('This file is not a console recording (its header is not one).');
        if (parsed.data.version > RECORDING_VERSION) {
          throw new RecordingError(`This recording was made by a newer console (format version ${parsed.data.version}); update the console to replay it.`);
        }
        header = parsed.data;
        continue;
      }
    }
    if (!isRecord(value) || typeof value['t'] !== 'number' || !Number.isFinite(value['t'])) {
      skipped += 1;
      continue;
    }
    const t = Math.max(0, value['t']);
    if ('snapshot' in value) {
      if (isSnapshot(value['snapshot'])) snapshot = value['snapshot'];
      else skipped += 1;
    } else if ('end' in value) {
      endReason = typeof value['end'] === 'string' ? value['end'] : 'Recording ended';
    } else if (isRecord(value['e']) && typeof value['e']['type'] === 'string') {
      if (frames.length >= maxFrames) throw new RecordingError(`This recording has more than ${maxFrames.toLocaleString('en')} events; it is too large to replay here.`);
      frames.push({ t, event: value['e'] as unknown as ModelEvent });
    } else {
      skipped += 1;
    }
  }
  if (first) throw new RecordingError('This file is empty.');
  if (!header && frames.length === 0) throw new RecordingError('This file is not a console recording (no events in it).');
  // Recorded in arrival order; a hand-edited or concatenated file may not be.
  const sorted = frames.every((frame, index) => index === 0 || frames[index - 1]!.t <= frame.t) ? frames : [...frames].sort((a, b) => a.t - b.t);
  return {
    header: header ?? bareHeader(sorted),
    hasHeader: header !== null,
    snapshot,
    frames: sorted,
    endReason,
    skipped,
  };
}

/** Bare lines carry no header: date them by the first ARI timestamp and take the app from the events. */
function bareHeader(frames: readonly RecordedFrame[]): RecordingHeader {
  let startedAt = 0;
  let app = 'console';
  for (const { t, event } of frames) {
    const stamp = (event as { timestamp?: unknown }).timestamp;
    if (typeof stamp === 'string' && !Number.isNaN(Date.parse(stamp))) {
      startedAt = Date.parse(stamp) - t;
      const application = (event as { application?: unknown }).application;
      if (typeof application === 'string') app = application;
      break;
    }
  }
  return { format: RECORDING_FORMAT, version: RECORDING_VERSION, startedAt, profile: 'Unknown profile', app, pbx: null };
}

/** A line of the recording file, as main writes it. */
export function recordingLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
