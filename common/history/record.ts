import { callReport } from '../model/report.js';
import { timelineLabel } from '../model/labels.js';
import type { ChannelView } from '../model/types.js';
import type { HistoryRecord, HistoryStatus, HistoryTransfer } from './types.js';

/**
 * The history record of one ended channel: its call report plus the parties
 * and what the console did with it. Pure, so the store, the tests and any
 * later importer agree on what a record says.
 */

/**
 * Channels that are plumbing, not calls: snooping, media streams, announcers.
 * A Local channel is two halves of one call; the half that reached the
 * console's app is the call the receptionist handled, the other is kept out.
 */
export function isCallChannel(channel: Pick<ChannelView, 'name' | 'timeline'>): boolean {
  if (/^(Snoop|UnicastRTP|AudioSocket|Announcer|Recorder|Multicast|WebSocket)\//i.test(channel.name)) return false;
  if (/^Local\//i.test(channel.name)) return channel.timeline.some((entry) => entry.kind === 'stasis-start');
  return true;
}

/**
 * A channel the PBX created for a caller starts in state Ring (it is being
 * rung at us); one the console or the dialplan places starts Down and then
 * rings the far end. The model keeps the first state in its 'created' entry;
 * a call first seen in a snapshot has none, and counts as inbound (what a
 * receptionist's calls mostly are).
 */
export function directionOf(channel: Pick<ChannelView, 'timeline'>): HistoryRecord['direction'] {
  const created = channel.timeline.find((entry) => entry.kind === 'created');
  if (!created) return 'inbound';
  return /\(Ring\)$/.test(timelineLabel(created)) ? 'inbound' : 'outbound';
}

export interface RecordExtras {
  /** The phonebook's name for the caller's number ('' when none). */
  readonly callerName?: string;
  readonly transfers?: readonly HistoryTransfer[];
  readonly parkedIn?: readonly number[];
}

/** Null for a channel that has not ended (a record is only ever written once the call is over). */
export function historyRecordOf(profileId: string, channel: ChannelView, extras: RecordExtras = {}): HistoryRecord | null {
  if (channel.endedAt === null) return null;
  const report = callReport(channel, channel.endedAt);
  const status: HistoryStatus = report.status === 'ringing' || report.status === 'up' ? 'unknown' : report.status;
  return {
    id: `${profileId}:${channel.id}`,
    profileId,
    channelId: channel.id,
    channelName: channel.name,
    direction: directionOf(channel),
    caller: { name: channel.caller.name, number: channel.caller.number },
    callerName: extras.callerName ?? '',
    connected: { name: channel.connected.name, number: channel.connected.number },
    startedAt: report.startedAt,
    answeredAt: report.answeredAt,
    endedAt: channel.endedAt,
    ringMs: report.ringMs,
    talkMs: report.talkMs,
    totalMs: report.totalMs,
    status,
    cause: report.cause,
    causeText: report.causeText,
    transfers: [...(extras.transfers ?? [])],
    parkedIn: [...(extras.parkedIn ?? [])],
    approximate: report.approximate,
  };
}
