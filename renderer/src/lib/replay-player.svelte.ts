import { parseRecording, RecordingError } from '../../../common/recording.js';
import { createReplay, REPLAY_SPEEDS, type Replay, type ReplaySpeed } from '../../../common/replay.js';
import type { CallModel } from '../../../common/model/index.js';

/**
 * Plays a recording into the console's views: a position, a speed, play and
 * pause. The model at the position comes from common/replay (the live
 * reducer, folded from checkpoints); this only moves the position in time.
 */
export interface ReplayPlayer {
  readonly replay: Replay | null;
  readonly fileName: string;
  /** Ms since the recording began. */
  readonly position: number;
  readonly playing: boolean;
  readonly speed: ReplaySpeed;
  readonly model: CallModel | null;
  /** The recorded clock at the position: what durations are measured against. */
  readonly now: number;
  readonly error: string | null;
  load(file: File): Promise<boolean>;
  play(): void;
  pause(): void;
  seek(position: number): void;
  setSpeed(speed: ReplaySpeed): void;
  close(): void;
}

/** Recordings above this are refused before reading: a browser tab has limits. */
export const MAX_RECORDING_BYTES = 512 * 1024 * 1024;

export function createReplayPlayer(): ReplayPlayer {
  let replay = $state.raw<Replay | null>(null);
  let fileName = $state('');
  let position = $state(0);
  let playing = $state(false);
  let speed = $state<ReplaySpeed>(10);
  let error = $state<string | null>(null);
  const model = $derived(replay ? replay.modelAt(position) : null);
  const now = $derived(replay ? replay.clockAt(position) : 0);

  let frame = 0;
  let last = 0;
  const tick = (time: number): void => {
    if (!playing || !replay) return;
    const elapsed = last === 0 ? 0 : time - last;
    last = time;
    const next = Math.min(replay.duration, position + elapsed * speed);
    position = next;
    if (next >= replay.duration) {
      playing = false;
      return;
    }
    frame = requestAnimationFrame(tick);
  };
  const stopLoop = () => {
    cancelAnimationFrame(frame);
    last = 0;
  };

  return {
    get replay() {
      return replay;
    },
    get fileName() {
      return fileName;
    },
    get position() {
      return position;
    },
    get playing() {
      return playing;
    },
    get speed() {
      return speed;
    },
    get model() {
      return model;
    },
    get now() {
      return now;
    },
    get error() {
      return error;
    },
    async load(file) {
      error = null;
      if (file.size > MAX_RECORDING_BYTES) {
        error = `${file.name} is too large to replay here (over ${MAX_RECORDING_BYTES / 1024 / 1024} MB).`;
        return false;
      }
      try {
        const parsed = parseRecording(await file.text());
        stopLoop();
        playing = false;
        position = 0;
        replay = createReplay(parsed);
        fileName = file.name;
        return true;
      } catch (caught) {
        error = caught instanceof RecordingError ? `${file.name}: ${caught.message}` : `${file.name} could not be read as a recording.`;
        return false;
      }
    },
    play() {
      if (!replay) return;
      if (position >= replay.duration) position = 0;
      playing = true;
      stopLoop();
      frame = requestAnimationFrame(tick);
    },
    pause() {
      playing = false;
      stopLoop();
    },
    seek(next) {
      if (!replay) return;
      position = Math.min(replay.duration, Math.max(0, next));
    },
    setSpeed(next) {
      if (REPLAY_SPEEDS.includes(next)) speed = next;
    },
    close() {
      stopLoop();
      playing = false;
      replay = null;
      fileName = '';
      position = 0;
      error = null;
    },
  };
}
