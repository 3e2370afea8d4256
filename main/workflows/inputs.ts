import type { AriEvent } from '../../common/ari.js';
import { ConsoleError } from '../../common/errors.js';
import type { CallModel, ChannelView, ModelEvent } from '../../common/model/index.js';
import { endpointFor } from '../../common/settings.js';
import { slotOfBridgeName, type ParkInput, type ParkState } from '../../common/workflows/park.js';
import type { CallerBridge, TransferInput, TransferState } from '../../common/workflows/transfer.js';

/** What the orchestrator reads off requests, the model and event batches before it feeds a machine. */

export function callLabel(channel: ChannelView): string {
  const { name, number } = channel.caller;
  if (name && number && name !== number) return `${name} <${number}>`;
  return name || number || channel.name;
}

export interface HangupCause {
  readonly cause: number | null;
  readonly text: string | null;
}

/**
 * Why each channel of a batch ended. A busy Local target ends its ;1 leg with
 * cause 0 and says "busy" (17) on ;2, in the same batch, so a leg without a
 * cause of its own borrows its ;2 partner's.
 */
export function hangupCauses(events: readonly ModelEvent[]): (channelId: string) => HangupCause {
  const causes = new Map<string, HangupCause>();
  for (const event of events) {
    if (event.type !== 'ChannelDestroyed' && event.type !== 'ChannelHangupRequest') continue;
    const ari = event as AriEvent;
    const id = ari.channel?.id;
    if (!id) continue;
    const cause = typeof ari.cause === 'number' ? ari.cause : null;
    const known = causes.get(id);
    // The final word (ChannelDestroyed) wins; a request's cause only fills a gap.
    if (event.type === 'ChannelDestroyed' || !known || !known.cause) causes.set(id, { cause, text: ari.cause_txt ?? null });
  }
  return (channelId) => {
    const own = causes.get(channelId);
    if (own?.cause) return own;
    return causes.get(`${channelId};2`) ?? own ?? { cause: null, text: null };
  };
}

export interface ControlledCall {
  readonly channel: ChannelView;
  readonly bridge: CallerBridge | null;
  readonly operatorId: string | null;
}

/** The call a workflow is asked to act on: live, in the app, with where it is and who is with it. */
export function controlledCall(
  model: CallModel,
  channelId: string,
  operatorChannelId: string | undefined,
  isOperatorLeg: (model: CallModel, id: string) => boolean,
): ControlledCall {
  const channel = model.channels.get(channelId);
  if (!channel || channel.endedAt !== null) throw new ConsoleError('not_found', 'That call has ended.');
  if (!channel.inStasis) throw new ConsoleError('not_in_stasis', "This call is not under the console's control.");
  const found = channel.bridgeId ? model.bridges.get(channel.bridgeId) : undefined;
  const bridge: CallerBridge | null = found ? { id: found.id, kind: found.kind, otherMembers: found.channelIds.filter((id) => id !== channel.id) } : null;
  let operatorId: string | null = null;
  if (operatorChannelId !== undefined) {
    if (!bridge?.otherMembers.includes(operatorChannelId)) throw new ConsoleError('invalid_request', 'The operator leg must be in the same bridge as the call.');
    operatorId = operatorChannelId;
  } else if (bridge) {
    operatorId = bridge.otherMembers.find((id) => isOperatorLeg(model, id)) ?? null;
  }
  return { channel, bridge, operatorId };
}

export function dialEndpoint(target: string, template: string): string {
  const endpoint = endpointFor(target, template);
  if (!endpoint) throw new ConsoleError('invalid_request', `"${target.slice(0, 40)}" is neither a number nor an endpoint such as PJSIP/102.`);
  return endpoint;
}

/** This console's `park-<slot>@<app>` bridges the park machine does not know yet: what it should be told was discovered. */
export function discoveredSlots(model: CallModel, park: ParkState): ParkInput[] {
  const inputs: ParkInput[] = [];
  for (const bridge of model.bridges.values()) {
    const slot = slotOfBridgeName(bridge.name, park.config, park.owner);
    if (slot === null || park.slots.some((parked) => parked.bridgeId === bridge.id)) continue;
    const channelId = bridge.channelIds[0] ?? null;
    const channel = channelId ? model.channels.get(channelId) : undefined;
    inputs.push({ type: 'discovered', at: Date.now(), slot, bridgeId: bridge.id, channelId, callerLabel: channel ? callLabel(channel) : 'a parked call' });
  }
  return inputs;
}

