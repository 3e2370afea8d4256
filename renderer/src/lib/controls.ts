import type { ChannelView } from '../../../common/model/index.js';
import { isRinging } from './describe.js';
import { keyHint } from './shortcuts.js';

/**
 * Which call controls a receptionist may use on the selected call, and why
 * not when not: pure, so the buttons, the shortcuts and the tests agree. A
 * toggle (hold, mute, ring, silence) shows the action it will perform next.
 */

export type ControlId = 'answer' | 'hangup' | 'hold' | 'mute' | 'ring' | 'silence' | 'dtmf' | 'play';

export type Command =
  | 'call.answer'
  | 'call.hangup'
  | 'call.hold'
  | 'call.unhold'
  | 'call.mute'
  | 'call.unmute'
  | 'call.ring'
  | 'call.ringStop'
  | 'call.startSilence'
  | 'call.stopSilence';

export interface ControlState {
  readonly id: ControlId;
  readonly label: string;
  /** The key shown on the button and listed in the help. */
  readonly key: string;
  readonly enabled: boolean;
  /** Why it is disabled, in words; null when enabled. */
  readonly reason: string | null;
  /** For toggles: whether the state it toggles is on now. */
  readonly pressed: boolean | null;
  /** What pressing it sends; null for controls that open a panel (DTMF, play). */
  readonly command: Command | null;
  /** Verb phrase for failure messages: "Could not <verb> <caller>". */
  readonly verb: string;
}

export interface ControlContext {
  /** Set while nothing may be changed (a replay), with why. */
  readonly readOnly: string | null;
  readonly connected: boolean;
}

export const NOT_CONTROLLED = "This channel is not under the console's control.";

interface Spec {
  readonly id: ControlId;
  readonly label: string;
  readonly command: Command | null;
  readonly verb: string;
  readonly pressed: boolean | null;
  /** A reason this call cannot take it, beyond the shared ones. */
  readonly refuse: string | null;
  /** Hang up works on any channel; everything else needs the console's app. */
  readonly needsStasis: boolean;
}

interface Words {
  readonly label: string;
  readonly command: Command;
  readonly verb: string;
}

/** A toggle's words while its state is off, and while on: the button names what pressing it does next. */
interface ToggleWords {
  readonly off: Words;
  readonly on: Words;
}

const HOLD: ToggleWords = {
  off: { label: 'Hold', command: 'call.hold', verb: 'put on hold' },
  on: { label: 'Unhold', command: 'call.unhold', verb: 'take off hold' },
};
const MUTE: ToggleWords = {
  off: { label: 'Mute', command: 'call.mute', verb: 'mute' },
  on: { label: 'Unmute', command: 'call.unmute', verb: 'unmute' },
};
const RING: ToggleWords = {
  off: { label: 'Ring', command: 'call.ring', verb: 'play the ringing tone to' },
  on: { label: 'Stop ring', command: 'call.ringStop', verb: 'stop the ringing tone for' },
};
const SILENCE: ToggleWords = {
  off: { label: 'Silence', command: 'call.startSilence', verb: 'play silence to' },
  on: { label: 'End silence', command: 'call.stopSilence', verb: 'stop the silence on' },
};

function toggle(id: ControlId, on: boolean, words: ToggleWords, refuse: string | null): Spec {
  const { label, command, verb } = on ? words.on : words.off;
  return { id, label, command, verb, pressed: on, refuse, needsStasis: true };
}

function specs(channel: ChannelView): Spec[] {
  const up = channel.state === 'Up';
  const answerFirst = (what: string) => (up ? null : `Answer the call before ${what}.`);
  const muted = channel.muted.in || channel.muted.out;
  return [
    { id: 'answer', label: 'Answer', command: 'call.answer', verb: 'answer', pressed: null, refuse: up ? 'Already answered.' : null, needsStasis: true },
    { id: 'hangup', label: 'Hang up', command: 'call.hangup', verb: 'hang up', pressed: null, refuse: null, needsStasis: false },
    toggle('hold', channel.onHold, HOLD, channel.onHold ? null : answerFirst('holding it')),
    toggle('mute', muted, MUTE, muted ? null : answerFirst('muting it')),
    toggle('ring', channel.ringing, RING, up && !channel.ringing ? 'Ringing is only for calls not yet answered.' : null),
    toggle('silence', channel.silenced, SILENCE, channel.silenced ? null : answerFirst('playing silence')),
    { id: 'dtmf', label: 'Keypad', command: null, verb: 'send tones to', pressed: null, refuse: answerFirst('sending tones'), needsStasis: true },
    { id: 'play', label: 'Sound', command: null, verb: 'play a sound to', pressed: null, refuse: answerFirst('playing a sound'), needsStasis: true },
  ];
}

export function callControls(channel: ChannelView | null, context: ControlContext): ControlState[] {
  if (!channel) {
    // The same buttons, all off: the panel keeps its layout with nothing selected.
    return BLANK.map((spec) => ({ ...spec, key: keyHint(spec.id), enabled: false, reason: 'Select a call first.', pressed: null }));
  }
  return specs(channel).map((spec) => {
    const reason =
      context.readOnly ??
      (channel.endedAt !== null
        ? 'This call has ended.'
        : !context.connected
          ? 'The console is not connected to the PBX right now.'
          : spec.needsStasis && !channel.inStasis
            ? NOT_CONTROLLED
            : spec.refuse);
    return { id: spec.id, label: spec.label, key: keyHint(spec.id), enabled: reason === null, reason, pressed: spec.pressed, command: spec.command, verb: spec.verb };
  });
}

const BLANK = [
  { id: 'answer', label: 'Answer', command: null, verb: 'answer' },
  { id: 'hangup', label: 'Hang up', command: null, verb: 'hang up' },
  { id: 'hold', label: 'Hold', command: null, verb: 'put on hold' },
  { id: 'mute', label: 'Mute', command: null, verb: 'mute' },
  { id: 'ring', label: 'Ring', command: null, verb: 'ring' },
  { id: 'silence', label: 'Silence', command: null, verb: 'silence' },
  { id: 'dtmf', label: 'Keypad', command: null, verb: 'send tones to' },
  { id: 'play', label: 'Sound', command: null, verb: 'play a sound to' },
] as const satisfies readonly Omit<ControlState, 'key' | 'enabled' | 'reason' | 'pressed'>[];

/** The one control a call most likely needs next: what Enter does on a selected call. */
export function primaryControl(channel: ChannelView | null): ControlId | null {
  if (!channel || channel.endedAt !== null || !channel.inStasis) return null;
  return isRinging(channel) || channel.state !== 'Up' ? 'answer' : null;
}
