import type { EventBatch } from '../../common/contract.js';
import { historyRecordOf, isCallChannel } from '../../common/history/record.js';
import type { HistoryRecord, HistoryTransfer } from '../../common/history/types.js';
import type { CallModel } from '../../common/model/types.js';
import type { WorkflowsView } from '../../common/workflow-contract.js';
import type { Logger } from '../log.js';
import type { PhonebookStore } from '../phonebook/store.js';
import type { HistoryStore } from './store.js';

export interface HistoryFeedDeps {
  readonly history: HistoryStore;
  readonly phonebook: PhonebookStore;
  /** The engine's model after the batch was applied (undefined once the engine is gone). */
  readonly modelOf: (profileId: string) => CallModel | undefined;
  /** What the console's workflows did with a call (transfers, park slots), if they keep it. */
  readonly workflowOf?: (profileId: string, channelId: string) => { transfers?: readonly HistoryTransfer[]; parkedIn?: readonly number[] };
  readonly onAdded: (count: number, total: number) => void;
  readonly log: Logger;
}

/**
 * Turns every call that ends into a history record. It reads ended channels
 * from the engine's model right after the batch that ended them (a hangup
 * seen live, or a call found gone after a reconnect), so the record is the
 * same call report the console showed, written exactly once per call.
 */
export function createHistoryFeed(deps: HistoryFeedDeps): (batch: EventBatch) => void {
  return (batch) => {
    // A set: a call reconcile ended and whose buffered ChannelDestroyed then gave the real cause is named twice in one batch.
    const endedIds = new Set<string>();
    for (const event of batch.events) {
      if (event.type === 'ChannelDestroyed') {
        const id = (event as { channel?: { id?: unknown } }).channel?.id;
        if (typeof id === 'string') endedIds.add(id);
      } else if (event.type === 'ConsoleChannelVanished') {
        const id = (event as { channelId?: unknown }).channelId;
        if (typeof id === 'string') endedIds.add(id);
      }
    }
    if (endedIds.size === 0) return;
    const model = deps.modelOf(batch.profileId);
    if (!model) return;
    const records: HistoryRecord[] = [];
    for (const id of endedIds) {
      const channel = model.ended.get(id);
      if (!channel || !isCallChannel(channel)) continue;
      const callerName = channel.caller.name === '' && channel.caller.number !== '' ? (nameOf(deps.phonebook.lookup(channel.caller.number)?.contact)) : '';
      const record = historyRecordOf(batch.profileId, channel, { callerName, ...deps.workflowOf?.(batch.profileId, id) });
      if (record) records.push(record);
    }
    if (records.length === 0) return;
    deps.history.add(records).then(
      () => deps.onAdded(records.length, deps.history.size),
      (error: unknown) => deps.log.error('could not write call history', { error, calls: records.length }),
    );
  };
}

function nameOf(contact: { name: string; company: string } | undefined): string {
  return contact ? contact.name || contact.company : '';
}

/**
 * What the call workflows did with one call, for its history record: the
 * transfers it was the caller of (with how each ended) and the park slots it
 * waited in, as far as the workflows' view still remembers them.
 */
export function workflowFacts(view: WorkflowsView, channelId: string): { transfers: HistoryTransfer[]; parkedIn: number[] } {
  const transfers = view.transfers
    .filter((state) => state.callerId === channelId && state.outcome !== null)
    .map((state) => ({
      kind: state.kind,
      target: state.target.label || state.target.endpoint,
      status: state.outcome?.status ?? 'failed',
      reason: state.outcome?.reason ?? '',
      at: state.startedAt,
    }))
    .sort((a, b) => a.at - b.at);
  const slots = new Set<number>();
  for (const parked of view.park.slots) if (parked.channelId === channelId) slots.add(parked.slot);
  for (const outcome of view.park.recent) if (outcome.channelId === channelId) slots.add(outcome.slot);
  return { transfers, parkedIn: [...slots].sort((a, b) => a - b) };
}
