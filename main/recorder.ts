import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventBatch, PbxInfo } from '../common/contract.js';
import { ConsoleError } from '../common/errors.js';
import type { SerializedModel } from '../common/model/index.js';
import { RECORDING_FORMAT, RECORDING_VERSION, recordingLine, type RecordingHeader, type RecordingStatus } from '../common/recording.js';
import { redact, silentLogger, type Logger } from './log.js';

/**
 * Writes a profile's event stream to a JSON lines file (format in
 * common/recording.ts) while the operator records. One recording per profile
 * at a time, in one folder; the page learns file names and sizes, never a
 * path. Every line passes through the log redactor on its way to disk, and
 * the header names the profile, not its address or login.
 */
export interface RecorderOptions {
  /** Where recordings go; null: recording is not available in this console. */
  readonly dir: string | null;
  readonly onStatus?: (status: RecordingStatus) => void;
  /** A recording stops by itself past this many bytes. */
  readonly maxBytes?: number;
  readonly now?: () => number;
  readonly log?: Logger;
  readonly consoleVersion?: string;
}

export interface RecordingSource {
  readonly profileName: string;
  readonly app: string;
  readonly pbx: PbxInfo | null;
  /**
   * The model the recording starts from, taken the moment recording begins:
   * every batch before it is inside it, every batch after it is recorded.
   */
  readonly snapshot: () => SerializedModel;
}

interface Active {
  readonly stream: WriteStream;
  readonly file: string;
  readonly startedAt: number;
  bytes: number;
  events: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'profile'
  );
}

function stamp(at: number): string {
  return new Date(at).toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
}

export class SessionRecorder {
  private readonly active = new Map<string, Active>();
  private readonly last = new Map<string, RecordingStatus>();
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: RecorderOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? silentLogger;
  }

  status(profileId: string): RecordingStatus {
    const active = this.active.get(profileId);
    if (active) {
      return { profileId, recording: true, file: active.file, bytes: active.bytes, events: active.events, startedAt: active.startedAt, stoppedBecause: null };
    }
    return this.last.get(profileId) ?? { profileId, recording: false, file: null, bytes: 0, events: 0, startedAt: null, stoppedBecause: null };
  }

  isRecording(profileId: string): boolean {
    return this.active.has(profileId);
  }

  async start(profileId: string, source: RecordingSource): Promise<RecordingStatus> {
    const dir = this.options.dir;
    if (dir === null) throw new ConsoleError('unavailable', 'Recording is not set up in this console.');
    if (this.active.has(profileId)) return this.status(profileId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const startedAt = this.now();
    const { stream, file } = await this.open(dir, `${slug(source.profileName)}-${stamp(startedAt)}`);
    if (this.active.has(profileId)) {
      // Two starts raced: the first one records, this file goes.
      stream.destroy();
      await rm(join(dir, file), { force: true });
      return this.status(profileId);
    }
    const snapshot = source.snapshot();
    const active: Active = { stream, file, startedAt, bytes: 0, events: 0 };
    this.active.set(profileId, active);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.log.error('recording write failed', { profileId, code: error.code ?? null });
      void this.stop(profileId, `The recording could not be written (${error.code ?? 'disk error'}).`);
    });
    const header: RecordingHeader = {
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      startedAt,
      profile: source.profileName,
      app: source.app,
      pbx: source.pbx ? { version: source.pbx.version, systemName: source.pbx.systemName } : null,
      ...(this.options.consoleVersion ? { console: this.options.consoleVersion } : {}),
    };
    this.write(active, redact(header));
    this.write(active, { t: 0, snapshot: redact(snapshot) });
    this.emit(profileId);
    return this.status(profileId);
  }

  /** Every batch the engine forwards; cheap when nothing records. */
  add(batch: EventBatch): void {
    const active = this.active.get(batch.profileId);
    if (!active) return;
    const t = this.now() - active.startedAt;
    for (const event of batch.events) {
      this.write(active, { t, e: redact(event) });
      active.events += 1;
    }
    if (active.bytes > (this.options.maxBytes ?? DEFAULT_MAX_BYTES)) {
      void this.stop(batch.profileId, 'The recording reached its size limit and stopped.');
    }
  }

  async stop(profileId: string, because: string | null = null): Promise<RecordingStatus> {
    const active = this.active.get(profileId);
    if (!active) return this.status(profileId);
    this.active.delete(profileId);
    this.write(active, { t: this.now() - active.startedAt, end: because ?? 'Stopped by the operator' });
    await new Promise<void>((resolve) => {
      active.stream.end(() => resolve());
      // A failed stream never calls back; it must not hold the stop.
      active.stream.once('error', () => resolve());
    });
    this.last.set(profileId, {
      profileId,
      recording: false,
      file: active.file,
      bytes: active.bytes,
      events: active.events,
      startedAt: active.startedAt,
      stoppedBecause: because,
    });
    this.emit(profileId);
    return this.status(profileId);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.active.keys()].map((profileId) => this.stop(profileId, 'The console shut down.')));
  }

  private write(active: Active, value: unknown): void {
    if (active.stream.destroyed) return;
    const line = recordingLine(value);
    active.bytes += Buffer.byteLength(line);
    active.stream.write(line);
  }

  private emit(profileId: string): void {
    this.options.onStatus?.(this.status(profileId));
  }

  /** A new file of our own (never an existing one), readable by this user only. */
  private async open(dir: string, base: string): Promise<{ stream: WriteStream; file: string }> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const file = `${base}${attempt === 0 ? '' : `-${attempt + 1}`}.jsonl`;
      const stream = createWriteStream(join(dir, file), { flags: 'wx', mode: 0o600 });
      const opened = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
        stream.once('open', () => resolve(null));
        stream.once('error', (error: NodeJS.ErrnoException) => resolve(error));
      });
      if (opened === null) return { stream, file };
      if (opened.code !== 'EEXIST') throw new ConsoleError('unavailable', `The recordings folder cannot be written (${opened.code ?? 'error'}).`);
    }
    throw new ConsoleError('unavailable', 'Could not pick a new recording file name.');
  }
}
