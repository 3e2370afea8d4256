import type { ParkedCall, ParkOutcome } from '../../../../common/workflows/park.js';
import type { TransferState } from '../../../../common/workflows/transfer.js';

/** How a transfer reads in the panel: who, to whom, and where it stands. */
export function transferTitle(state: TransferState): string {
  switch (state.kind) {
    case 'dial':
      return `Call ${state.target.label}`;
    case 'pickup':
      return `${state.callerLabel} → ${state.target.label} (ring-back)`;
    default:
      return `${state.callerLabel} → ${state.target.label}`;
  }
}

export function transferPhase(state: TransferState): string {
  if (state.phase === 'done') {
    const outcome = state.outcome;
    if (!outcome) return 'Ended';
    if (outcome.status === 'completed') {
      const done = state.kind === 'dial' ? 'Connected, now ended' : 'Transferred';
      // What became of it afterwards (a party moved elsewhere, the caller back on hold) is said too.
      return outcome.reason === 'answered' ? done : `${done}: ${outcome.reason.replace(/^answered; /, '')}`;
    }
    return `${outcome.status === 'cancelled' ? 'Cancelled' : 'Failed'}: ${outcome.reason}`;
  }
  switch (state.phase) {
    case 'calling-operator':
      return 'Ringing your phone…';
    case 'dialing':
      return state.completeOnAnswer ? `Ringing ${state.target.label}; connects on answer` : `Ringing ${state.target.label}…`;
    case 'consulting':
      return `Talking to ${state.target.label}; caller on hold`;
    case 'swapped':
      return `Talking to the caller; ${state.target.label} on hold`;
    case 'connected':
      return 'Connected';
  }
}

/**
 * The transfers still to show, those under way (ringing, consulting, swapped)
 * first: their Complete / Swap / Cancel are what the receptionist needs next,
 * above the ones already connected.
 */
export function activeTransfers(transfers: readonly TransferState[]): TransferState[] {
  const active = transfers.filter((state) => state.phase !== 'done');
  return [...active.filter((state) => state.phase !== 'connected'), ...active.filter((state) => state.phase === 'connected')];
}

/** Whether a transfer this channel takes part in (as caller, target or the receptionist's leg) is under way. */
export function transferUnderWay(transfers: readonly TransferState[], channelId: string): boolean {
  return transfers.some((state) => state.phase !== 'done' && state.phase !== 'connected' && [state.callerId, state.targetId, state.operatorId].includes(channelId));
}

export const KIND_LABEL: Record<TransferState['kind'], string> = { blind: 'Blind', attended: 'Attended', pickup: 'Pickup', dial: 'Dial' };

/** "1:05" waited; negative clamps to 0. */
export function clock(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export function parkedStatus(parked: ParkedCall, now: number): string {
  switch (parked.status) {
    case 'parking':
      return 'Parking…';
    case 'ringing-back':
      return `Ringing back ${parked.parker.label}`;
    case 'parked':
      return `Parked ${clock(now - parked.parkedAt)} · rings back in ${clock(parked.timeoutAt - now)}`;
  }
}

export const OUTCOME_LABEL: Record<ParkOutcome['kind'], string> = {
  retrieved: 'Retrieved',
  'answered-by-parker': 'Answered on ring-back',
  left: 'Left the slot',
  returned: 'Returned to the console',
  abandoned: 'Caller hung up',
  failed: 'Could not park',
};
