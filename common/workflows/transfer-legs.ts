import type { WorkflowEffect } from './effects.js';
import type { TransferState } from './transfer.js';

/**
 * What the transfer machine's steps share (transfer.ts, transfer-start.ts):
 * the ids it derives, how it rings a target, and the effects of its endings,
 * which must only touch what the transfer still owns (the `ifIn` / `ifOnly`
 * guards of effects.ts) and never leave a caller in silence.
 */

/** Seconds after the originate timeout before the console stops waiting for the PBX to say so. */
export const DIAL_GRACE_SEC = 5;

/** Ids the machine derives from its own: the executor and tests use the same. */
export const transferIds = (id: string) => ({ targetId: `${id}-t`, bridgeId: `${id}-b`, operatorLegId: `${id}-op` });

export function originateTarget(state: TransferState): WorkflowEffect {
  return {
    type: 'originate',
    channelId: state.targetId,
    endpoint: state.target.endpoint,
    timeoutSec: state.timeoutSec,
    appArgs: `transfer,${state.id}`,
    ...(state.targetCallerId ? { callerId: state.targetCallerId } : {}),
  };
}

/** Who may be in the receptionist's bridge when the transfer takes it down. */
export function consultLegs(state: TransferState): string[] {
  return [state.callerId, state.targetId, ...(state.operatorId ? [state.operatorId] : [])];
}

/** The bridge the transfer built, taken down only while nobody else joined it. */
export function destroyOwnBridge(state: TransferState): WorkflowEffect {
  return { type: 'bridge-destroy', bridgeId: state.bridgeId, ifOnly: [state.callerId, state.targetId] };
}

/**
 * attended: the caller back with the receptionist. Without a receptionist to
 * talk to (their leg is gone) the caller keeps its music on the console's hold.
 */
export function retrieveCaller(state: TransferState): WorkflowEffect[] {
  if (state.held !== 'caller' || !state.consultBridgeId || state.operatorId === null) return [];
  return [
    { type: 'moh-stop', channelId: state.callerId },
    { type: 'bridge-add', bridgeId: state.consultBridgeId, channelId: state.callerId },
  ];
}

/**
 * Connected on paper, but the target left before it was ever in the bridge,
 * or within CONNECT_GRACE_MS of it (it answered and hung up at once): the
 * caller comes back to the console's hold with music, never hung up (unless
 * the operator moved it elsewhere meanwhile). dial: the "caller" is the
 * receptionist's own leg, which has nobody left to talk to.
 */
export function lostTargetEffects(state: TransferState): WorkflowEffect[] {
  return leftAloneEffects(state, state.callerId);
}

/**
 * One of the transfer's legs left talking to nobody: a leg the console rang
 * (the target; for dial, the receptionist's own leg) is hung up, a caller is
 * never hung up but gets the console's music out of the bridge, and the
 * transfer's bridge goes while nobody else joined it. `hangupIfIn`: where the
 * leg must still be for the hangup to apply (any, when not given).
 */
function leftAloneEffects(state: TransferState, id: string, hangupIfIn?: readonly (string | null)[]): WorkflowEffect[] {
  if (id === state.targetId || (state.kind === 'dial' && id === state.callerId)) {
    return [{ type: 'hangup', channelId: id, ...(hangupIfIn ? { ifIn: hangupIfIn } : {}) }, destroyOwnBridge(state)];
  }
  if (id === state.callerId) return [destroyOwnBridge(state), { type: 'moh-start', channelId: id, ifIn: [state.bridgeId, null] }];
  return [];
}

/**
 * release: another action took `taken`. What the transfer rang and left
 * talking to nobody is hung up; a held caller comes back to the receptionist
 * (or keeps its music without one); the channel taken is never touched.
 */
export function releaseEffects(state: TransferState, taken: string | null): WorkflowEffect[] {
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
  return effects;
}

