import type { SupervisorState } from '../../../common/supervisor.js';
import { callReport, describeParty, formatDuration, type CallStatus, type ChannelView, type Party } from '../../../common/model/index.js';
import type { HostLink } from './console-store.js';

/** Plain words for what the console shows; pure, so the wording is testable. */

export type Tone = 'ok' | 'warn' | 'bad' | 'idle';

export interface LinkWords {
  /** Short status next to the profile name. */
  readonly label: string;
  /** A sentence for the banner while not live; null when live. */
  readonly banner: string | null;
  readonly tone: Tone;
  readonly lastError: string | null;
  /** Whether the button should offer Disconnect (the engine is trying or live). */
  readonly active: boolean;
}

const CALLS_CONTINUE = 'calls continue on the PBX';

export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

export function describeSupervisor(state: SupervisorState, now: number): LinkWords {
  switch (state.status) {
    case 'idle':
      return { label: 'Not connected', banner: `Not connected — ${CALLS_CONTINUE}`, tone: 'idle', lastError: null, active: false };
    case 'connecting': {
      const first = state.attempt === 1 && state.lastError === null;
      return {
        label: first ? 'Connecting…' : `Reconnecting (attempt ${state.attempt})`,
        banner: first ? `Connecting — ${CALLS_CONTINUE}` : `Reconnecting — ${CALLS_CONTINUE}`,
        tone: 'warn',
        lastError: state.lastError,
        active: true,
      };
    }
    case 'live':
      return { label: 'Live', banner: null, tone: 'ok', lastError: null, active: true };
    case 'backoff':
      return {
        label: `Attempt ${state.attempt} failed · retry in ${secondsUntil(state.nextRetryAt, now)} s`,
        banner: `Reconnecting — ${CALLS_CONTINUE}`,
        tone: 'warn',
        lastError: state.lastError,
        active: true,
      };
    case 'stopped': {
      const words = {
        user: { label: 'Disconnected', banner: `Disconnected — ${CALLS_CONTINUE}`, tone: 'idle' },
        unauthorized: { label: 'Stopped: login refused', banner: `Not connected: the PBX refused the console's login — ${CALLS_CONTINUE}`, tone: 'bad' },
        replaced: { label: 'Stopped: taken over', banner: `Not connected: another console took over — ${CALLS_CONTINUE}`, tone: 'bad' },
      } as const;
      return { ...words[state.reason], lastError: state.lastError, active: false };
    }
  }
}

export function describeHostLink(link: HostLink, now: number): string | null {
  switch (link.state) {
    case 'open':
      return null;
    case 'connecting':
      return link.attempt === 1 ? 'Connecting to the console host…' : `Reconnecting to the console host (attempt ${link.attempt})…`;
    case 'waiting': {
      // The browser cannot see why a handshake failed; a host restarted with a new token is the likely one.
      const hint = link.attempt >= 3 ? ' (Host restarted? Open the new address it printed.)' : '';
      return `Lost the link to the console host — ${CALLS_CONTINUE}. Retrying in ${secondsUntil(link.retryAt, now)} s.${hint}`;
    }
  }
}

export function partyText(party: Party): string {
  return party.name === '' && party.number === '' ? '—' : describeParty(party);
}

export function isRinging(channel: ChannelView): boolean {
  return channel.endedAt === null && (channel.state === 'Ring' || channel.state === 'Ringing' || channel.ringing);
}

const STATUS_WORDS: Record<CallStatus, string> = {
  ringing: 'Ringing',
  up: 'Talking',
  answered: 'Answered',
  'no-answer': 'No answer',
  busy: 'Busy',
  failed: 'Failed',
  unknown: 'Unknown',
};

export interface CallWords {
  readonly status: string;
  /** Talk time once answered, ring time before; "≈" when the console joined mid-call. */
  readonly duration: string;
  readonly cause: string;
}

export function describeCall(channel: ChannelView, now: number): CallWords {
  const report = callReport(channel, now);
  const ms = report.answeredAt === null ? report.ringMs : report.talkMs;
  const cause = report.causeText ?? (report.cause !== null ? `Cause ${report.cause}` : '—');
  return { status: STATUS_WORDS[report.status], duration: `${report.approximate ? '≈' : ''}${formatDuration(ms)}`, cause };
}
