import type { ErrorCode } from '../errors.js';
import { describeFailure, type WorkflowEffect } from './effects.js';

/**
 * Transfers as a pure state machine, built from what ARI offers (originate,
 * bridges, music on hold) so the user's PBX needs nothing beyond sending calls
 * to the console's Stasis app.
 *
 * One machine serves four flows that differ only in where they start:
 * - blind: the receptionist hands the caller to a target and is free at once;
 *   the caller hears music (or ringing, if never answered) until the target
 *   answers, then both are bridged.
 * - attended: the caller waits on hold while the receptionist consults the
 *   target; then complete (caller ↔ target), swap (who is on hold), or cancel.
 * - pickup: a blind transfer to the receptionist's own phone — how a ringing or
 *   parked call is answered "on my phone", and how a park times out to its parker.
 * - dial: click-to-dial: ring the receptionist's phone first, then the number.
 *
 * Every transition takes the time as input and returns effects as data.
 * A bridged transfer stays 'connected' until either side hangs up, then hangs
 * up the other: a console-built bridge must not leave one party in silence.
 * Those hangups are guarded (`ifIn`, `ifOnly`): a leg the operator moved
 * elsewhere meanwhile is no longer the transfer's to end. A caller is never
 * left in silence: it keeps music until it is in a bridge with someone.
 */

export type TransferKind = 'blind' | 'attended' | 'pickup' | 'dial';

export type TransferPhase =
  /** dial: ringing the receptionist's own phone before the number. */
  | 'calling-operator'
  /** The target is ringing. */
  | 'dialing'
  /** attended: receptionist and target talk; the caller is on hold. */
  | 'consulting'
  /** attended: receptionist and caller talk; the target is on hold. */
  | 'swapped'
  /** Caller and target bridged; watched until one of them hangs up. */
  | 'connected'
  | 'done';

export interface TransferOutcome {
  readonly status: 'completed' | 'cancelled' | 'failed';
  /** In words: "answered", "busy", "no answer", "cancelled by the operator"… */
  readonly reason: string;
  readonly at: number;
}

export interface CallerBridge {
  readonly id: string;
  readonly kind: 'mixing' | 'holding' | 'other';
  /** The other channels in it when the transfer began. */
  readonly otherMembers: readonly string[];
}

export interface TransferState {
  readonly id: string;
  readonly kind: TransferKind;
  readonly phase: TransferPhase;
  /** The call being transferred (for dial: the receptionist's own leg). */
  readonly callerId: string;
  readonly callerLabel: string;
  /** Whether the caller's channel is answered. */
  readonly callerUp: boolean;
  /** Where the caller was when the transfer began. */
  readonly callerBridge: CallerBridge | null;
  /** The receptionist's leg talking to the caller, if the console has one. */
  readonly operatorId: string | null;
  readonly target: { readonly endpoint: string; readonly label: string };
  readonly targetId: string;
  /** The bridge that joins caller and target; chosen up front. */
  readonly bridgeId: string;
  /** attended: where receptionist and target talk (the receptionist's bridge). */
  readonly consultBridgeId: string | null;
  readonly held: 'caller' | 'target' | null;
  /** What the caller hears while the target rings. */
  readonly waitTone: 'moh' | 'ring' | 'parked';
  /** attended: "complete" pressed before the target answered. */
  readonly completeOnAnswer: boolean;
  /** Seconds the target may ring. */
  readonly timeoutSec: number;
  /** Shown on the target's phone. */
  readonly targetCallerId: string | null;
  readonly startedAt: number;
  /** Past this while dialing, the console gives up on the target itself. */
  readonly deadline: number;
  readonly answeredAt: number | null;
  /** The target was seen in the transfer's bridge: only then is the transfer really connected. */
  readonly targetJoined: boolean;
  readonly outcome: TransferOutcome | null;
  readonly endedAt: number | null;
  readonly lastError: string | null;
}

export type TransferCommand = 'complete' | 'swap' | 'cancel';

