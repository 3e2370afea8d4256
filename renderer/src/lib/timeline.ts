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

/** Markers close together pile up; this spreads them into rows so each stays hoverable. */
export function markerRows(positions: readonly number[], minGap = 1.2): number[] {
  const lastInRow: number[] = [];
  return positions.map((position) => {
    let row = lastInRow.findIndex((last) => position - last >= minGap);
    if (row < 0) {
      row = Math.min(lastInRow.length, 2);
    }
    lastInRow[row] = position;
    return row;
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
