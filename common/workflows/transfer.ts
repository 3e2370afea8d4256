import type { ErrorCode } from '../errors.js';
import { describeFailure, type WorkflowEffect } from './effects.js';
import { consultLegs, destroyOwnBridge, DIAL_GRACE_SEC, lostTargetEffects, movedOutEffects, operatorMovedEffects, originateTarget, releaseEffects, retrieveCaller } from './transfer-legs.js';

export { DIAL_GRACE_SEC, transferIds } from './transfer-legs.js';
export { startDial, startTransfer, type CallerInfo, type StartDial, type StartTransfer } from './transfer-start.js';

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
  /**
   * The operator moved the caller or the target with a plain bridge move (the
   * bridge board's add / remove, not this transfer's own steps): connected, it
   * left the transfer's bridge; before that, it entered a bridge the transfer
   * did not put it in. `members`: who is in the transfer's bridge now.
   */
  | { readonly type: 'moved'; readonly at: number; readonly channelId: string; readonly members: readonly string[] }
  /**
   * attended, before it is complete: the operator moved her own leg out of
   * the consultation bridge (a plain move on the board, not a hangup).
   * `members`: who is in the consultation bridge now.
   */
  | { readonly type: 'operator-moved'; readonly at: number; readonly members: readonly string[] }
  | { readonly type: 'effect-failed'; readonly at: number; readonly effect: WorkflowEffect; readonly message: string; readonly code?: ErrorCode }
  | { readonly type: 'tick'; readonly at: number };

export interface TransferTransition {
  readonly state: TransferState;
  readonly effects: readonly WorkflowEffect[];
  /** Set when a command does not apply in this phase; state and effects are then unchanged. */
  readonly rejected?: string;
}

/**
 * A target that leaves within this of being connected never really took the
 * call (it answered and hung up at once: an auto-answer, a slip): the caller
 * comes back to the console instead of being hung up with it.
 */
export const CONNECT_GRACE_MS = 1000;

export const isActive = (state: TransferState): boolean => state.phase !== 'done';

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

function targetLostBeforeJoining(state: TransferState, at: number): TransferTransition {
  return { state: done({ ...state, outcome: null }, at, 'failed', 'the target hung up before the call was connected'), effects: lostTargetEffects(state) };
}

function release(state: TransferState, at: number, taken: string | null): TransferTransition {
  return { state: done(state, at, state.phase === 'connected' ? 'completed' : 'cancelled', 'taken over by another action'), effects: releaseEffects(state, taken) };
}

/**
 * Connected, and the operator took one side elsewhere: the transfer is over
 * (it completed; the operator moved on from it), and the side left behind is
 * tidied as transfer-legs.ts says. The outcome says what became of the call.
 */
function movedOut(state: TransferState, at: number, moved: string, members: readonly string[]): TransferTransition {
  const effects = movedOutEffects(state, moved, members);
  const callerWaits = effects.some((effect) => effect.type === 'moh-start' && effect.channelId === state.callerId);
  const who = moved === state.callerId ? (state.kind === 'dial' ? 'your phone' : 'the caller') : state.target.label;
  const reason = `answered; then ${who} was moved to another bridge${callerWaits ? ': the caller is back on hold with the console' : ''}`;
  return { state: { ...done(state, at, 'completed', reason), outcome: { status: 'completed', reason, at } }, effects };
}

/**
 * attended: the receptionist took her own phone out of the consultation (to
 * another call, a conference). Like leaving it on a desk phone's other line:
 * the consultation is cancelled, the colleague the console rang goes if it
 * talks to nobody now, and the caller stays on hold with the console
 * (transfer-legs.ts, operatorMovedEffects). The panel says so.
 */
function operatorMovedOut(state: TransferState, at: number, members: readonly string[]): TransferTransition {
  const effects = operatorMovedEffects(state, members);
  const callerWaits = state.held === 'caller' || effects.some((effect) => effect.type === 'moh-start' && effect.channelId === state.callerId);
  const reason = `you moved your phone out of the consultation${callerWaits ? ': the caller is on hold with the console' : ''}`;
  return { state: done(state, at, 'cancelled', reason), effects };
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

    case 'moved':
      if (input.channelId !== state.callerId && input.channelId !== state.targetId) return same(state);
      // Before it is connected, a leg the operator moved is taken over like one parked or transferred anew.
      return state.phase === 'connected' ? movedOut(state, at, input.channelId, input.members) : release(state, at, input.channelId);

    case 'operator-moved':
      // Complete pressed (or the receptionist gone): the consultation is over already.
      if (state.kind !== 'attended' || state.operatorId === null || state.consultBridgeId === null || state.phase === 'connected') return same(state);
      return operatorMovedOut(state, at, input.members);

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
        // A target not yet seen in the bridge is still on its way in (Asterisk adds
        // asynchronously, and under load its entry is reported after the caller's
        // end): the model shows it in no bridge, and it must go all the same.
        const ifIn = state.targetJoined ? [state.bridgeId] : [state.bridgeId, null];
        return { state: done(state, at, 'completed', 'answered'), effects: [{ type: 'hangup', channelId: state.targetId, ifIn }, destroyOwnBridge(state)] };
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
