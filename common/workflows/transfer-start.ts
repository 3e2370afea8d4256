import type { WorkflowEffect } from './effects.js';
import { ATTENDED_NEEDS_YOU } from './operator-leg.js';
import type { CallerBridge, TransferState, TransferTransition } from './transfer.js';
import { DIAL_GRACE_SEC, originateTarget, transferIds } from './transfer-legs.js';

/** How each kind of transfer begins (transfer.ts says how it goes on). */

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
    return { state: base, effects: [], rejected: ATTENDED_NEEDS_YOU };
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
