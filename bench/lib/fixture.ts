/**
 * The recorded ARI stream and its replay: frames re-keyed per lap (every
 * channel, bridge and playback id gets a lap suffix) so each lap is new calls
 * to the model - replaying the same ids would only hit ended channels and be
 * skipped - and pre-framed as WebSocket bytes, so the replay server costs a
 * memcpy per event and the client is what gets measured.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'bench', 'fixtures')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const ROOT = repoRoot();
export const FIXTURES = resolve(ROOT, 'bench', 'fixtures');

/** A recording must never carry the credentials it was made with. */
export function assertNoSecrets(text: string, secrets: readonly string[]): void {
  for (const needle of [...secrets, 'api_key', 'Authorization']) {
    if (needle.length >= 3 && text.includes(needle)) throw new Error(`refusing to write a fixture that contains a credential (${needle.slice(0, 2)}…)`);
  }
}

export interface RecordedFrame {
  /** Receive time, ms since the first frame of the recording. */
  readonly t: number;
  /** The frame's text exactly as Asterisk sent it. */
  readonly text: string;
}

export function loadRecording(file = resolve(FIXTURES, 'ari-events.jsonl.gz')): RecordedFrame[] {
  const raw = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const frames: RecordedFrame[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    // Lines are {"t":<ms>,"e":<frame>}: slice the frame out to keep its bytes.
    const at = line.indexOf(',"e":');
    frames.push({ t: Number(line.slice(5, at)), text: line.slice(at + 5, -1) });
  }
  return frames;
}

export function loadJson<T>(name: string): T {
  return JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8')) as T;
}

/** Every id a frame names: channels, bridges, playbacks, and lists of them. */
function collectIds(value: unknown, ids: Set<string>, key = ''): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'string' && (key === 'channels' || key === 'channel_ids')) ids.add(item);
      else collectIds(item, ids, key);
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'id' && typeof v === 'string' && key !== '') ids.add(v);
    else collectIds(v, ids, k);
  }
}

type Part = Buffer | number;

const JSON_STRING = /"((?:[^"\\]|\\.)*)"/g;

export class Replay {
  readonly ids: string[];
  private readonly templates: Part[][];
  readonly times: readonly number[];

  constructor(readonly frames: readonly RecordedFrame[]) {
    const idSet = new Set<string>();
    for (const frame of frames) collectIds(JSON.parse(frame.text), idSet);
    this.ids = [...idSet];
    const index = new Map(this.ids.map((id, i) => [id, i]));
    this.times = frames.map((frame) => frame.t);
    this.templates = frames.map((frame) => {
      const parts: Part[] = [];
      let last = 0;
      for (const match of frame.text.matchAll(JSON_STRING)) {
        const content = match[1] ?? '';
        // "channel:<id>" (playback target_uri) names an id after its colon.
        const colon = content.lastIndexOf(':');
        const id = index.has(content) ? content : colon >= 0 && index.has(content.slice(colon + 1)) ? content.slice(colon + 1) : null;
        if (id === null) continue;
        const start = (match.index ?? 0) + 1 + (id === content ? 0 : colon + 1);
        parts.push(Buffer.from(frame.text.slice(last, start)), index.get(id) ?? 0);
        last = start + id.length;
      }
      parts.push(Buffer.from(frame.text.slice(last)));
      return parts;
    });
  }

  get eventsPerLap(): number {
    return this.frames.length;
  }

  private cachedLap = -1;
  private cachedIds: Buffer[] = [];

  /** The ids of lap `lap`; lap 0 keeps the recorded ones. */
  private lapIds(lap: number): Buffer[] {
    if (lap !== this.cachedLap) {
      this.cachedIds = this.ids.map((id) => Buffer.from(lap === 0 ? id : `${id}~${lap}`));
      this.cachedLap = lap;
    }
    return this.cachedIds;
  }

  /** Frame texts of one lap, for benches that feed the model directly. */
  texts(lap: number): string[] {
    const ids = this.lapIds(lap);
    return this.templates.map((parts) => Buffer.concat(parts.map((part) => (typeof part === 'number' ? (ids[part] as Buffer) : part))).toString('utf8'));
  }

  /** One lap as unmasked server-to-client WebSocket text frames, back to back. */
  wsLap(lap: number, from = 0, to = this.templates.length): Buffer {
    const ids = this.lapIds(lap);
    let total = 0;
    const lengths: number[] = [];
    for (let i = from; i < to; i++) {
      let length = 0;
      for (const part of this.templates[i] as Part[]) length += typeof part === 'number' ? (ids[part] as Buffer).length : part.length;
      lengths.push(length);
      total += length + headerLength(length);
    }
    const out = Buffer.allocUnsafe(total);
    let offset = 0;
    for (let i = from; i < to; i++) {
      offset = writeHeader(out, offset, lengths[i - from] as number);
      for (const part of this.templates[i] as Part[]) {
        const buffer = typeof part === 'number' ? (ids[part] as Buffer) : part;
        offset += buffer.copy(out, offset);
      }
    }
    return out;
  }
}

function headerLength(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10;
}

/** FIN + text opcode, server frames are never masked (RFC 6455 §5.1). */
export function writeHeader(out: Buffer, offset: number, length: number): number {
  out[offset] = 0x81;
  if (length < 126) {
    out[offset + 1] = length;
    return offset + 2;
  }
  if (length < 65536) {
    out[offset + 1] = 126;
    out.writeUInt16BE(length, offset + 2);
    return offset + 4;
  }
  out[offset + 1] = 127;
  out.writeBigUInt64BE(BigInt(length), offset + 2);
  return offset + 10;
}

export function textFrame(text: string): Buffer {
  const body = Buffer.from(text);
  const out = Buffer.allocUnsafe(body.length + headerLength(body.length));
  body.copy(out, writeHeader(out, 0, body.length));
  return out;
}
