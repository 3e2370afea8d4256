import type { WorkflowEffect } from './effects.js';
import type { CallerBridge } from './transfer.js';

/**
 * Call park as a pure state machine. Each slot (701, 702, … by default) is a
 * holding bridge named `park-<slot>@<app>` playing music on hold, so a parked
 * call is visible to anything that lists bridges — the console's bridge board,
 * or this console after a restart (see `discovered`). The `@<app>` marker is
 * what makes a bridge this console's: slot bridges of another console (its own
 * app) are never adopted nor destroyed.
 *
 * A call parked longer than the timeout rings back the person who parked it
 * (a pickup of the parked call to their phone, run by the executor). Where the
 * console has no phone for them, the call returns to the console instead: out
 * of the slot, still hearing music, flagged as returned.
 */

export interface ParkConfig {
  readonly firstSlot: number;
  readonly slotCount: number;
  readonly timeoutSec: number;
  /** Ring-backs that fail (busy, no answer) before the call returns to the console. */
  readonly maxRingBacks: number;
}

export const DEFAULT_PARK_CONFIG: ParkConfig = { firstSlot: 701, slotCount: 10, timeoutSec: 120, maxRingBacks: 2 };

export type ParkStatus =
  /** Asked the PBX to move it in; not seen there yet. */
  | 'parking'
  | 'parked'
  /** Timed out: the parker's phone is ringing. */
  | 'ringing-back';

export interface ParkedCall {
  readonly slot: number;
  readonly bridgeId: string;
  readonly channelId: string;
  readonly callerLabel: string;
  readonly status: ParkStatus;
  readonly parkedAt: number;
  readonly timeoutAt: number;
  readonly parker: { readonly endpoint: string | null; readonly label: string };
  readonly ringBacks: number;
}

export type ParkOutcomeKind = 'retrieved' | 'answered-by-parker' | 'left' | 'returned' | 'abandoned' | 'failed';

export interface ParkOutcome {
  readonly slot: number;
  readonly channelId: string;
  readonly callerLabel: string;
  readonly kind: ParkOutcomeKind;
  readonly at: number;
  readonly detail: string;
}

export interface ParkState {
  readonly config: ParkConfig;
  /** The console's Stasis app: the marker in its slot bridges' names. */
  readonly owner: string;
  /** Occupied slots, by slot number. */
  readonly slots: readonly ParkedCall[];
  /** The latest ends of parked calls, newest first (bounded): what the UI tells the operator. */
  readonly recent: readonly ParkOutcome[];
}

export type ParkInput =
  | {
      readonly type: 'park';
      readonly at: number;
      readonly channelId: string;
      readonly callerLabel: string;
      readonly callerUp: boolean;
      readonly fromBridge: CallerBridge | null;
      /** The receptionist's leg in that bridge: released like in a blind transfer. */
      readonly operatorId: string | null;
      /** A specific slot, or the first free one. */
      readonly slot?: number;
      readonly parker: { readonly endpoint: string | null; readonly label: string };
      /** Unique per park: a slot's bridge is new every time. */
      readonly bridgeId: string;
    }
  /** Take the call out of its slot, optionally into a bridge (the receptionist's). */
  | { readonly type: 'retrieve'; readonly at: number; readonly slot: number; readonly toBridgeId?: string }
  /** The call is in its slot's bridge. */
  | { readonly type: 'entered'; readonly at: number; readonly slot: number }
  /**
   * The call left its slot by other means. `how`: 'ring-back', the parker's
   * ring-back answered and took it; 'moved', no workflow of the console took
   * it (the operator's plain bridge move on the board); absent, another
   * workflow did (picked up to a phone, transferred). `alone`: it is in no
   * bridge now (seen after a link gap), so it gets music instead of silence.
   */
  | { readonly type: 'left'; readonly at: number; readonly slot: number; readonly how?: 'ring-back' | 'moved'; readonly alone?: boolean }
  /** The parked caller hung up. */
  | { readonly type: 'ended'; readonly at: number; readonly slot: number }
  | { readonly type: 'ring-back-failed'; readonly at: number; readonly slot: number; readonly reason: string }
  /** A `park-<slot>` bridge the console did not create this run (it restarted, or another console parked it). */
  | {
      readonly type: 'discovered';
      readonly at: number;
      readonly slot: number;
      readonly bridgeId: string;
      readonly channelId: string | null;
      readonly callerLabel: string;
    }
  | { readonly type: 'effect-failed'; readonly at: number; readonly effect: WorkflowEffect; readonly message: string }
  | { readonly type: 'tick'; readonly at: number };