export type TransferInput =
  /** dial: the receptionist's phone answered (its leg is Up in the app). */
  | { readonly type: 'caller-answered'; readonly at: number }
  /** The target leg is Up and in the app. */
  | { readonly type: 'target-answered'; readonly at: number }
  /** The target entered the transfer's bridge (its ChannelEnteredBridge). */
  | { readonly type: 'target-joined'; readonly at: number }
  | { readonly type: 'target-ended'; readonly at: number; readonly cause: number | null; readonly causeText: string | null }
  | { readonly type: 'caller-ended'; readonly at: number }
  | { readonly type: 'operator-ended'; readonly at: number }
  | { readonly type: TransferCommand; readonly at: number }
  /**
   * Another workflow (a new transfer, a park) took `channelId` over: stop
   * watching, hang up the legs this one rang that talk to nobody, and bring a
   * held caller back; never touch the channel taken.
   */
  | { readonly type: 'release'; readonly at: number; readonly channelId?: string }
  | { readonly type: 'effect-failed'; readonly at: number; readonly effect: WorkflowEffect; readonly message: string; readonly code?: ErrorCode }
  | { readonly type: 'tick'; readonly at: number };

export interface TransferTransition {
  readonly state: TransferState;
  readonly effects: readonly WorkflowEffect[];
  /** Set when a command does not apply in this phase; state and effects are then unchanged. */
  readonly rejected?: string;
}

/** Seconds after the originate timeout before the console stops waiting for the PBX to say so. */
export const DIAL_GRACE_SEC = 5;
/**
 * A target that leaves within this of being connected never really took the
 * call (it answered and hung up at once: an auto-answer, a slip): the caller
 * comes back to the console instead of being hung up with it.
 */
export const CONNECT_GRACE_MS = 1000;

export interface CallerInfo {
  readonly id: string;
  readonly label: string;
  readonly up: boolean;
  readonly bridge: CallerBridge | null;
}

export interface StartTransfer {
  readonly id: string;
  readonly kind: 'blind' | 'attended' | 'pickup';
  readonly now: number;
  readonly caller: CallerInfo;
  /** The receptionist's leg, found in the caller's bridge by the executor. */
  readonly operatorId: string | null;
  readonly target: { readonly endpoint: string; readonly label: string };
  readonly timeoutSec: number;
  /** Shown on the target's phone; by default the caller's own. */
  readonly targetCallerId?: string;
}

export interface StartDial {
  readonly id: string;
  readonly now: number;
  readonly operatorEndpoint: string;
  readonly target: { readonly endpoint: string; readonly label: string };
  readonly timeoutSec: number;
  /** Shown on the receptionist's phone while it rings, e.g. "Dialing 0123". */
  readonly operatorCallerId?: string;
  /** Shown on the target's phone. */
  readonly targetCallerId?: string;
}

export const isActive = (state: TransferState): boolean => state.phase !== 'done';

/** Ids the machine derives from its own: the executor and tests use the same. */
export const transferIds = (id: string) => ({ targetId: `${id}-t`, bridgeId: `${id}-b`, operatorLegId: `${id}-op` });

function originateTarget(state: TransferState): WorkflowEffect {
  return {
    type: 'originate',
    channelId: state.targetId,
    endpoint: state.target.endpoint,
    timeoutSec: state.timeoutSec,
    appArgs: `transfer,${state.id}`,
    ...(state.targetCallerId ? { callerId: state.targetCallerId } : {}),
  };
}

