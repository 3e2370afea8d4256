import { channelIdsOf } from './event-channels.js';
import { applyEvents, createModel, hydrateModel, type CallModel, type ModelEvent } from './model/index.js';
import type { ParsedRecording, RecordedFrame } from './recording.js';

/**
 * A recording as models over time: the model at any moment t (ms since the
 * recording began) is the snapshot with every event up to t folded in by the
 * same reducer the live console runs. Checkpoints every few hundred events
 * keep a jump of the scrubber to a few hundred reducer steps; playing forward
 * folds only the events since the last frame.
 */

export const REPLAY_SPEEDS = [1, 2, 5, 10, 25, 50] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

interface Checkpoint {
  /** Frames folded into `model`: frames[0 .. index). */
  readonly index: number;
  readonly model: CallModel;
}

export interface Replay {
  readonly recording: ParsedRecording;
  /** Ms from the start to the last event (or the recorded end). */
  readonly duration: number;
  /** Wall-clock time of moment t, as the console saw it when recording. */
  clockAt(t: number): number;
  /** How many frames happened at or before t. */
  indexAt(t: number): number;
  modelAt(t: number): CallModel;
  /** The last `limit` events about one channel up to t, newest last. */
  channelEventsAt(channelId: string, t: number, limit?: number): { at: number; event: ModelEvent }[];
}

export interface ReplayOptions {
  /** Events between checkpoints; by default enough for about 200 checkpoints, at least 250. */
  readonly checkpointEvery?: number;
}

export function createReplay(recording: ParsedRecording, options: ReplayOptions = {}): Replay {
  const { frames, header } = recording;
  const every = Math.max(1, options.checkpointEvery ?? Math.max(250, Math.ceil(frames.length / 200)));
  const start = recording.snapshot ? hydrateModel(recording.snapshot) : createModel({ app: header.app });
  const clockAt = (t: number) => header.startedAt + t;
  const lastT = frames.length > 0 ? frames[frames.length - 1]!.t : 0;
  const duration = Math.max(lastT, 0);

  const fold = (model: CallModel, from: number, to: number): CallModel => {
    if (to <= from) return model;
    const slice = frames.slice(from, to);
    return applyEvents(
      model,
      slice.map((frame) => frame.event),
      clockAt(slice[slice.length - 1]!.t),
    );
  };

  // Built once, up front: a scrubber jump then costs at most `every` events.
  const checkpoints: Checkpoint[] = [{ index: 0, model: start }];
  for (let index = every; index <= frames.length; index += every) {
    const previous = checkpoints[checkpoints.length - 1]!;
    checkpoints.push({ index, model: fold(previous.model, previous.index, index) });
  }

  const indexAt = (t: number): number => upperBound(frames, t);
  let cursor: Checkpoint = checkpoints[0]!;

  return {
    recording,
    duration,
    clockAt,
    indexAt,
    modelAt(t) {
      const target = indexAt(t);
      // Playing forward: continue from where the last call left off.
      if (cursor.index <= target && target - cursor.index <= every) {
        cursor = { index: target, model: fold(cursor.model, cursor.index, target) };
        return cursor.model;
      }
      const checkpoint = checkpoints[Math.min(checkpoints.length - 1, Math.floor(target / every))]!;
      cursor = { index: target, model: fold(checkpoint.model, checkpoint.index, target) };
      return cursor.model;
    },
    channelEventsAt(channelId, t, limit = 200) {
      const found: { at: number; event: ModelEvent }[] = [];
      for (let index = indexAt(t) - 1; index >= 0 && found.length < limit; index -= 1) {
        const frame = frames[index]!;
        if (channelIdsOf(frame.event).includes(channelId)) found.push({ at: clockAt(frame.t), event: frame.event });
      }
      return found.reverse();
    },
  };
}

/** The number of frames with t ≤ `t` (binary search; frames are sorted). */
function upperBound(frames: readonly RecordedFrame[], t: number): number {
  let low = 0;
  let high = frames.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (frames[mid]!.t <= t) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** "0:42 / 3:10" style position text for the player. */
export function formatReplayTime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}
