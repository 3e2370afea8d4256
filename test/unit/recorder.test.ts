import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventBatch } from '../../common/contract.js';
import { ConsoleError } from '../../common/errors.js';
import { createModel, serializeModel, type ModelEvent } from '../../common/model/index.js';
import type { RecordingStatus } from '../../common/recording.js';
import type { Logger } from '../../main/log.js';
import { SessionRecorder, type RecorderOptions, type RecordingSource } from '../../main/recorder.js';

// The page can start recordings as often as it likes (an XSS can loop on
// recording.start): the disk they take must stay bounded, and each stop must say why.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'recorder-'));
  dirs.push(dir);
  return dir;
}

const source = (name = 'Front desk', snapshot = serializeModel(createModel())): RecordingSource => ({ profileName: name, app: 'console', pbx: null, snapshot: () => snapshot });

/** One ARI-shaped event of about `size` bytes once written. */
const event = (size: number): ModelEvent => ({ type: 'ChannelVarset', timestamp: '2026-11-23T12:00:00.000+0000', variable: 'X', value: 'v'.repeat(size) }) as unknown as ModelEvent;
const batch = (profileId: string, ...events: ModelEvent[]): EventBatch => ({ profileId, seq: 1, events });

function recorder(dir: string, options: Partial<RecorderOptions> = {}): { recorder: SessionRecorder; statuses: RecordingStatus[]; clock: { now: number }; lines: string[] } {
  const statuses: RecordingStatus[] = [];
  const clock = { now: Date.UTC(2026, 10, 23, 12) };
  const lines: string[] = [];
  const log: Logger = { debug() {}, info: (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`), warn: (message, fields) => lines.push(`${message} ${JSON.stringify(fields)}`), error() {} };
  return { recorder: new SessionRecorder({ dir, onStatus: (status) => statuses.push(status), now: () => clock.now, log, ...options }), statuses, clock, lines };
}

const settled = async (r: SessionRecorder, profileId: string) => {
  await expect.poll(() => r.status(profileId).recording).toBe(false);
  return r.status(profileId);
};

describe('the cap per recording', () => {
  it('stops before the file passes it, writes why, and records nothing after', async () => {
    const dir = folder();
    const { recorder: r, statuses } = recorder(dir, { maxBytes: 8 * 1024 });
    await r.start('p1', source());
    for (let i = 0; i < 20; i += 1) r.add(batch('p1', event(1000), event(1000)));
    const status = await settled(r, 'p1');
    expect(status.stoppedBecause).toBe('The recording reached its size limit (8 KB) and stopped.');
    await expect.poll(() => statuses.at(-1)).toMatchObject({ recording: false, stoppedBecause: status.stoppedBecause });
    const file = join(dir, status.file ?? '');
    expect(statSync(file).size).toBeLessThanOrEqual(8 * 1024);
    expect(statSync(file).size).toBe(status.bytes);
    const last = readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '';
    expect(JSON.parse(last)).toMatchObject({ end: status.stoppedBecause });
    expect(status.events).toBe(readFileSync(file, 'utf8').trim().split('\n').length - 3);
  });

  it('a model too big for one recording: start answers stopped, saying why', async () => {
    const dir = folder();
    const { recorder: r } = recorder(dir, { maxBytes: 4096 });
    const big = serializeModel(createModel());
    const status = await r.start('p1', source('Front desk', { ...big, padding: 'x'.repeat(10_000) } as typeof big));
    expect(status).toMatchObject({ recording: false, stoppedBecause: expect.stringContaining('size limit') });
    expect(statSync(join(dir, status.file ?? '')).size).toBeLessThanOrEqual(4096);
  });
});

describe('the quota of the recordings folder', () => {
  it('removes the oldest finished recordings to make room for a new one, and nothing that is not a recording', async () => {
    const dir = folder();
    const names = ['front-desk-20261101-090000.jsonl', 'front-desk-20261102-090000.jsonl', 'front-desk-20261103-090000.jsonl'];
    names.forEach((name, index) => {
      writeFileSync(join(dir, name), 'x'.repeat(10_000));
      utimesSync(join(dir, name), 1_700_000_000 + index * 86_400, 1_700_000_000 + index * 86_400);
    });
    writeFileSync(join(dir, 'notes.txt'), 'y'.repeat(50_000));
    const { recorder: r, lines } = recorder(dir, { maxBytes: 10_000, quotaBytes: 25_000 });
    const status = await r.start('p1', source());
    expect(status.recording).toBe(true);
    // 3 × 10 KB, and room for 10 KB more under 25 KB: the two oldest go.
    expect(readdirSync(dir).sort()).toEqual([names[2], 'notes.txt', status.file].sort());
    expect(lines.filter((line) => line.startsWith('removed the oldest recording'))).toHaveLength(2);
  });

  it('stops a recording that would push the folder past the quota (two profiles at once)', async () => {
    const dir = folder();
    const { recorder: r } = recorder(dir, { maxBytes: 16 * 1024, quotaBytes: 20 * 1024 });
    await r.start('p1', source('One'));
    await r.start('p2', source('Two'));
    for (let i = 0; i < 12 && r.isRecording('p1') && r.isRecording('p2'); i += 1) {
      r.add(batch('p1', event(1000)));
      r.add(batch('p2', event(1000)));
    }
    const stopped = r.isRecording('p1') ? 'p2' : 'p1';
    const status = await settled(r, stopped);
    expect(status.stoppedBecause).toBe('The recordings folder reached its quota (20 KB) and the recording stopped.');
    await r.dispose();
    const total = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
    expect(total).toBeLessThanOrEqual(20 * 1024);
  });
});

describe('how often recordings start', () => {
  it('allows a burst, then refuses with a typed error until time earns another; stopping is never refused', async () => {
    const dir = folder();
    const { recorder: r, clock } = recorder(dir, { startBurst: 2, startRefillMs: 10_000 });
    for (let i = 0; i < 2; i += 1) {
      await r.start('p1', source());
      clock.now += 1000;
      await r.stop('p1');
    }
    const refused = await r.start('p1', source()).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConsoleError);
    expect(refused).toMatchObject({ code: 'unavailable', message: 'Recordings were started too often; try again in 8 s.' });
    expect(r.isRecording('p1')).toBe(false);
    expect(readdirSync(dir)).toHaveLength(2);
    clock.now += 8000;
    expect((await r.start('p1', source())).recording).toBe(true);
    // Asking again while it records costs nothing and answers the same recording.
    expect((await r.start('p1', source())).recording).toBe(true);
    expect((await r.stop('p1')).recording).toBe(false);
    expect((await r.stop('p1')).recording).toBe(false);
  });
});