export function startTransfer(input: StartTransfer): TransferTransition {
  const { id, kind, now, caller } = input;
  const ids = transferIds(id);
  const parked = caller.bridge?.kind === 'holding';
  // Attended moves the caller out of wherever it was (even a park slot): it is
  // on hold with the console until complete or cancel.
  const staysParked = parked && kind !== 'attended';
  const operatorId = kind === 'pickup' ? null : input.operatorId;
  const base: TransferState = {
    id,
    kind,
    phase: 'dialing',
    callerId: caller.id,
    callerLabel: caller.label,
    callerUp: caller.up || kind === 'attended',
    callerBridge: caller.bridge,
    operatorId,
    target: input.target,
    targetId: ids.targetId,
    bridgeId: ids.bridgeId,
    consultBridgeId: kind === 'attended' && operatorId && caller.bridge?.kind === 'mixing' && caller.bridge.otherMembers.includes(operatorId) ? caller.bridge.id : null,
    held: kind === 'attended' ? 'caller' : null,
    waitTone: staysParked ? 'parked' : caller.up || kind === 'attended' ? 'moh' : 'ring',
    completeOnAnswer: false,
    timeoutSec: input.timeoutSec,
    targetCallerId: input.targetCallerId ?? null,
    startedAt: now,
    deadline: now + (input.timeoutSec + DIAL_GRACE_SEC) * 1000,
    answeredAt: null,
    targetJoined: false,
    outcome: null,
    endedAt: null,
    lastError: null,
  };
  if (kind === 'attended' && base.consultBridgeId === null) {
    // Without the receptionist's own leg beside the caller there is nobody to
    // consult with, and a swap would leave the caller talking to silence.
    return { state: base, effects: [], rejected: 'An attended transfer needs you on the call: take it on your phone first, or use a blind transfer.' };
  }
  const effects: WorkflowEffect[] = [];
  const bridge = caller.bridge;
  if (bridge && !staysParked) {
    effects.push({ type: 'bridge-remove', bridgeId: bridge.id, channelId: caller.id });
  }
  if (kind === 'attended') {
    if (!caller.up) effects.push({ type: 'answer', channelId: caller.id });
  } else if (operatorId) {
    // Blind: the receptionist is free at once; their leg goes, and with it a
    // bridge that only held the two of them.
    effects.push({ type: 'hangup', channelId: operatorId, ifIn: [bridge?.id ?? null] });
    if (bridge && bridge.kind === 'mixing' && bridge.otherMembers.every((member) => member === operatorId)) {
      effects.push({ type: 'bridge-destroy', bridgeId: bridge.id, ifOnly: [caller.id, operatorId] });
    }
  }
  if (base.waitTone === 'moh') effects.push({ type: 'moh-start', channelId: caller.id });
  else if (base.waitTone === 'ring') effects.push({ type: 'ring', channelId: caller.id });
  effects.push(originateTarget(base));
  return { state: base, effects };
}

/** Click-to-dial: the receptionist's phone rings first; the number is dialed once it answers. */
export function startDial(input: StartDial): TransferTransition {
  const ids = transferIds(input.id);
  const state: TransferState = {
    id: input.id,
    kind: 'dial',
    phase: 'calling-operator',
    callerId: ids.operatorLegId,
    callerLabel: input.operatorEndpoint,
    callerUp: false,
    callerBridge: null,
    operatorId: null,
    target: input.target,
    targetId: ids.targetId,
    bridgeId: ids.bridgeId,
    consultBridgeId: null,
    held: null,
    waitTone: 'ring',
    completeOnAnswer: false,
    timeoutSec: input.timeoutSec,
    targetCallerId: input.targetCallerId ?? null,
    startedAt: input.now,
    deadline: input.now + (input.timeoutSec + DIAL_GRACE_SEC) * 1000,
    answeredAt: null,
    targetJoined: false,
    outcome: null,
    endedAt: null,
    lastError: null,
  };
  const effect: WorkflowEffect = {
    type: 'originate',
    channelId: ids.operatorLegId,
    endpoint: input.operatorEndpoint,
    timeoutSec: input.timeoutSec,
    appArgs: `dial,${input.id}`,
    ...(input.operatorCallerId ? { callerId: input.operatorCallerId } : {}),
  };
  return { state, effects: [effect] };
}

const done = (state: TransferState, at: number, status: TransferOutcome['status'], reason: string): TransferState => ({
  ...state,
  phase: 'done',
  held: null,
  outcome: state.outcome ?? { status, reason, at },
  endedAt: at,
});

const reject = (state: TransferState, why: string): TransferTransition => ({ state, effects: [], rejected: why });
const same = (state: TransferState): TransferTransition => ({ state, effects: [] });

/** Caller and target into the transfer's own bridge: the end of every successful flow. */
function connect(state: TransferState, at: number, extra: WorkflowEffect[] = []): TransferTransition {
  const effects: WorkflowEffect[] = [...extra];
  if (!state.callerUp) effects.push({ type: 'answer', channelId: state.callerId });
  if (state.held === 'caller' || (state.held === null && state.phase === 'dialing' && state.waitTone === 'moh')) {
    effects.push({ type: 'moh-stop', channelId: state.callerId });
  }
  if (state.held === null && state.phase === 'dialing' && state.waitTone === 'ring') effects.push({ type: 'ring-stop', channelId: state.callerId });
  if (state.held === 'target') effects.push({ type: 'moh-stop', channelId: state.targetId });
  const name = `${state.kind === 'pickup' ? 'pickup' : state.kind === 'dial' ? 'call' : 'transfer'} ${state.target.label}`.slice(0, 100);
  effects.push(
    { type: 'bridge-create', bridgeId: state.bridgeId, bridgeType: 'mixing', name },
    { type: 'bridge-add', bridgeId: state.bridgeId, channelId: state.callerId },
    { type: 'bridge-add', bridgeId: state.bridgeId, channelId: state.targetId },
  );
  if (state.operatorId && state.kind === 'attended') effects.push({ type: 'hangup', channelId: state.operatorId, ifIn: [state.consultBridgeId] });
  if (state.consultBridgeId) effects.push({ type: 'bridge-destroy', bridgeId: state.consultBridgeId, ifOnly: consultLegs(state) });
  return {
    state: {
      ...state,
      phase: 'connected',
      held: null,
      callerUp: true,
      operatorId: null,
      consultBridgeId: null,
      answeredAt: state.answeredAt ?? at,
      outcome: { status: 'completed', reason: 'answered', at },
    },
    effects,
  };
}