const alive = (model: CallModel, id: string): ChannelView | undefined => {
  const channel = model.channels.get(id);
  return channel && channel.endedAt === null ? channel : undefined;
};

/**
 * After a link gap the model has been reconciled with the PBX's listing, but
 * the events of the gap are lost: what a transfer would have been told, read
 * off the reconciled model. A leg gone is as if it hung up; a target up in the
 * app while still "dialing" answered. Inputs a machine has already seen are
 * no-ops for it.
 */
export function restoredTransferInputs(state: TransferState, model: CallModel, at: number): TransferInput[] {
  const inputs: TransferInput[] = [];
  const caller = alive(model, state.callerId);
  if (!caller) return [{ type: 'caller-ended', at }];
  if (state.phase === 'calling-operator') {
    if (caller.inStasis && caller.state === 'Up') inputs.push({ type: 'caller-answered', at });
    return inputs;
  }
  if (state.operatorId !== null) {
    const operator = alive(model, state.operatorId);
    if (!operator) inputs.push({ type: 'operator-ended', at });
    // The receptionist's leg moved to another bridge meanwhile: the consultation is cancelled first, as live.
    else if (state.consultBridgeId !== null && operator.bridgeId !== null && operator.bridgeId !== state.consultBridgeId) {
      inputs.push({ type: 'operator-moved', at, members: model.bridges.get(state.consultBridgeId)?.channelIds ?? [] });
    }
  }
  const target = alive(model, state.targetId);
  const taken = movedBeforeConnected(state, caller, target);
  if (taken !== null) {
    // Let go of it before anything else the gap hides: a target that answered meanwhile is then
    // hung up as talking to nobody, never bridged with a caller the operator put elsewhere.
    inputs.push({ type: 'moved', at, channelId: taken, members: model.bridges.get(state.bridgeId)?.channelIds ?? [] });
    return inputs;
  }
  if (!target) inputs.push({ type: 'target-ended', at, cause: null, causeText: null });
  else if (state.phase === 'dialing' && target.inStasis && target.state === 'Up') inputs.push({ type: 'target-answered', at });
  else if (state.phase === 'connected') {
    if (target.bridgeId === state.bridgeId) inputs.push({ type: 'target-joined', at });
    // Moved to another bridge by the operator meanwhile (a plain move). A leg in no bridge is
    // not taken for moved here: it may be one whose move in failed (it has music then).
    const members = model.bridges.get(state.bridgeId)?.channelIds ?? [];
    const elsewhere = (leg: ChannelView) => leg.bridgeId !== null && leg.bridgeId !== state.bridgeId;
    if (elsewhere(caller)) inputs.push({ type: 'moved', at, channelId: state.callerId, members });
    else if (elsewhere(target)) inputs.push({ type: 'moved', at, channelId: state.targetId, members });
  }
  return inputs;
}

/**
 * Before it is connected (ringing the target, consulting, swapped), a leg in
 * a bridge the transfer did not put it in was moved there by the operator: what
 * the live path learns from its ChannelEnteredBridge (machines.ts, legEntered).
 * The transfer's own bridge and the consultation are its own; so is the park
 * slot a caller waits in while its ring-back rings the parker (it never left it).
 */
function movedBeforeConnected(state: TransferState, caller: ChannelView, target: ChannelView | undefined): string | null {
  if (state.phase !== 'dialing' && state.phase !== 'consulting' && state.phase !== 'swapped') return null;
  const elsewhere = (leg: ChannelView) => leg.bridgeId !== null && leg.bridgeId !== state.bridgeId && leg.bridgeId !== state.consultBridgeId;
  const stillParked = state.waitTone === 'parked' && caller.bridgeId === state.callerBridge?.id;
  if (elsewhere(caller) && !stillParked) return state.callerId;
  if (target && elsewhere(target)) return state.targetId;
  return null;
}

/** The same for the park slots: a call gone is abandoned, one out of its bridge left, one seen in it entered. */
export function restoredParkInputs(park: ParkState, model: CallModel, at: number): ParkInput[] {
  const inputs: ParkInput[] = [];
  for (const parked of park.slots) {
    const channel = alive(model, parked.channelId);
    if (!channel) inputs.push({ type: 'ended', at, slot: parked.slot });
    else if (channel.bridgeId === parked.bridgeId) {
      if (parked.status === 'parking') inputs.push({ type: 'entered', at, slot: parked.slot });
    } else if (parked.status !== 'parking') inputs.push({ type: 'left', at, slot: parked.slot, alone: channel.bridgeId === null });
  }
  return inputs;
}
