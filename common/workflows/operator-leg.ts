import type { CallModel } from '../model/index.js';
import type { TransferState } from './transfer.js';

/**
 * Which leg of a call is the receptionist's own: main decides it when a
 * transfer starts, and the page decides from the same rule whether an
 * attended transfer can start at all, so a button is never offered that the
 * console would then refuse.
 */

export const ATTENDED_NEEDS_YOU = 'An attended transfer needs you on the call: take it on your phone first, or use a blind transfer.';

/** The receptionist's phone, by the operator setting, or a leg the console rang for them. */
export function isOperatorLeg(model: CallModel, id: string, operatorEndpoint: string | null, transfers: Iterable<TransferState>): boolean {
  const name = model.channels.get(id)?.name ?? '';
  if (operatorEndpoint && name.startsWith(`${operatorEndpoint}-`)) return true;
  for (const state of transfers) {
    if ((state.kind === 'dial' && state.callerId === id) || (state.kind === 'pickup' && state.targetId === id)) return true;
  }
  return false;
}

/**
 * Why an attended transfer of this call would be refused, in words; null when
 * the receptionist's own leg is beside it in a mixing bridge (where the
 * consultation happens: see startTransfer).
 */
export function attendedRefusal(model: CallModel, channelId: string, operatorEndpoint: string | null, transfers: readonly TransferState[]): string | null {
  const bridgeId = model.channels.get(channelId)?.bridgeId;
  const bridge = bridgeId ? model.bridges.get(bridgeId) : undefined;
  if (bridge?.kind !== 'mixing') return ATTENDED_NEEDS_YOU;
  const beside = bridge.channelIds.some((id) => id !== channelId && isOperatorLeg(model, id, operatorEndpoint, transfers));
  return beside ? null : ATTENDED_NEEDS_YOU;
}
