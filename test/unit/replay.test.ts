import { describe, expect, it } from 'vitest';
import { parseRecording, RecordingError, recordingLine } from '../../common/recording.js';
import { createReplay, formatReplayTime } from '../../common/replay.js';

/** A recording of one call: it rings at 1 s, is answered at 3 s, hangs up at 9 s. */
const STARTED = Date.parse('2026-11-23T09:00:00.000Z');
const ts = (ms: number) => new Date(STARTED + ms).toISOString().replace('Z', '+0000');
const channel = (state: string) => ({
  id: 'c1',
  name: 'PJSIP/201-00000001',
  state,
  caller: { name: 'Alice', number: '201' },
  connected: { name: '', number: '' },
  accountcode: '',
  dialplan: { context: 'in', exten: 's', priority: 1, app_name: 'Stasis', app_data: 'console' },
  creationtime: ts(1000),
  language: 'en',
});
const event = (type: string, at: number, fields: Record<string, unknown>) => ({ type, timestamp: ts(at), application: 'console', ...fields });

const lines = [
  { format: 'ari-console-recording', version: 1, startedAt: STARTED, profile: 'Front desk', app: 'console', pbx: null },
  { t: 1000, e: event('ChannelCreated', 1000, { channel: channel('Ring') }) },
  { t: 1001, e: event('StasisStart', 1001, { channel: channel('Ring'), args: [] }) },
  { t: 3000, e: event('ChannelStateChange', 3000, { channel: channel('Up') }) },
  { t: 9000, e: event('ChannelDestroyed', 9000, { channel: channel('Up'), cause: 16, cause_txt: 'Normal Clearing' }) },
  { t: 9500, end: 'Stopped by the operator' },
];
const text = lines.map((line) => recordingLine(line)).join('\n');

describe('session replay', () => {
  it('reads a recording: header, frames in order, why it ended', () => {
    const parsed = parseRecording(text);
    expect(parsed.header.profile).toBe('Front desk');
    expect(parsed.frames.map((frame) => frame.t)).toEqual([1000, 1001, 3000, 9000]);
    expect(parsed.endReason).toBe('Stopped by the operator');
    expect(() => parseRecording('this is not a recording')).toThrow(RecordingError);
  });

  it('gives the model at any moment, forwards and backwards', () => {
    const replay = createReplay(parseRecording(text), { checkpointEvery: 2 });
    expect(replay.modelAt(500).channels.size).toBe(0);
    expect(replay.modelAt(2000).channels.get('c1')?.state).toBe('Ring');
    expect(replay.modelAt(5000).channels.get('c1')?.state).toBe('Up');
    expect(replay.modelAt(9000).ended.get('c1')?.hangupCauseText).toBe('Normal Clearing');
    // A jump back lands on the same answer as playing forward did.
    expect(replay.modelAt(2000).channels.get('c1')?.state).toBe('Ring');
    expect(replay.clockAt(3000)).toBe(STARTED + 3000);
    expect(replay.channelEventsAt('c1', 3000).map((item) => item.event.type)).toEqual(['ChannelCreated', 'StasisStart', 'ChannelStateChange']);
    expect(formatReplayTime(replay.duration)).toBe('0:09');
  });
});
