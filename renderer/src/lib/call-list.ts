import { describeParty, type CallModel, type ChannelView } from '../../../common/model/index.js';
import { isRinging } from './describe.js';

/** What the call list shows: a filter, a search, a stable order (no rows jumping as calls change). */

export const CALL_FILTERS = ['all', 'ringing', 'talking', 'held', 'bridged', 'ended'] as const;
export type CallFilter = (typeof CALL_FILTERS)[number];

export const FILTER_LABELS: Record<CallFilter, string> = {
  all: 'All',
  ringing: 'Ringing',
  talking: 'Talking',
  held: 'On hold',
  bridged: 'Bridged',
  ended: 'Ended',
};

const TESTS: Record<Exclude<CallFilter, 'all' | 'ended'>, (channel: ChannelView) => boolean> = {
  ringing: isRinging,
  talking: (channel) => channel.state === 'Up' && !channel.onHold,
  held: (channel) => channel.onHold,
  bridged: (channel) => channel.bridgeId !== null,
};

function matches(channel: ChannelView, needle: string): boolean {
  if (needle === '') return true;
  return [channel.caller.name, channel.caller.number, channel.connected.name, channel.connected.number, channel.name, channel.id].some((text) =>
    text.toLowerCase().includes(needle),
  );
}

/** Live calls oldest first (new calls append at the bottom), ended ones newest first. */
export function listCalls(model: CallModel | null, filter: CallFilter, search: string): ChannelView[] {
  if (!model) return [];
  const needle = search.trim().toLowerCase();
  if (filter === 'ended') return [...model.ended.values()].reverse().filter((channel) => matches(channel, needle));
  const test = filter === 'all' ? null : TESTS[filter];
  const calls: ChannelView[] = [];
  for (const channel of model.channels.values()) if ((!test || test(channel)) && matches(channel, needle)) calls.push(channel);
  // Map order is arrival order already; sort only when it is not (after a snapshot, whose order is the
  // PBX's): this runs on every batch, and a check is one pass where the sort called back ~n times.
  for (let i = 1; i < calls.length; i++) if (byAge(calls[i - 1] as ChannelView, calls[i] as ChannelView) > 0) return calls.sort(byAge);
  return calls;
}

const byAge = (a: ChannelView, b: ChannelView): number => a.createdAt - b.createdAt || a.id.localeCompare(b.id);

export function filterCounts(model: CallModel | null): Record<CallFilter, number> {
  const counts: Record<CallFilter, number> = { all: 0, ringing: 0, talking: 0, held: 0, bridged: 0, ended: 0 };
  if (!model) return counts;
  for (const channel of model.channels.values()) {
    counts.all += 1;
    if (TESTS.ringing(channel)) counts.ringing += 1;
    if (TESTS.talking(channel)) counts.talking += 1;
    if (TESTS.held(channel)) counts.held += 1;
    if (TESTS.bridged(channel)) counts.bridged += 1;
  }
  counts.ended = model.ended.size;
  return counts;
}

/** The channel a selection names, live or ended. */
export function findChannel(model: CallModel | null, id: string | null): ChannelView | null {
  if (!model || id === null) return null;
  return model.channels.get(id) ?? model.ended.get(id) ?? null;
}

/** A short name for a call in sentences: "Alice <200>", else its channel name. */
export function callName(channel: ChannelView): string {
  const { name, number } = channel.caller;
  return name || number ? describeParty(channel.caller) : channel.name;
}

/** The call to select when nothing is: a ringing one the console controls, else the first. */
export function preferredCall(calls: readonly ChannelView[]): ChannelView | null {
  return calls.find((channel) => channel.inStasis && isRinging(channel)) ?? calls.find((channel) => channel.inStasis) ?? calls[0] ?? null;
}