export interface ParkTransition {
  readonly state: ParkState;
  readonly effects: readonly WorkflowEffect[];
  readonly rejected?: string;
  /** park: the slot used. */
  readonly slot?: number;
  /** retrieve: the channel taken out. */
  readonly channelId?: string;
}

const RECENT_MAX = 20;
export const PARK_BRIDGE_PREFIX = 'park-';
/** A call asked into its slot that the PBX never shows there within this is given back to the console. */
export const PARKING_TIMEOUT_MS = 10_000;

export function createParkState(config: Partial<ParkConfig> = {}, owner = ''): ParkState {
  return { config: { ...DEFAULT_PARK_CONFIG, ...config }, owner, slots: [], recent: [] };
}

export function parkBridgeName(slot: number, owner: string): string {
  return `${PARK_BRIDGE_PREFIX}${slot}@${owner}`;
}

/** The slot a bridge name stands for, or null: `park-701@<owner>` → 701; another owner's, or no owner → null. */
export function slotOfBridgeName(name: string, config: ParkConfig, owner: string): number | null {
  const match = /^park-(\d{1,6})@(.+)$/.exec(name);
  if (!match || owner === '' || match[2] !== owner) return null;
  const slot = Number(match[1]);
  return isSlot(slot, config) ? slot : null;
}

export function isSlot(slot: number, config: ParkConfig): boolean {
  return Number.isInteger(slot) && slot >= config.firstSlot && slot < config.firstSlot + config.slotCount;
}

export function allSlots(config: ParkConfig): number[] {
  return Array.from({ length: config.slotCount }, (_, index) => config.firstSlot + index);
}

export function slotOf(state: ParkState, slot: number): ParkedCall | undefined {
  return state.slots.find((parked) => parked.slot === slot);
}

export function slotOfChannel(state: ParkState, channelId: string): ParkedCall | undefined {
  return state.slots.find((parked) => parked.channelId === channelId);
}

export function firstFreeSlot(state: ParkState): number | null {
  const taken = new Set(state.slots.map((parked) => parked.slot));
  return allSlots(state.config).find((slot) => !taken.has(slot)) ?? null;
}

function withSlot(state: ParkState, parked: ParkedCall): ParkState {
  const slots = state.slots.filter((other) => other.slot !== parked.slot);
  slots.push(parked);
  slots.sort((a, b) => a.slot - b.slot);
  return { ...state, slots };
}

function freeSlot(state: ParkState, parked: ParkedCall, kind: ParkOutcomeKind, at: number, detail: string): ParkState {
  const outcome: ParkOutcome = { slot: parked.slot, channelId: parked.channelId, callerLabel: parked.callerLabel, kind, at, detail };
  return {
    ...state,
    slots: state.slots.filter((other) => other.slot !== parked.slot),
    recent: [outcome, ...state.recent].slice(0, RECENT_MAX),
  };
}

const same = (state: ParkState): ParkTransition => ({ state, effects: [] });
const reject = (state: ParkState, why: string): ParkTransition => ({ state, effects: [], rejected: why });

/** Out of the slot, still hearing music, back in the console's list. */
function returnToConsole(state: ParkState, parked: ParkedCall, at: number, detail: string): ParkTransition {
  return {
    state: freeSlot(state, parked, 'returned', at, detail),
    effects: [
      { type: 'bridge-remove', bridgeId: parked.bridgeId, channelId: parked.channelId },
      { type: 'bridge-destroy', bridgeId: parked.bridgeId },
      { type: 'moh-start', channelId: parked.channelId },
    ],
  };
}

