import { timelineLabel } from './labels.js';
import type { ChannelView, TimelineEntry, TimelineKind } from './types.js';

/**
 * A channel's lifecycle as spans of time, for the timeline view: derived
 * from its timeline entries and times alone, so the picture is exactly what
 * the model recorded. Spans overlap (a call is Up while on hold and in a
 * bridge), so each belongs to a lane drawn as its own row.
 */

export type SegmentKind = 'ring' | 'up' | 'hold' | 'muted' | 'bridge' | 'playing' | 'silence' | 'gap';
export type Lane = 'call' | 'bridge' | 'hold' | 'muted' | 'media';

export const LANES: readonly Lane[] = ['call', 'bridge', 'hold', 'muted', 'media'];

export interface Segment {
  readonly kind: SegmentKind;
  /** The gap lies across every lane; the others sit in one. */
  readonly lane: Lane | 'all';
  readonly from: number;
  readonly to: number;
  /** Still running at `now`. */
  readonly open: boolean;
  readonly label: string;
}

export interface Marker {
  readonly at: number;
  readonly kind: TimelineKind;
  readonly label: string;
}

const MUTE_DIRECTION = /\((in|out|both)\)$/;

function byTime(entries: readonly TimelineEntry[]): TimelineEntry[] {
  // Stable: entries of one instant keep the order the reducer wrote them in.
  return entries.map((entry, index) => ({ entry, index })).sort((a, b) => a.entry.at - b.entry.at || a.index - b.index).map(({ entry }) => entry);
}

/** An open span: where it began and what it is called. */
interface Open {
  from: number;
  label: string;
}

export function channelSegments(channel: ChannelView, now: number, linkLostAt: number | null = null): Segment[] {
  const end = channel.endedAt ?? Math.max(now, channel.createdAt);
  const segments: Segment[] = [];
  const push = (kind: SegmentKind, lane: Lane | 'all', from: number, to: number, label: string, open = false) => {
    const start = Math.max(from, channel.createdAt);
    const stop = Math.min(Math.max(to, start), end);
    segments.push({ kind, lane, from: start, to: stop, open: open && channel.endedAt === null, label });
  };

  // The call lane: ringing until answered, then up until the end.
  const answered = channel.answeredAt;
  if (answered === null || answered > channel.createdAt) {
    const ringEnd = answered ?? end;
    push('ring', 'call', channel.createdAt, ringEnd, answered === null && channel.endedAt !== null ? 'Rang, never answered' : 'Ringing', answered === null);
  }
  if (answered !== null) push('up', 'call', answered, end, channel.approximate ? 'Up (seen up at connect)' : 'Up', true);

  let hold: Open | null = null;
  let bridge: Open | null = null;
  let silence: Open | null = null;
  let gap: Open | null = null;
  let mute: { from: number; in: boolean; out: boolean } = { from: 0, in: false, out: false };
  const playing = new Map<string, Open>();
  let playCount = 0;

  const muteLabel = (state: { in: boolean; out: boolean }) =>
    state.in && state.out ? 'Muted (both ways)' : state.in ? 'Muted (caller not heard)' : 'Muted (caller hears nothing)';
  const closeMute = (at: number) => {
    if (mute.in || mute.out) push('muted', 'muted', mute.from, at, muteLabel(mute));
  };

  for (const entry of byTime(channel.timeline)) {
    const { at } = entry;
    switch (entry.kind) {
      case 'hold':
        hold ??= { from: at, label: 'On hold' };
        break;
      case 'unhold':
        if (hold) push('hold', 'hold', hold.from, at, hold.label);
        hold = null;
        break;
      case 'mute':
      case 'unmute': {
        const direction = MUTE_DIRECTION.exec(timelineLabel(entry))?.[1] ?? 'both';
        const value = entry.kind === 'mute';
        const next = { from: at, in: mute.in, out: mute.out };
        if (direction === 'in' || direction === 'both') next.in = value;
        if (direction === 'out' || direction === 'both') next.out = value;
        if (next.in !== mute.in || next.out !== mute.out) {
          closeMute(at);
          mute = next;
        }
        break;
      }
      case 'bridge-enter':
        if (bridge) push('bridge', 'bridge', bridge.from, at, bridge.label);
        bridge = { from: at, label: `In bridge ${timelineLabel(entry).replace(/^Joined bridge /, '')}` };
        break;
      case 'bridge-leave':
        if (bridge) push('bridge', 'bridge', bridge.from, at, bridge.label);
        bridge = null;
        break;
      case 'playback-start': {
        playCount += 1;
        playing.set(`${playCount}`, { from: at, label: timelineLabel(entry) });
        break;
      }
      case 'playback-end': {
        // Finished entries name the media, not the playback: close the oldest of that media.
        const media = timelineLabel(entry).replace(/^Finished playing /, 'Playing ');
        const key = [...playing.entries()].find(([, open]) => open.label === media)?.[0] ?? playing.keys().next().value;
        const open = key === undefined ? undefined : playing.get(key);
        if (key !== undefined && open) {
          push('playing', 'media', open.from, at, open.label);
          playing.delete(key);
        }
        break;
      }
      case 'silence':
        silence ??= { from: at, label: 'Silence' };
        break;
      case 'silence-stop':
        if (silence) push('silence', 'media', silence.from, at, silence.label);
        silence = null;
        break;
      case 'link-lost':
        gap ??= { from: at, label: 'Disconnected: the console could not see this call' };
        break;
      case 'link-restored':
      case 'ended-while-disconnected':
        if (gap) push('gap', 'all', gap.from, at, gap.label);
        gap = null;
        break;
      case 'seen-at-connect':
        // A call that began while the console was away: it cannot know what happened before.
        if (timelineLabel(entry).startsWith('Began while disconnected')) push('gap', 'all', channel.createdAt, at, 'Began while the console was disconnected');
        break;
      default:
        break;
    }
  }

  if (hold) push('hold', 'hold', hold.from, end, hold.label, true);
  closeMute(end);
  if ((mute.in || mute.out) && channel.endedAt === null) {
    const last = segments[segments.length - 1];
    if (last?.kind === 'muted') segments[segments.length - 1] = { ...last, open: true };
  }
  if (bridge) push('bridge', 'bridge', bridge.from, end, bridge.label, true);
  for (const open of playing.values()) push('playing', 'media', open.from, end, open.label, true);
  if (silence) push('silence', 'media', silence.from, end, silence.label, true);
  // A gap still open: the link is down now (or the entry closing it was capped away).
  if (gap) push('gap', 'all', gap.from, end, gap.label, linkLostAt !== null);
  return segments;
}

