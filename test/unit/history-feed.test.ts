import { describe, expect, it } from 'vitest';
import type { AriEvent } from '../../common/ari.js';
import type { HistoryRecord } from '../../common/history/types.js';
import { applyEvents, createModel, reconcile, type CallModel, type ModelEvent } from '../../common/model/index.js';
import { createHistoryFeed } from '../../main/history/feed.js';
import type { HistoryStore } from '../../main/history/store.js';
import { silentLogger } from '../../main/log.js';
import type { PhonebookStore } from '../../main/phonebook/store.js';

const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const ts = (ms: number) => new Date(T0 + ms).toISOString().replace('Z', '+0000');
const channel = { id: 'c1', name: 'PJSIP/200-00000001', state: 'Up', caller: { name: 'Ann', number: '200' }, connected: { name: '', number: '' }, creationtime: ts(0) };
const ev = (type: string, atMs: number, fields: Record<string, unknown>): AriEvent => ({ type, timestamp: ts(atMs), application: 'console', ...fields });

describe('the history feed', () => {
  it('writes a call once when the reconcile ended it and its buffered end, in the same batch, gave the real cause', async () => {
    const before = applyEvents(
      createModel({ app: 'console' }),
      [ev('StasisStart', 0, { channel, args: [] }), { type: 'ConsoleLinkLost', at: T0 + 5_000, reason: 'socket closed' }],
      T0,
    );
    // What the engine sends after a reconnect: the reconcile's events, then those buffered meanwhile.
    const events: ModelEvent[] = [
      ...reconcile(before, { channels: [], bridges: [], endpoints: [], deviceStates: [] }, T0 + 9_000),
      ev('ChannelDestroyed', 7_000, { channel, cause: 16, cause_txt: 'Normal Clearing' }),
    ];
    const model: CallModel = applyEvents(before, events, T0 + 9_000);
    const written: HistoryRecord[][] = [];
    const feed = createHistoryFeed({
      history: { add: async (records: readonly HistoryRecord[]) => void written.push([...records]), size: 1 } as unknown as HistoryStore,
      phonebook: { lookup: () => undefined } as unknown as PhonebookStore,
      modelOf: () => model,
      onAdded: () => undefined,
      log: silentLogger,
    });
    feed({ profileId: 'p', seq: 1, events });
    await Promise.resolve();
    expect(written).toHaveLength(1);
    expect(written[0]).toHaveLength(1);
    expect(written[0]?.[0]).toMatchObject({ id: 'p:c1', cause: 16, endedAt: T0 + 7_000 });
  });
});