export function parkTransition(state: ParkState, input: ParkInput): ParkTransition {
  const { at } = input;
  switch (input.type) {
    case 'park': {
      if (slotOfChannel(state, input.channelId)) return reject(state, 'This call is already parked.');
      const slot = input.slot ?? firstFreeSlot(state);
      if (slot === null) return reject(state, 'Every park slot is taken.');
      if (!isSlot(slot, state.config)) return reject(state, `There is no park slot ${slot}.`);
      if (slotOf(state, slot)) return reject(state, `Park slot ${slot} is taken.`);
      const effects: WorkflowEffect[] = [];
      const from = input.fromBridge;
      // Parking frees the receptionist, like a blind transfer.
      if (input.operatorId) effects.push({ type: 'hangup', channelId: input.operatorId });
      if (!input.callerUp) effects.push({ type: 'answer', channelId: input.channelId });
      effects.push(
        { type: 'bridge-create', bridgeId: input.bridgeId, bridgeType: 'holding', name: parkBridgeName(slot, state.owner) },
        { type: 'bridge-moh-start', bridgeId: input.bridgeId },
        { type: 'bridge-add', bridgeId: input.bridgeId, channelId: input.channelId },
      );
      // The bridge that held only caller and receptionist goes once the call has moved out.
      if (input.operatorId && from && from.kind === 'mixing' && from.otherMembers.every((member) => member === input.operatorId)) {
        effects.push({ type: 'bridge-destroy', bridgeId: from.id });
      }
      const parked: ParkedCall = {
        slot,
        bridgeId: input.bridgeId,
        channelId: input.channelId,
        callerLabel: input.callerLabel,
        status: 'parking',
        parkedAt: at,
        timeoutAt: at + state.config.timeoutSec * 1000,
        parker: input.parker,
        ringBacks: 0,
      };
      return { state: withSlot(state, parked), effects, slot };
    }

    case 'entered': {
      const parked = slotOf(state, input.slot);
      if (!parked || parked.status !== 'parking') return same(state);
      return same(withSlot(state, { ...parked, status: 'parked' }));
    }

    case 'retrieve': {
      const parked = slotOf(state, input.slot);
      if (!parked) return reject(state, `Park slot ${input.slot} is empty.`);
      const effects: WorkflowEffect[] = [];
      if (parked.status === 'ringing-back') effects.push({ type: 'ring-back-cancel', slot: parked.slot });
      if (input.toBridgeId) effects.push({ type: 'bridge-add', bridgeId: input.toBridgeId, channelId: parked.channelId });
      else effects.push({ type: 'bridge-remove', bridgeId: parked.bridgeId, channelId: parked.channelId });
      effects.push({ type: 'bridge-destroy', bridgeId: parked.bridgeId });
      // Back in the console's list, not in a bridge with anyone: it keeps hearing music.
      if (!input.toBridgeId) effects.push({ type: 'moh-start', channelId: parked.channelId });
      return { state: freeSlot(state, parked, 'retrieved', at, 'retrieved by the operator'), effects, channelId: parked.channelId };
    }

    case 'left': {
      const parked = slotOf(state, input.slot);
      if (!parked) return same(state);
      // Ringing back says nothing of who took it: a plain move while the parker's phone rings is no answer.
      const kind: ParkOutcomeKind = input.how === 'ring-back' ? 'answered-by-parker' : 'left';
      const detail = input.how === 'ring-back' ? `answered by ${parked.parker.label}` : input.how === 'moved' ? 'moved to another bridge by the operator' : 'taken out of the slot';
      const effects: WorkflowEffect[] = [{ type: 'bridge-destroy', bridgeId: parked.bridgeId }];
      if (input.alone) effects.push({ type: 'moh-start', channelId: parked.channelId });
      return { state: freeSlot(state, parked, kind, at, detail), effects };
    }

    case 'ended': {
      const parked = slotOf(state, input.slot);
      if (!parked) return same(state);
      const effects: WorkflowEffect[] = [];
      if (parked.status === 'ringing-back') effects.push({ type: 'ring-back-cancel', slot: parked.slot });
      effects.push({ type: 'bridge-destroy', bridgeId: parked.bridgeId });
      return { state: freeSlot(state, parked, 'abandoned', at, 'the caller hung up while parked'), effects };
    }

    case 'tick': {
      let next = state;
      const effects: WorkflowEffect[] = [];
      for (const parked of state.slots) {
        if (parked.status === 'parking' && at >= parked.parkedAt + PARKING_TIMEOUT_MS) {
          // Never seen in its slot (its event was lost, or the move failed
          // without a word): the call comes back to the console with music.
          next = freeSlot(next, parked, 'failed', at, 'the call never reached its slot');
          effects.push({ type: 'bridge-destroy', bridgeId: parked.bridgeId, ifOnly: [parked.channelId] }, { type: 'moh-start', channelId: parked.channelId });
          continue;
        }
        if (parked.status !== 'parked' || at < parked.timeoutAt) continue;
        if (parked.parker.endpoint) {
          next = withSlot(next, { ...parked, status: 'ringing-back' });
          effects.push({
            type: 'ring-back',
            slot: parked.slot,
            channelId: parked.channelId,
            endpoint: parked.parker.endpoint,
            label: `Parked ${parked.slot}: ${parked.callerLabel}`,
          });
        } else {
          const returned = returnToConsole(next, parked, at, `park timeout after ${state.config.timeoutSec} s`);
          next = returned.state;
          effects.push(...returned.effects);
        }
      }
      return { state: next, effects };
    }

    case 'ring-back-failed': {
      const parked = slotOf(state, input.slot);
      if (!parked || parked.status !== 'ringing-back') return same(state);
      const ringBacks = parked.ringBacks + 1;
      if (ringBacks >= state.config.maxRingBacks) {
        return returnToConsole(state, parked, at, `${parked.parker.label} did not answer (${input.reason})`);
      }
      return same(withSlot(state, { ...parked, status: 'parked', ringBacks, timeoutAt: at + state.config.timeoutSec * 1000 }));
    }

    case 'discovered': {
      if (!isSlot(input.slot, state.config)) return same(state);
      const known = slotOf(state, input.slot);
      if (known) {
        // Our own bridge, or a duplicate slot bridge (two consoles): leave it be.
        return same(state);
      }
      if (input.channelId === null) {
        // An empty slot bridge left behind (the console stopped mid-park): tidy it.
        return { state, effects: [{ type: 'bridge-destroy', bridgeId: input.bridgeId }] };
      }
      if (slotOfChannel(state, input.channelId)) return same(state);
      const parked: ParkedCall = {
        slot: input.slot,
        bridgeId: input.bridgeId,
        channelId: input.channelId,
        callerLabel: input.callerLabel,
        status: 'parked',
        parkedAt: at,
        timeoutAt: at + state.config.timeoutSec * 1000,
        parker: { endpoint: null, label: 'the console' },
        ringBacks: 0,
      };
      return same(withSlot(state, parked));
    }

    case 'effect-failed': {
      const effect = input.effect;
      const bridgeId = 'bridgeId' in effect ? effect.bridgeId : null;
      const parked = state.slots.find((candidate) => candidate.bridgeId === bridgeId && candidate.status === 'parking');
      if (!parked || (effect.type !== 'bridge-create' && effect.type !== 'bridge-add')) return same(state);
      // The call never reached its slot: it keeps music so it is not left in silence.
      return {
        state: freeSlot(state, parked, 'failed', at, `could not park: ${input.message}`),
        effects: [
          { type: 'bridge-destroy', bridgeId: parked.bridgeId },
          { type: 'moh-start', channelId: parked.channelId },
        ],
      };
    }
  }
}
