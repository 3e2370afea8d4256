import type { BridgeRef, TimelineEntry } from './types.js';
import { describeParty } from './views.js';

/**
 * A timeline entry in words, built where it is shown (the timeline, its
 * steps and spans, history) rather than stored with every entry: most
 * entries are never looked at, and a label per event was a third of what
 * the model allocated while ingesting (bench/findings.md, ingest). Pure, so
 * main, the page and the tests all say the same words; these are the words
 * the reducer used to store (test/unit/timeline-labels.test.ts holds them).
 */
export function timelineLabel(entry: TimelineEntry): string {
  // Recordings made before labels were built lazily carry the words themselves in their snapshot.
  const stored = (entry as { readonly label?: unknown }).label;
  if (typeof stored === 'string') return stored;
  switch (entry.kind) {
    case 'created':
      return `Created (${entry.detail})`;
    case 'state':
      return entry.detail === 'Up' ? 'Answered (Up)' : `State: ${entry.detail}`;
    case 'stasis-start':
      return entry.detail ? `Entered the console's app (${entry.detail.join(', ')})` : "Entered the console's app";
    case 'stasis-end':
      return "Left the console's app";
    case 'dialplan': {
      const dp = entry.detail;
      return `${dp.context},${dp.exten},${dp.priority} ${dp.app}(${dp.appData})`;
    }
    case 'caller-id':
      return `Caller ID: ${describeParty(entry.detail)}`;
    case 'connected-line':
      return `Connected to ${describeParty(entry.detail)}`;
    case 'hold':
      return entry.source === 'ConsoleChannelFlag' ? 'Put on hold by the console' : 'On hold';
    case 'unhold':
      return entry.source === 'ConsoleChannelFlag' ? 'Taken off hold by the console' : 'Off hold';
    case 'mute':
      return `Muted (${entry.detail})`;
    case 'unmute':
      return `Unmuted (${entry.detail})`;
    case 'ring':
      return 'Ringing indicated to caller';
    case 'ring-stop':
      return 'Ringing indication stopped';
    case 'silence':
      return 'Playing silence';
    case 'silence-stop':
      return 'Silence stopped';
    case 'bridge-enter':
      return `Joined bridge ${bridgeWords(entry.detail)}`;
    case 'bridge-leave':
      return `Left bridge ${bridgeWords(entry.detail)}`;
    case 'playback-start':
      return `Playing ${entry.detail}`;
    case 'playback-end':
      return `Finished playing ${entry.detail}`;
    case 'dtmf':
      return `DTMF ${entry.detail ?? '?'}`;
    case 'transfer':
      return entry.detail;
    case 'hangup-request':
      return entry.detail === null ? 'Hangup requested' : `Hangup requested (cause ${entry.detail})`;
    case 'destroyed':
      return entry.detail ? `Hung up: ${entry.detail}` : 'Hung up';
    case 'link-lost':
      return `Link to PBX lost (${entry.detail})`;
    case 'link-restored':
      return entry.detail ? `State restored after reconnect: ${entry.detail}` : 'State restored after reconnect';
    case 'seen-at-connect':
      return entry.detail.reason === 'connect'
        ? `Already in progress when the console connected (${entry.detail.state})`
        : `Began while disconnected (${entry.detail.state})`;
    case 'ended-while-disconnected':
      return 'Ended while disconnected';
    case 'other':
      return entry.source;
  }
}

/** A named bridge with its id's start (the raw events view matches on it), an unnamed one by that alone. */
function bridgeWords(bridge: BridgeRef): string {
  const short = bridge.id.slice(0, 8);
  return bridge.name ? `${bridge.name} (${short})` : short;
}