/**
 * Someone left the bridge of a transfer that is over (the operator parked or
 * moved one side: the transfer let go of it, and nobody else watches that
 * bridge). The console built it, so it must not keep anyone talking to
 * nobody: a target it rang (or, for dial, the receptionist's own leg) left
 * alone is hung up; a caller left alone gets music out of the bridge; an
 * empty bridge goes. `members`: who is in the bridge now.
 */
export function leftBridgeEffects(state: TransferState, members: readonly string[]): WorkflowEffect[] {
  if (state.phase !== 'done' || state.outcome?.status !== 'completed') return [];
  const [only, ...more] = members;
  if (only === undefined) return [destroyOwnBridge(state)];
  if (more.length > 0) return [];
  return leftAloneEffects(state, only, [state.bridgeId]);
}

/**
 * A connected transfer whose caller or target the operator moved to another
 * bridge (or took out of it): the one left behind must not talk to nobody,
 * treated as the workflows treat every lonely leg. A leg the console rang
 * (the target; for dial, the receptionist's own leg too), alone in the
 * transfer's bridge or in none (still on its way in, or the bridge went), is
 * hung up. A caller is never hung up for it: it gets the console's music out
 * of the bridge, as after a target lost at once. Nothing while anyone else is
 * in the bridge with it: that is the operator's conference now (watched by
 * leftBridgeEffects once the transfer is over). `members`: who is in the
 * transfer's bridge now.
 */
export function movedOutEffects(state: TransferState, moved: string, members: readonly string[]): WorkflowEffect[] {
  const stayer = moved === state.callerId ? state.targetId : state.callerId;
  if (members.some((id) => id !== stayer && id !== moved)) return [];
  // The other one left the bridge too (the operator removed the bridge: "its calls stay connected to
  // the console", or moved both): nobody was left behind in it. Only a target not yet seen in the
  // bridge may still be on its way in, and then it is the one left talking to nobody.
  const onItsWayIn = stayer === state.targetId && !state.targetJoined;
  if (!members.includes(stayer) && !onItsWayIn) return [];
  return leftAloneEffects(state, stayer, [state.bridgeId, null]);
}

/**
 * attended, consulting (or still ringing the target, or swapped): the
 * receptionist moved her own leg out of the consultation bridge. The
 * consultation is cancelled without touching her leg. The target the console
 * rang is hung up only while it talks to nobody: still ringing, on hold, or
 * left alone in the consultation bridge. A held caller keeps its music, on
 * hold with the console; a caller left alone in the consultation bridge
 * (swapped) is taken out of it onto the console's hold. Anyone else in that
 * bridge makes it somebody's call: whoever is with them stays. A leg no
 * longer in it (the operator removed the bridge: "its calls stay connected
 * to the console") is left as it is. The bridge goes once only the
 * transfer's legs were in it. `members`: who is in the consultation bridge now.
 */
export function operatorMovedEffects(state: TransferState, members: readonly string[]): WorkflowEffect[] {
  const consult = state.consultBridgeId;
  if (consult === null) return [];
  const company = members.some((id) => id !== state.callerId && id !== state.targetId && id !== state.operatorId);
  const leftAlone = (id: string) => !company && members.includes(id);
  const effects: WorkflowEffect[] = [];
  if (state.held !== 'caller' && leftAlone(state.callerId)) {
    effects.push({ type: 'bridge-remove', bridgeId: consult, channelId: state.callerId }, { type: 'moh-start', channelId: state.callerId, ifIn: [consult, null] });
  }
  if (state.phase === 'dialing' || state.held === 'target') effects.push({ type: 'hangup', channelId: state.targetId, ifIn: [null] });
  else if (leftAlone(state.targetId)) effects.push({ type: 'hangup', channelId: state.targetId, ifIn: [consult] });
  if (!company) effects.push({ type: 'bridge-destroy', bridgeId: consult, ifOnly: consultLegs(state) });
  return effects;
}
