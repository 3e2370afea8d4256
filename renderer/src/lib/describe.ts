import type { SupervisorState } from '../../../common/supervisor.js';
import { callReport, describeParty, formatDuration, type CallStatus, type ChannelView, type Party } from '../../../common/model/index.js';
import { toErrorShape } from '../../../common/errors.js';
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

export type BadgeTone = 'ring' | 'up' | 'hold' | 'bridge' | 'down' | 'ended' | 'muted';

/** The one word a row shows for a call, most urgent first. */
export function callBadge(channel: ChannelView, now: number): { readonly text: string; readonly tone: BadgeTone } {
  if (channel.endedAt !== null) return { text: describeCall(channel, now).status, tone: 'ended' };
  if (isRinging(channel)) return { text: 'Ringing', tone: 'ring' };
  if (channel.onHold) return { text: 'On hold', tone: 'hold' };
  if (channel.state !== 'Up') return { text: channel.state, tone: 'down' };
  if (channel.muted.in || channel.muted.out) return { text: 'Muted', tone: 'muted' };
  if (channel.bridgeId !== null) return { text: 'In bridge', tone: 'bridge' };
  return { text: 'Talking', tone: 'up' };
}

/** Why a request failed, in words a receptionist can act on; `what` names the action ("hold Alice"). */
export function describeFailure(what: string, error: unknown): string {
  const { code, message } = toErrorShape(error);
  const why: Record<string, string> = {
    not_in_stasis: "this channel is not under the console's control",
    not_found: 'the call or bridge is no longer on the PBX',
    not_connected: `the console is not connected to the PBX right now (${CALLS_CONTINUE})`,
    unavailable: 'the PBX could not be reached',
    timeout: 'the PBX did not answer in time, so it may or may not have happened',
    unauthorized: "the PBX refused the console's login",
    bad_request: 'the PBX refused the request',
    invalid_request: 'the request was not valid',
    forbidden: 'this window may not send requests',
    no_profile: 'that connection profile no longer exists',
    pbx_error: 'the PBX reported an error',
    unknown_channel: 'this console and its host are different versions',
  };
  const reason = why[code] ?? 'something went wrong in the console';
  // The PBX's own words help support; a bug's do not help the receptionist.
  const detail = code === 'bad_request' || code === 'unavailable' || code === 'invalid_request' || code === 'pbx_error' ? ` (${message})` : '';
  return `Could not ${what}: ${reason}${detail}.`;
}

/** The park slot a bridge stands for: `park-701`, or `park-701@<app>` as the park workflow names its slots. */
export function parkSlotOf(name: string): number | null {
  const match = /^park-(\d{1,6})(?:@.+)?$/.exec(name);
  return match ? Number(match[1]) : null;
}

/**
 * What a receptionist calls a bridge: "Park 701" for a park slot (its raw
 * name carries the app for the machines, not for people), its own name
 * otherwise, its id's start when it has none.
 */
export function bridgeTitle(bridge: { readonly id: string; readonly name: string } | undefined, id: string): string {
  if (!bridge) return `bridge ${id.slice(0, 8)}`;
  const slot = parkSlotOf(bridge.name);
  if (slot !== null) return `Park ${slot}`;
  return bridge.name || `bridge ${bridge.id.slice(0, 8)}`;
}

/**
 * A step under the timeline (or a span on it) in people's words: a bridge by
 * its name only, "a bridge" when it has none (the model's label carries the
 * id's start, which the raw events view keeps), and a park slot's bridge as
 * "Park 701", not `park-701@<app>`.
 */
export function stepText(label: string): string {
  const bridge = /^(Joined|Left|In) bridge (.*)$/.exec(label);
  const text = bridge ? `${bridge[1]} ${bridgeWords(bridge[2] ?? '')}` : label;
  return text.replace(/\bpark-(\d{1,6})(?:@[^\s()]+)?/g, 'Park $1');
}

/** The reducer writes `<name> (<id start>)` for a named bridge and `<id start>` alone for one without a name. */
function bridgeWords(label: string): string {
  const named = /^(.+) \([^()\s]+\)$/.exec(label);
  return named ? `bridge ${named[1] ?? ''}` : 'a bridge';
}