/** Who may be in the receptionist's bridge when the transfer takes it down. */
function consultLegs(state: TransferState): string[] {
  return [state.callerId, state.targetId, ...(state.operatorId ? [state.operatorId] : [])];
}

/** The bridge the transfer built, taken down only while nobody else joined it. */
function destroyOwnBridge(state: TransferState): WorkflowEffect {
  return { type: 'bridge-destroy', bridgeId: state.bridgeId, ifOnly: [state.callerId, state.targetId] };
}

/**
 * attended: the caller back with the receptionist. Without a receptionist to
 * talk to (their leg is gone) the caller keeps its music on the console's hold.
 */
function retrieveCaller(state: TransferState): WorkflowEffect[] {
  if (state.held !== 'caller' || !state.consultBridgeId || state.operatorId === null) return [];
  return [
    { type: 'moh-stop', channelId: state.callerId },
    { type: 'bridge-add', bridgeId: state.consultBridgeId, channelId: state.callerId },
  ];
}

/**
 * Connected on paper, but the target left before it was ever in the bridge,
 * or within CONNECT_GRACE_MS of it (it answered and hung up at once): the
 * caller comes back to the console's hold with music, never hung up. dial:
 * the "caller" is the receptionist's own leg, which has nobody left to talk to.
 */
function targetLostBeforeJoining(state: TransferState, at: number): TransferTransition {
  const effects: WorkflowEffect[] =
    state.kind === 'dial'
      ? [{ type: 'hangup', channelId: state.callerId }, destroyOwnBridge(state)]
      : [destroyOwnBridge(state), { type: 'moh-start', channelId: state.callerId, ifIn: [state.bridgeId, null] }];
  return { state: done({ ...state, outcome: null }, at, 'failed', 'the target hung up before the call was connected'), effects };
}

/** release: what a transfer rang and left talking to nobody goes; a held caller comes back. */
function release(state: TransferState, at: number, taken: string | null): TransferTransition {
  const free = (id: string) => id !== taken;
  // The receptionist's leg taken by the new action is gone as far as this transfer is concerned.
  const left: TransferState = taken !== null && taken === state.operatorId ? { ...state, operatorId: null } : state;
  const effects: WorkflowEffect[] = [];
  if (state.phase === 'calling-operator') {
    if (free(state.callerId)) effects.push({ type: 'hangup', channelId: state.callerId });
  } else if (state.phase === 'dialing') {
    if (free(state.targetId)) effects.push({ type: 'hangup', channelId: state.targetId, ifIn: [null] });
    if (state.kind === 'dial' && free(state.callerId)) effects.push({ type: 'hangup', channelId: state.callerId, ifIn: [null] });
    if (free(state.callerId)) effects.push(...retrieveCaller(left));
  } else if (state.phase === 'consulting' || state.phase === 'swapped') {
    // A target on hold talks to nobody; one in the consultation talks to the receptionist.
    if (state.held === 'target' && free(state.targetId)) effects.push({ type: 'hangup', channelId: state.targetId, ifIn: [null] });
    if (free(state.callerId)) effects.push(...retrieveCaller(left));
  }
  return { state: done(state, at, state.phase === 'connected' ? 'completed' : 'cancelled', 'taken over by another action'), effects };
}

function targetFailed(state: TransferState, at: number, reason: string): TransferTransition {
  if (state.kind === 'attended') return { state: done(state, at, 'failed', reason), effects: retrieveCaller(state) };
  if (state.kind === 'dial') return { state: done(state, at, 'failed', reason), effects: [{ type: 'hangup', channelId: state.callerId }] };
  // blind / pickup: the call stays with the console as it was (music, ringing or
  // its park slot), marked with why the transfer failed.
  return { state: done(state, at, 'failed', reason), effects: [] };
}

