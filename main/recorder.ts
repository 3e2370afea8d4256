import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
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
 *
 * The page can start recordings (an XSS can loop on recording.start), so the
 * disk they take is bounded three ways: a cap per recording, a quota for the
 * folder (the oldest finished recordings are removed to make room for a new
 * one, and a recording that would push the folder past it stops and says
 * so), and a limit on how often recordings start. Stopping is never limited:
 * refusing a stop would keep a file growing, the opposite of the point.
 */
export interface RecorderOptions {
  /** Where recordings go; null: recording is not available in this console. */
  readonly dir: string | null;
  readonly onStatus?: (status: RecordingStatus) => void;
  /** A recording stops by itself before it passes this many bytes (default 100 MB). */
  readonly maxBytes?: number;
  /** The recordings in the folder together never pass this many bytes (default 1 GB). */
  readonly quotaBytes?: number;
  /** Starts allowed at once, and one more per `startRefillMs` (defaults 5 and 12 s: five a minute, sustained). */
  readonly startBurst?: number;
  readonly startRefillMs?: number;
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

const MB = 1024 * 1024;
export const DEFAULT_RECORDING_MAX_BYTES = 100 * MB;
export const DEFAULT_RECORDINGS_QUOTA_BYTES = 1024 * MB;
const DEFAULT_START_BURST = 5;
const DEFAULT_START_REFILL_MS = 12_000;
/** Only files named the way this recorder names them count toward the quota, and only they are ever removed. */
const RECORDING_FILE = /^[a-z0-9-]{1,40}-\d{8}-\d{6}(?:-\d{1,2})?\.jsonl$/;

/** Kept free in every recording for its end line, so even the line saying why it stopped stays under the cap. */
const END_LINE_RESERVE = 512;

const amount = (bytes: number): string => (bytes >= MB ? `${Math.round((bytes / MB) * 10) / 10} MB` : `${Math.round(bytes / 1024)} KB`);

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
  /** Stops a limit started, so a start that hit one at once can answer with the final status. */
  private readonly stopping = new Map<string, Promise<RecordingStatus>>();
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly maxBytes: number;
  private readonly quotaBytes: number;
  /** Bytes of finished recordings in the folder: measured at each start, plus what stopped since. */
  private finishedBytes = 0;
  private tokens: number;
  private refilledAt: number;

  constructor(private readonly options: RecorderOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? silentLogger;
    this.quotaBytes = options.quotaBytes ?? DEFAULT_RECORDINGS_QUOTA_BYTES;
    this.maxBytes = Math.min(options.maxBytes ?? DEFAULT_RECORDING_MAX_BYTES, this.quotaBytes);
    this.tokens = options.startBurst ?? DEFAULT_START_BURST;
    this.refilledAt = this.now();
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
    this.takeStartToken();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await this.makeRoom(dir);
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
    // A model too big for one recording stops it at once, saying so, with the header on disk.
    if (!this.write(profileId, active, redact(header)) || !this.write(profileId, active, { t: 0, snapshot: redact(snapshot) })) {
      return (await this.stopping.get(profileId)) ?? this.status(profileId);
    }
    this.emit(profileId);
    return this.status(profileId);
  }

  /** Every batch the engine forwards; cheap when nothing records. */
  add(batch: EventBatch): void {
    const active = this.active.get(batch.profileId);
    if (!active) return;
    const t = this.now() - active.startedAt;
    for (const event of batch.events) {
      if (!this.write(batch.profileId, active, { t, e: redact(event) })) return;
      active.events += 1;
    }
  }

