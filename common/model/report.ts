import type { ChannelView } from './types.js';

export type CallStatus = 'ringing' | 'up' | 'answered' | 'no-answer' | 'busy' | 'failed' | 'unknown';

export interface CallReport {
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
  /** Until answer, or until the end for a call never answered. */
  readonly ringMs: number;
  /** From answer to end (or to `now` while the call is up); 0 if never answered. */
  readonly talkMs: number;
  readonly totalMs: number;
  /** 'ringing'/'up' while live; the final outcome once ended. */
  readonly status: CallStatus;
  readonly cause: number | null;
  readonly causeText: string | null;
  /** Durations rest on a time the console did not see directly (joined mid-call). */
  readonly approximate: boolean;
}

// Q.850 causes Asterisk reports for a call that was never answered, grouped
// the way Dial() turns them into DIALSTATUS (NOANSWER, BUSY, the rest failed).
const NO_ANSWER_CAUSES = new Set([0, 16, 18, 19, 31]);
const BUSY_CAUSES = new Set([17]);

function finalStatus(channel: ChannelView): CallStatus {
  if (channel.answeredAt !== null) return 'answered';
  if (channel.endedWhileDisconnected && channel.hangupCause === null) return 'unknown';
  const cause = channel.hangupCause ?? 0;
  if (BUSY_CAUSES.has(cause)) return 'busy';
  if (NO_ANSWER_CAUSES.has(cause)) return 'no-answer';
  return 'failed';
}

/** The call report of one channel (seed node-asterisk's call report), at `now`. */
export function callReport(channel: ChannelView, now: number): CallReport {
  const end = channel.endedAt ?? now;
  const startedAt = channel.createdAt;
  const answeredAt = channel.answeredAt;
  const ringEnd = answeredAt ?? end;
  return {
    startedAt,
    answeredAt,
    endedAt: channel.endedAt,
    ringMs: Math.max(0, ringEnd - startedAt),
    talkMs: answeredAt === null ? 0 : Math.max(0, end - answeredAt),
    totalMs: Math.max(0, end - startedAt),
    status: channel.endedAt === null ? (channel.state === 'Up' ? 'up' : 'ringing') : finalStatus(channel),
    cause: channel.hangupCause,
    causeText: channel.hangupCauseText,
    approximate: channel.approximate,
  };
}

/** "1:05", "12:00:03": durations as an operator reads them. */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${ss}` : `${minutes}:${ss}`;
}
