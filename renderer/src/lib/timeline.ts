import { axisPosition, type Axis, type Lane, type Segment } from '../../../common/model/segments.js';
import type { TimelineKind } from '../../../common/model/types.js';

/** Placement helpers for Timeline.svelte: pure, so the geometry is testable without a DOM. */

export const LANE_LABELS: Record<Lane, string> = {
  call: 'Call',
  bridge: 'Bridge',
  hold: 'Hold',
  muted: 'Mute',
  media: 'Media',
};

export interface Placed {
  /** Percent of the axis from its left edge. */
  readonly left: number;
  /** Percent of the axis; never below a sliver, so a short span stays visible. */
  readonly width: number;
}

export function place(axis: Axis, from: number, to: number): Placed {
  const left = axisPosition(axis, from) * 100;
  const right = axisPosition(axis, to) * 100;
  return { left, width: Math.max(0.4, right - left) };
}

export interface MarkerGroup {
  /** Percent of the axis: where the group's first event sits. */
  readonly left: number;
  readonly at: number;
  /** Every event in the group, in time order. */
  readonly kinds: readonly TimelineKind[];
  /** The colour family: an ending wins, then the first event that is not "other". */
  readonly tone: string;
  /** Tooltip: the time, then one line per event. */
  readonly tip: string;
}

/**
 * Events a few pixels apart (a call's first six arrive in the same
 * millisecond) become one dot whose tooltip lists them all: stacked dots hid
 * each other and spilled over the axis labels.
 */
export function groupMarkers(markers: readonly { at: number; kind: TimelineKind; label: string }[], positions: readonly number[], minGap = 2.5): MarkerGroup[] {
  const groups: { left: number; at: number; items: { kind: TimelineKind; label: string; at: number }[] }[] = [];
  markers.forEach((marker, index) => {
    const left = positions[index] ?? 0;
    const last = groups.at(-1);
    if (last && left - last.left < minGap) last.items.push(marker);
    else groups.push({ left, at: marker.at, items: [marker] });
  });
  return groups.map(({ left, at, items }) => {
    const tones = items.map((item) => markerTone(item.kind));
    const tone = tones.includes('end') ? 'end' : (tones.find((candidate) => candidate !== 'other') ?? 'other');
    const lines = items.map((item) => (clockText(item.at) === clockText(at) ? item.label : `${item.label} (${clockText(item.at)})`));
    return { left, at, kinds: items.map((item) => item.kind), tone, tip: `${clockText(at)} · ${lines.join('\n')}` };
  });
}

/** Which colour family a marker takes, matching the segment it starts or ends. */
export function markerTone(kind: TimelineKind): string {
  switch (kind) {
    case 'hold':
    case 'unhold':
      return 'hold';
    case 'mute':
    case 'unmute':
      return 'muted';
    case 'bridge-enter':
    case 'bridge-leave':
      return 'bridge';
    case 'playback-start':
    case 'playback-end':
    case 'silence':
    case 'silence-stop':
      return 'playing';
    case 'state':
    case 'ring':
    case 'ring-stop':
      return 'ring';
    case 'link-lost':
    case 'link-restored':
    case 'ended-while-disconnected':
    case 'seen-at-connect':
      return 'gap';
    case 'hangup-request':
    case 'destroyed':
    case 'stasis-end':
      return 'end';
    default:
      return 'other';
  }
}

/** Clock time for axis labels and tooltips: 24-hour, seconds shown. */
export function clockText(at: number): string {
  const date = new Date(at);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** "1:05" style length of a segment for its tooltip. */
export function spanText(segment: Segment): string {
  const seconds = Math.max(0, Math.round((segment.to - segment.from) / 1000));
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}${segment.open ? ' so far' : ''}`;
}