  async stop(profileId: string, because: string | null = null): Promise<RecordingStatus> {
    const active = this.active.get(profileId);
    if (!active) return this.status(profileId);
    this.active.delete(profileId);
    this.append(active, { t: this.now() - active.startedAt, end: because ?? 'Stopped by the operator' });
    this.finishedBytes += active.bytes;
    // Known now, before the file is flushed: a status asked meanwhile already says stopped, and why.
    this.last.set(profileId, {
      profileId,
      recording: false,
      file: active.file,
      bytes: active.bytes,
      events: active.events,
      startedAt: active.startedAt,
      stoppedBecause: because,
    });
    await new Promise<void>((resolve) => {
      active.stream.end(() => resolve());
      // A failed stream never calls back; it must not hold the stop.
      active.stream.once('error', () => resolve());
    });
    this.emit(profileId);
    return this.status(profileId);
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.active.keys()].map((profileId) => this.stop(profileId, 'The console shut down.')));
  }

  /**
   * Writes a line unless it would pass the recording's cap or the folder's
   * quota; then the recording stops (its status says which) and this
   * returns false. Checked before writing, so no file ever passes either.
   */
  private write(profileId: string, active: Active, value: unknown): boolean {
    if (this.active.get(profileId) !== active) return false;
    const line = recordingLine(value);
    const size = Buffer.byteLength(line);
    let because: string | null = null;
    if (active.bytes + size + END_LINE_RESERVE > this.maxBytes) {
      because = `The recording reached its size limit (${amount(this.maxBytes)}) and stopped.`;
    } else if (this.folderBytes() + size + END_LINE_RESERVE > this.quotaBytes) {
      because = `The recordings folder reached its quota (${amount(this.quotaBytes)}) and the recording stopped.`;
    }
    if (because !== null) {
      this.log.warn('recording stopped at a limit', { profileId, file: active.file, bytes: active.bytes, because });
      const stopped = this.stop(profileId, because);
      this.stopping.set(profileId, stopped);
      stopped
        .finally(() => {
          if (this.stopping.get(profileId) === stopped) this.stopping.delete(profileId);
        })
        .catch(() => undefined);
      return false;
    }
    this.append(active, line);
    return true;
  }

  private append(active: Active, value: unknown): void {
    if (active.stream.destroyed) return;
    const line = typeof value === 'string' ? value : recordingLine(value);
    active.bytes += Buffer.byteLength(line);
    active.stream.write(line);
  }

  private folderBytes(): number {
    let total = this.finishedBytes;
    for (const active of this.active.values()) total += active.bytes;
    return total;
  }

  /** A token bucket: a burst of starts is fine, a loop of them is refused with a typed error. */
  private takeStartToken(): void {
    const burst = this.options.startBurst ?? DEFAULT_START_BURST;
    const refillMs = this.options.startRefillMs ?? DEFAULT_START_REFILL_MS;
    const now = this.now();
    const earned = Math.floor((now - this.refilledAt) / refillMs);
    if (earned > 0) {
      this.tokens = Math.min(burst, this.tokens + earned);
      this.refilledAt = this.tokens === burst ? now : this.refilledAt + earned * refillMs;
    }
    if (this.tokens < 1) {
      const waitSec = Math.max(1, Math.ceil((this.refilledAt + refillMs - now) / 1000));
      throw new ConsoleError('unavailable', `Recordings were started too often; try again in ${waitSec} s.`);
    }
    this.tokens -= 1;
  }

  /**
   * Measures the finished recordings in the folder and removes the oldest
   * until a full-size recording fits under the quota. Only this recorder's
   * own file names count and go; anything else in the folder is left alone.
   */
  private async makeRoom(dir: string): Promise<void> {
    const activeFiles = new Set([...this.active.values()].map((active) => active.file));
    const found: Array<{ name: string; size: number; mtimeMs: number }> = [];
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!RECORDING_FILE.test(name) || activeFiles.has(name)) continue;
      const stat = await lstat(join(dir, name)).catch(() => null);
      if (stat?.isFile()) found.push({ name, size: stat.size, mtimeMs: stat.mtimeMs });
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
    this.finishedBytes = found.reduce((sum, file) => sum + file.size, 0);
    const activeBytes = this.folderBytes() - this.finishedBytes;
    for (const file of found) {
      if (this.finishedBytes + activeBytes + this.maxBytes <= this.quotaBytes) break;
      try {
        await rm(join(dir, file.name));
        this.finishedBytes -= file.size;
        this.log.info('removed the oldest recording to stay under the recordings quota', { file: file.name, bytes: file.size });
      } catch (error) {
        this.log.warn('could not remove an old recording', { file: file.name, error });
      }
    }
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