/** Entries worth a marker on the axis: everything a person would ask "what happened here?" about. */
export function channelMarkers(channel: ChannelView): Marker[] {
  return byTime(channel.timeline).map((entry) => ({ at: entry.at, kind: entry.kind, label: timelineLabel(entry) }));
}

/** The lanes a channel actually uses, in display order; the call lane always. */
export function usedLanes(segments: readonly Segment[]): Lane[] {
  const used = new Set<Lane>(['call']);
  for (const segment of segments) if (segment.lane !== 'all') used.add(segment.lane);
  return LANES.filter((lane) => used.has(lane));
}

export interface Axis {
  readonly from: number;
  readonly to: number;
}

/** One axis for several channels, so their timelines line up when compared. */
export function sharedAxis(channels: readonly ChannelView[], now: number): Axis {
  if (channels.length === 0) return { from: now - 60_000, to: now };
  const from = Math.min(...channels.map((channel) => channel.createdAt));
  const to = Math.max(...channels.map((channel) => channel.endedAt ?? now));
  // A call of a few milliseconds still gets a readable width.
  return { from, to: Math.max(to, from + 1000) };
}

const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1000);

/** Round tick times (1 s, 5 s, 1 min …) for an axis, at most `max` of them. */
export function axisTicks(axis: Axis, max = 6): number[] {
  const span = Math.max(1, axis.to - axis.from);
  const step = TICK_STEPS.find((candidate) => span / candidate <= max) ?? Math.ceil(span / max / 3_600_000) * 3_600_000;
  const ticks: number[] = [];
  for (let at = Math.ceil(axis.from / step) * step; at <= axis.to; at += step) ticks.push(at);
  return ticks;
}

/** Where `at` falls on the axis, 0..1 (clamped). */
export function axisPosition(axis: Axis, at: number): number {
  const span = axis.to - axis.from;
  if (span <= 0) return 0;
  return Math.min(1, Math.max(0, (at - axis.from) / span));
}