export function transferTransition(state: TransferState, input: TransferInput): TransferTransition {
  const at = input.at;
  if (input.type === 'effect-failed' && input.effect.type === 'bridge-add' && (input.effect.channelId === state.callerId || input.effect.channelId === state.targetId)) {
    // It never reached the bridge it was meant for (even as the transfer
    // ended): music rather than silence while the operator sees why.
    return { state: { ...state, lastError: input.message }, effects: [{ type: 'moh-start', channelId: input.effect.channelId }] };
  }
  if (state.phase === 'done') {
    return input.type === 'complete' || input.type === 'swap' || input.type === 'cancel' ? reject(state, 'This transfer has already ended.') : same(state);
  }
  switch (input.type) {
    case 'tick':
      if ((state.phase === 'dialing' || state.phase === 'calling-operator') && at >= state.deadline) {
        // The PBX should have ended the leg at its originate timeout; it did
        // not say so (or we missed it): end it ourselves.
        const leg = state.phase === 'dialing' ? state.targetId : state.callerId;
        const failed = state.phase === 'dialing' ? targetFailed(state, at, 'no answer') : { state: done(state, at, 'failed', 'your phone did not answer'), effects: [] };
        return { state: failed.state, effects: [{ type: 'hangup', channelId: leg }, ...failed.effects] };
      }
      return same(state);

    case 'release':
      return release(state, at, input.channelId ?? null);

    case 'target-joined':
      return state.phase === 'connected' && !state.targetJoined ? same({ ...state, targetJoined: true }) : same(state);

    case 'caller-answered': {
      if (state.kind !== 'dial' || state.phase !== 'calling-operator') return same(state);
      const next: TransferState = { ...state, phase: 'dialing', callerUp: true, deadline: at + (state.timeoutSec + DIAL_GRACE_SEC) * 1000 };
      return { state: next, effects: [{ type: 'ring', channelId: state.callerId }, originateTarget(next)] };
    }

    case 'target-answered':
      if (state.phase !== 'dialing') return same(state);
      if (state.kind === 'attended' && !state.completeOnAnswer) {
        const effects: WorkflowEffect[] = state.consultBridgeId ? [{ type: 'bridge-add', bridgeId: state.consultBridgeId, channelId: state.targetId }] : [];
        return { state: { ...state, phase: 'consulting', answeredAt: at }, effects };
      }
      return connect({ ...state, answeredAt: at }, at);

    case 'target-ended': {
      if (state.phase === 'connected') {
        if (!state.targetJoined || at - (state.outcome?.at ?? at) < CONNECT_GRACE_MS) return targetLostBeforeJoining(state, at);
        return { state: done(state, at, 'completed', 'answered'), effects: [{ type: 'hangup', channelId: state.callerId, ifIn: [state.bridgeId] }, destroyOwnBridge(state)] };
      }
      if (state.phase === 'calling-operator') return same(state);
      const reason = state.phase === 'dialing' ? describeFailure(input.cause, input.causeText) : 'the target hung up';
      return targetFailed(state, at, reason);
    }

    case 'caller-ended': {
      if (state.phase === 'connected') {
        return { state: done(state, at, 'completed', 'answered'), effects: [{ type: 'hangup', channelId: state.targetId, ifIn: [state.bridgeId] }, destroyOwnBridge(state)] };
      }
      if (state.phase === 'calling-operator') return { state: done(state, at, 'failed', 'your phone did not answer'), effects: [] };
      const reason = state.kind === 'dial' ? 'you hung up' : 'the caller hung up';
      // A receptionist mid-consultation keeps talking to the target.
      const keepTarget = state.kind === 'attended' && state.phase !== 'dialing' && state.operatorId !== null;
      return { state: done(state, at, 'failed', reason), effects: keepTarget ? [] : [{ type: 'hangup', channelId: state.targetId }] };
    }

    case 'operator-ended': {
      if (state.kind !== 'attended' || state.operatorId === null) return same(state);
      // Like a phone's attended transfer: hanging up mid-consultation completes it.
      const gone: TransferState = { ...state, operatorId: null };
      if (state.phase === 'dialing') {
        const effects: WorkflowEffect[] = state.consultBridgeId ? [{ type: 'bridge-destroy', bridgeId: state.consultBridgeId, ifOnly: consultLegs(state) }] : [];
        return { state: { ...gone, completeOnAnswer: true, consultBridgeId: null }, effects };
      }
      return connect(gone, at);
    }

    case 'complete':
      if (state.kind !== 'attended') return reject(state, 'Only an attended transfer waits for "complete".');
      if (state.phase === 'dialing') {
        if (state.completeOnAnswer) return same(state);
        // Complete while the target still rings: the receptionist leaves, the
        // caller keeps its music and is bridged when the target answers.
        const effects: WorkflowEffect[] = [];
        if (state.operatorId) effects.push({ type: 'hangup', channelId: state.operatorId, ifIn: [state.consultBridgeId] });
        if (state.consultBridgeId) effects.push({ type: 'bridge-destroy', bridgeId: state.consultBridgeId, ifOnly: consultLegs(state) });
        return { state: { ...state, completeOnAnswer: true, operatorId: null, consultBridgeId: null }, effects };
      }
      if (state.phase === 'consulting' || state.phase === 'swapped') {
        const effects: WorkflowEffect[] = [];
        if (state.consultBridgeId) {
          const inConsult = state.phase === 'consulting' ? state.targetId : state.callerId;
          effects.push({ type: 'bridge-remove', bridgeId: state.consultBridgeId, channelId: inConsult });
        }
        return connect(state, at, effects);
      }
      return reject(state, 'Nothing to complete.');

    case 'swap': {
      if (state.kind !== 'attended' || (state.phase !== 'consulting' && state.phase !== 'swapped')) {
        return reject(state, 'Swap needs an answered consultation call.');
      }
      const [talking, waiting] = state.phase === 'consulting' ? [state.targetId, state.callerId] : [state.callerId, state.targetId];
      const effects: WorkflowEffect[] = [];
      if (state.consultBridgeId) effects.push({ type: 'bridge-remove', bridgeId: state.consultBridgeId, channelId: talking });
      effects.push({ type: 'moh-start', channelId: talking }, { type: 'moh-stop', channelId: waiting });
      if (state.consultBridgeId) effects.push({ type: 'bridge-add', bridgeId: state.consultBridgeId, channelId: waiting });
      return {
        state: { ...state, phase: state.phase === 'consulting' ? 'swapped' : 'consulting', held: state.phase === 'consulting' ? 'target' : 'caller' },
        effects,
      };
    }

    case 'cancel': {
      if (state.phase === 'connected') return reject(state, 'The transfer is already complete.');
      if (state.phase === 'calling-operator') {
        return { state: done(state, at, 'cancelled', 'cancelled by the operator'), effects: [{ type: 'hangup', channelId: state.callerId }] };
      }
      const effects: WorkflowEffect[] = [{ type: 'hangup', channelId: state.targetId }];
      if (state.kind === 'attended') effects.push(...retrieveCaller(state));
      if (state.kind === 'dial') effects.push({ type: 'hangup', channelId: state.callerId });
      return { state: done(state, at, 'cancelled', 'cancelled by the operator'), effects };
    }

    case 'effect-failed': {
      const failed = { ...state, lastError: input.message };
      const effect = input.effect;
      if (effect.type === 'originate') {
        // A request that failed (a timeout above all) may still have made the
        // leg on the PBX: hang up the id chosen for it. Not when the PBX said
        // that id was already taken (409): then it is someone else's channel.
        const cleanup: WorkflowEffect[] = input.code === 'not_in_stasis' ? [] : [{ type: 'hangup', channelId: effect.channelId }];
        if (effect.channelId === state.targetId && state.phase === 'dialing') {
          const failedTarget = targetFailed(failed, at, `could not call ${state.target.label}: ${input.message}`);
          return { state: failedTarget.state, effects: [...cleanup, ...failedTarget.effects] };
        }
        if (state.phase === 'calling-operator') return { state: done(failed, at, 'failed', `could not ring your phone: ${input.message}`), effects: cleanup };
        return { state: failed, effects: cleanup };
      }
      // Other failures (a leg that hung up meanwhile…) are followed by the
      // event that explains them; keep the message for the operator.
      return same(failed);
    }
  }
}

/** The channels a transfer speaks for: for the history and for drag-and-drop rules. */
export function transferLegs(state: TransferState): string[] {
  const legs = [state.callerId, state.targetId];
  if (state.operatorId) legs.push(state.operatorId);
  return legs;
}
