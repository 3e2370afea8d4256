/**
 * The call model keeps a channel's timeline as columns its versions share
 * (common/model/channel-record.ts). What every reader must still see: each
 * version's own entries, unchanged by later batches or by a second batch
 * applied to the same base; the plain array through JSON, structured clone
 * and spreading; and entries from a snapshot exactly as they came.
 */
import { describe, expect, it } from 'vitest';
import type { AriChannel, AriEvent } from '../../common/ari.js';
import { applyEvents, createModel, hydrateModel, serializeModel } from '../../common/model/index.js';
import type { CallModel, ChannelView, TimelineEntry } from '../../common/model/index.js';

const T0 = Date.parse('2026-11-23T09:12:33.123Z');
const ts = (ms: number): string => new Date(T0 + ms).toISOString().replace('Z', '+0000');
const chan = (state = 'Ring'): AriChannel => ({
  id: 'c-1',
  name: 'PJSIP/101-00000001',
  state,
  caller: { name: 'Reception', number: '101' },
  connected: { name: '', number: '' },
  dialplan: { context: 'from-internal', exten: '200', priority: 1, app_name: 'Dial', app_data: 'PJSIP/200' },
  creationtime: ts(0),
});
const created = (): AriEvent => ({ type: 'ChannelCreated', timestamp: ts(0), channel: chan() });
const dtmf = (digit: string, at: number): AriEvent => ({ type: 'ChannelDtmfReceived', timestamp: ts(at), digit, channel: chan() });
const state = (value: string, at: number): AriEvent => ({ type: 'ChannelStateChange', timestamp: ts(at), channel: chan(value) });

const live = (model: CallModel): ChannelView => {
  const channel = model.channels.get('c-1');
  if (!channel) throw new Error('no channel c-1');
  return channel;
};
const steps = (channel: ChannelView): string[] => channel.timeline.map((entry) => `${entry.kind}@${entry.at - T0}`);

describe('a channel timeline kept as shared columns', () => {
  it('leaves every version as it was, also when two batches start from the same model', () => {
    const base = applyEvents(createModel({ app: 'console' }), [created(), dtmf('1', 10)], 0);
    const before = steps(live(base));
    const a = applyEvents(base, [dtmf('2', 20), dtmf('3', 30)], 0);
    // The second batch on the same base must not see (or overwrite) what the first appended.
    const b = applyEvents(base, [state('Up', 25)], 0);
    const a2 = applyEvents(a, [dtmf('4', 40)], 0);
    expect(steps(live(base))).toEqual(before);
    expect(steps(live(a))).toEqual(['created@0', 'dtmf@10', 'dtmf@20', 'dtmf@30']);
    expect(steps(live(b))).toEqual(['created@0', 'dtmf@10', 'state@25']);
    expect(steps(live(a2))).toEqual(['created@0', 'dtmf@10', 'dtmf@20', 'dtmf@30', 'dtmf@40']);
    expect(live(b).timeline.at(-1)).toEqual({ at: T0 + 25, kind: 'state', source: 'ChannelStateChange', detail: 'Up' });
  });

  it('keeps the first entry and the newest under the cap, in every version', () => {
    let model = applyEvents(createModel({ app: 'console', maxTimeline: 3 }), [created()], 0);
    const versions: CallModel[] = [];
    for (let i = 1; i <= 12; i++) {
      model = applyEvents(model, [dtmf(String(i % 10), i * 10)], 0);
      versions.push(model);
    }
    expect(steps(live(model))).toEqual(['created@0', 'dtmf@110', 'dtmf@120']);
    expect(live(model).timelineDropped).toBe(10);
    // An early version still reads as it did when it was made.
    expect(steps(live(versions[2] as CallModel))).toEqual(['created@0', 'dtmf@20', 'dtmf@30']);
    expect(live(versions[2] as CallModel).timelineDropped).toBe(1);
  });

  it('hands out the plain array to JSON, structured clone and a spread', () => {
    const model = applyEvents(createModel({ app: 'console' }), [created(), dtmf('5', 10)], 0);
    const channel = live(model);
    const expected = [
      { at: T0, kind: 'created', source: 'ChannelCreated', detail: 'Ring' },
      { at: T0 + 10, kind: 'dtmf', source: 'ChannelDtmfReceived', detail: '5' },
    ];
    expect((JSON.parse(JSON.stringify(channel)) as ChannelView).timeline).toEqual(expected);
    expect(structuredClone(channel).timeline).toEqual(expected);
    expect({ ...channel }.timeline).toEqual(expected);
    expect(Object.keys(channel)).toContain('timeline');
    expect(hydrateModel(JSON.parse(JSON.stringify(serializeModel(model))) as ReturnType<typeof serializeModel>).channels.get('c-1')?.timeline).toEqual(expected);
  });

  it('keeps entries from a snapshot in the shape they came in, also after new events', () => {
    const model = applyEvents(createModel({ app: 'console' }), [created()], 0);
    const serialized = serializeModel(model);
    // A recording made before labels were built lazily: its entries carry their words and no detail.
    const legacy = { at: T0, kind: 'created', source: 'ChannelCreated', label: 'Created (Ring)' } as unknown as TimelineEntry;
    const old = { ...serialized, channels: serialized.channels.map((channel) => ({ ...channel, timeline: [legacy] })) };
    const next = applyEvents(hydrateModel(old), [dtmf('7', 10)], 0);
    expect(live(next).timeline).toEqual([legacy, { at: T0 + 10, kind: 'dtmf', source: 'ChannelDtmfReceived', detail: '7' }]);
  });
});
