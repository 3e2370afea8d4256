import { ConsoleError, type ErrorCode } from '../../common/errors.js';
import type { CallModel } from '../../common/model/index.js';
import type { Settings } from '../../common/settings.js';
import type { WorkflowEffect } from '../../common/workflows/effects.js';
import { isOperatorLeg } from '../../common/workflows/operator-leg.js';
import { createParkState, parkTransition, slotOf, slotOfChannel, type ParkedCall, type ParkInput, type ParkState } from '../../common/workflows/park.js';
import {
  isActive,
  startTransfer,
  transferLegs,
  transferTransition,
  type TransferInput,
  type TransferState,
  type TransferTransition,
} from '../../common/workflows/transfer.js';
import { leftBridgeEffects } from '../../common/workflows/transfer-legs.js';
import type { Logger } from '../log.js';
import { AbandonedLegs } from './abandoned.js';
import { isLocalEffect, performAriEffect, stillApplies, type WorkflowEngine } from './executor.js';

/**
 * The transfer and park machines of one profile and the effects they return:
 * a step feeds a machine one input and performs what it asks for, and a
 * failed effect is fed back to it. The two machines meet here because a
 * timed-out park slot rings back through a transfer. Callers (the
 * orchestrator) serialise every step through their queue.
 */

export interface MachinesOptions {
  readonly engine: () => WorkflowEngine;
  readonly settings: () => Settings;
  readonly log: Logger;
}

export interface LegCause {
  readonly cause: number | null;
  readonly text: string | null;
}

const RECENT_TRANSFERS = 10;
/**
 * How long a leave whose meaning is still open waits for the event that says
 * it (the leg entering another bridge, the other leg leaving the same bridge
 * too). Asterisk sends them one after the other, but the event socket may
 * hand them over in separate batches, the later one up to a busy moment later.
 */
export const LEAVE_GRACE_MS = 1000;
export const newId = () => `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export class WorkflowMachines {
  private readonly transferStates = new Map<string, TransferState>();
  private parkState: ParkState;
  /** Ring-back transfers of timed-out park slots: transfer id → slot. */
  private readonly ringBacks = new Map<string, number>();
  /** Legs whose originate failed although the PBX may still make them. */
  readonly abandoned: AbandonedLegs;
  /** Connected transfers one leg of which left while the other was still in the bridge: id → that leave. */
  private readonly pendingMoves = new Map<string, { readonly channelId: string; readonly until: number }>();
  /** Parked calls out of their slot and in no bridge yet: channel → the leave, told once its next step is seen. */
  private readonly pendingParkLeaves = new Map<string, { readonly slot: number; readonly at: number; readonly until: number }>();

  constructor(private readonly options: MachinesOptions) {
    this.parkState = createParkState(options.settings().park, options.engine().profile.app);
    this.abandoned = new AbandonedLegs(options.engine, options.log);
  }

  get transfers(): ReadonlyMap<string, TransferState> {
    return this.transferStates;
  }

  get park(): ParkState {
    return this.parkState;
  }

  // ---- A leg's news, fed to whichever machine watches that leg.

  async legAnswered(channelId: string, at: number): Promise<boolean> {
    let changed = false;
    for (const state of [...this.transferStates.values()]) {
      if (!isActive(state)) continue;
      if (channelId === state.targetId) {
        await this.stepTransfer(state.id, { type: 'target-answered', at });
        changed = true;
      } else if (state.kind === 'dial' && channelId === state.callerId) {
        await this.stepTransfer(state.id, { type: 'caller-answered', at });
        changed = true;
      }
    }
    return changed;
  }

  async legEnded(channelId: string, at: number, cause: LegCause): Promise<boolean> {
    let changed = false;
    for (const state of [...this.transferStates.values()]) {
      if (!isActive(state)) continue;
      let input: TransferInput | null = null;
      if (channelId === state.targetId) input = { type: 'target-ended', at, cause: cause.cause, causeText: cause.text };
      else if (channelId === state.callerId) input = { type: 'caller-ended', at };
      else if (channelId === state.operatorId) input = { type: 'operator-ended', at };
      if (input) {
        await this.stepTransfer(state.id, input);
        changed = true;
      }
    }
    const parked = slotOfChannel(this.parkState, channelId);
    if (parked) {
      await this.stepPark({ type: 'ended', at, slot: parked.slot });
      changed = true;
    }
    return changed;
  }

  async targetJoined(channelId: string, bridgeId: string | undefined, at: number): Promise<boolean> {
    let changed = false;
    for (const state of [...this.transferStates.values()]) {
      if (isActive(state) && state.targetId === channelId && state.bridgeId === bridgeId && !state.targetJoined) {
        await this.stepTransfer(state.id, { type: 'target-joined', at });
        changed = true;
      }
    }
    return changed;
  }

  /**
   * A leg left a bridge alive (no hangup asked of it: the operator's plain
   * bridge move or removal). A connected transfer whose bridge that was is
   * over, and whoever it left there is tidied (transfer-legs.ts, movedOutEffects);
   * an attended consultation the receptionist's own leg left is cancelled
   * (operatorMovedEffects). True when a transfer took it as such.
   */
  async legLeft(channelId: string, bridgeId: string, at: number): Promise<boolean> {
    const model = this.options.engine().currentModel;
    // Re-added to the bridge it was in (Asterisk reports a leave and an entry): not moved.
    if (model.channels.get(channelId)?.bridgeId === bridgeId) return false;
    let changed = false;
    const members = model.bridges.get(bridgeId)?.channelIds ?? [];
    for (const state of [...this.transferStates.values()]) {
      if (state.phase === 'connected' && state.bridgeId === bridgeId && transferLegs(state).includes(channelId)) {
        const pending = this.pendingMoves.get(state.id);
        const stayer = channelId === state.callerId ? state.targetId : state.callerId;
        // The other leg still there, alone: moved (it stays; decided on the grace, or at once when the
        // mover enters another bridge: legEntered), or the bridge being removed (it leaves next, maybe in
        // a later batch): nothing is done to it before its own leave had the time to arrive.
        if (!pending && members.length > 0 && members.every((id) => id === stayer)) {
          this.pendingMoves.set(state.id, { channelId, until: at + LEAVE_GRACE_MS });
          // Taken care of (bridgeLeft must not tidy the bridge as a finished transfer's).
          changed = true;
          continue;
        }
        this.pendingMoves.delete(state.id);
        await this.stepTransfer(state.id, { type: 'moved', at, channelId: pending?.channelId ?? channelId, members });
        changed = true;
      } else if (isActive(state) && state.operatorId === channelId && state.consultBridgeId === bridgeId) {
        // The receptionist took her own phone out of an attended consultation.
        await this.stepTransfer(state.id, { type: 'operator-moved', at, members });
        changed = true;
      }
    }
    return changed;
  }

  /**
   * A leg entered a bridge its transfer did not put it in (neither the
   * transfer's own nor the consultation): the operator moved it, and the
   * transfer lets go of it as if it had been parked or transferred anew.
   */
  async legEntered(channelId: string, bridgeId: string, at: number): Promise<boolean> {
    let changed = false;
    for (const state of [...this.transferStates.values()]) {
      if (!isActive(state) || (channelId !== state.callerId && channelId !== state.targetId)) continue;
      if (bridgeId === state.bridgeId || bridgeId === state.consultBridgeId) continue;
      const members = this.options.engine().currentModel.bridges.get(state.bridgeId)?.channelIds ?? [];
      await this.stepTransfer(state.id, { type: 'moved', at, channelId, members });
      changed = true;
    }
    return changed;
  }

  /**
   * A parked call left its slot (not hanging up). Taken by a transfer or
   * already in another bridge, that is told at once; in no bridge yet, it
   * may be on its way into one (the operator's move: its ChannelEnteredBridge
   * can come in the next batch), so the verdict waits for parkLegSettled.
   */
  async parkLeft(parked: ParkedCall, at: number): Promise<boolean> {
    const bridgeId = this.options.engine().currentModel.channels.get(parked.channelId)?.bridgeId ?? null;
    const how = this.parkLeftHow(parked, bridgeId);
    if (how === undefined && bridgeId === null) {
      this.pendingParkLeaves.set(parked.channelId, { slot: parked.slot, at, until: at + LEAVE_GRACE_MS });
      return false;
    }
    await this.stepPark({ type: 'left', at, slot: parked.slot, ...(how ? { how } : {}) });
    return true;
  }

  /**
   * What a parked call that left its slot did next: entered `bridgeId`, or
   * none (it ended, or the grace passed). Back in its own slot, it never left.
   */
  async parkLegSettled(channelId: string, bridgeId: string | null): Promise<boolean> {
    const leave = this.pendingParkLeaves.get(channelId);
    if (!leave) return false;
    this.pendingParkLeaves.delete(channelId);
    const parked = slotOf(this.parkState, leave.slot);
    if (!parked || parked.channelId !== channelId || bridgeId === parked.bridgeId) return false;
    const how = this.parkLeftHow(parked, bridgeId);
    await this.stepPark({ type: 'left', at: leave.at, slot: leave.slot, ...(how ? { how } : {}) });
    return true;
  }

  /** Leaves whose grace passed are decided on what the model shows now. */
  async settleLeaves(at: number): Promise<boolean> {
    let changed = false;
    const model = this.options.engine().currentModel;
    for (const [id, pending] of [...this.pendingMoves]) {
      const state = this.transferStates.get(id);
      if (state?.phase !== 'connected') this.pendingMoves.delete(id);
      else if (at >= pending.until) {
        this.pendingMoves.delete(id);
        await this.stepTransfer(id, { type: 'moved', at, channelId: pending.channelId, members: model.bridges.get(state.bridgeId)?.channelIds ?? [] });
        changed = true;
      }
    }
    for (const [channelId, leave] of [...this.pendingParkLeaves]) {
      if (at >= leave.until) changed = (await this.parkLegSettled(channelId, model.channels.get(channelId)?.bridgeId ?? null)) || changed;
    }
    return changed;
  }

  /**
   * How a parked call came out of its slot, for the park's history: a
   * transfer of the console that took it (answered, or one that moves its
   * caller out at once, like an attended one) is the slot's ring-back
   * ('ring-back': the parker answered) or another workflow (undefined); none
   * did, and it is in another bridge: the operator's plain move ('moved').
   */
  parkLeftHow(parked: ParkedCall, bridgeId: string | null): 'ring-back' | 'moved' | undefined {
    for (const state of this.transferStates.values()) {
      if (state.callerId !== parked.channelId || state.startedAt < parked.parkedAt) continue;
      if (state.answeredAt === null && !(isActive(state) && state.waitTone !== 'parked')) continue;
      return this.ringBacks.get(state.id) === parked.slot ? 'ring-back' : undefined;
    }
    return bridgeId !== null && bridgeId !== parked.bridgeId ? 'moved' : undefined;
  }

  /** A channel left a bridge: a finished transfer's bridge must not keep one party talking to nobody. */
  async bridgeLeft(bridgeId: string): Promise<void> {
    const bridge = this.options.engine().currentModel.bridges.get(bridgeId);
    const state = [...this.transferStates.values()].find((candidate) => candidate.bridgeId === bridgeId);
    if (!bridge || !state) return;
    // Taken over by a workflow of its own (an attended transfer consulting from it, a park): theirs now.
    const owned = [...this.transferStates.values()].some((other) => isActive(other) && (other.consultBridgeId === bridgeId || transferLegs(other).some((id) => bridge.channelIds.includes(id))));
    if (owned || bridge.channelIds.some((id) => slotOfChannel(this.parkState, id))) return;
    for (const effect of leftBridgeEffects(state, bridge.channelIds)) {
      await this.perform(effect, async (message) => this.options.log.info('tidying a finished transfer\'s bridge failed', { effect: effect.type, message }));
    }
  }

  /**
   * A new transfer or park of a channel ends what older workflows were doing
   * with it: they never touch that channel, but hang up what they rang that
   * talks to nobody and bring a held caller back.
   */
  async releaseLegs(channelId: string): Promise<void> {
    for (const state of [...this.transferStates.values()]) {
      if (isActive(state) && transferLegs(state).includes(channelId)) await this.stepTransfer(state.id, { type: 'release', at: Date.now(), channelId });
    }
  }

  /** The receptionist's phone, by the operator setting, or a leg the console rang for them. */
  isOperatorLeg(model: CallModel, id: string): boolean {
    return isOperatorLeg(model, id, this.options.settings().operatorEndpoint, this.transferStates.values());
  }

  syncParkConfig(settings: Settings): void {
    const owner = this.options.engine().profile.app;
    if (this.parkState.owner !== owner) this.parkState = { ...this.parkState, owner };
    const { firstSlot, slotCount, timeoutSec } = settings.park;
    const config = this.parkState.config;
    if (config.firstSlot !== firstSlot || config.slotCount !== slotCount || config.timeoutSec !== timeoutSec) {
      this.parkState = { ...this.parkState, config: { ...config, firstSlot, slotCount, timeoutSec } };
    }
  }

  // ---- Machines and effects.

  async stepTransfer(id: string, input: TransferInput): Promise<TransferTransition | null> {
    const state = this.transferStates.get(id);
    if (!state) return null;
    const transition = transferTransition(state, input);
    if (transition.rejected) return transition;
    await this.applyTransfer(transition, state);
    return transition;
  }

  async applyTransfer(transition: TransferTransition, before: TransferState | null): Promise<void> {
    const { state } = transition;
    this.transferStates.set(state.id, state);
    for (const effect of transition.effects) {
      await this.perform(effect, (message, code) => this.stepTransfer(state.id, { type: 'effect-failed', at: Date.now(), effect, message, ...(code ? { code } : {}) }));
    }
    const now = this.transferStates.get(state.id);
    if (now && !isActive(now) && (before === null || isActive(before))) await this.transferEnded(now);
    this.trimTransfers();
  }

  async stepPark(input: ParkInput): Promise<ReturnType<typeof parkTransition>> {
    const transition = parkTransition(this.parkState, input);
    if (transition.rejected) return transition;
    this.parkState = transition.state;
    for (const effect of transition.effects) {
      await this.perform(effect, async (message) => {
        await this.stepPark({ type: 'effect-failed', at: Date.now(), effect, message });
      });
    }
    return transition;
  }

  private async transferEnded(state: TransferState): Promise<void> {
    const slot = this.ringBacks.get(state.id);
    if (slot === undefined) return;
    this.ringBacks.delete(state.id);
    // Connected: the call left its slot, which the bridge events report.
    if (state.outcome?.status === 'failed') await this.stepPark({ type: 'ring-back-failed', at: Date.now(), slot, reason: state.outcome.reason });
  }

  private async perform(effect: WorkflowEffect, failed: (message: string, code: ErrorCode | null) => Promise<unknown>): Promise<void> {
    if (isLocalEffect(effect)) {
      if (effect.type === 'ring-back') await this.ringBack(effect.slot, effect.channelId, effect.endpoint, effect.label);
      else {
        const id = [...this.ringBacks].find(([, slot]) => slot === effect.slot)?.[0];
        if (id) {
          this.ringBacks.delete(id);
          await this.stepTransfer(id, { type: 'cancel', at: Date.now() });
        }
      }
      return;
    }
    const engine = this.options.engine();
    if (!stillApplies(engine.currentModel, effect)) {
      this.options.log.info('a workflow step no longer applies: the operator moved things meanwhile', { effect: effect.type });
      return;
    }
    try {
      await performAriEffect(engine, effect);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = error instanceof ConsoleError ? error.code : null;
      this.options.log.info('a workflow step failed', { effect: effect.type, message });
      // Whatever the machine makes of it, a leg we asked for and did not get is watched for.
      if (effect.type === 'originate' && code !== 'not_in_stasis') this.abandoned.watch(effect.channelId);
      await failed(message, code);
    }
  }

  /** A park timed out: a pickup of the parked call to the parker's phone. */
  private async ringBack(slot: number, channelId: string, endpoint: string, callerLabel: string): Promise<void> {
    // Already being taken somewhere (the receptionist pressed "to my phone"): that call is the ring-back.
    const existing = [...this.transferStates.values()].find((state) => isActive(state) && state.callerId === channelId);
    if (existing) {
      this.ringBacks.set(existing.id, slot);
      return;
    }
    const parked = slotOf(this.parkState, slot);
    const id = newId();
    this.ringBacks.set(id, slot);
    const transition = startTransfer({
      id,
      kind: 'pickup',
      now: Date.now(),
      caller: { id: channelId, label: callerLabel, up: true, bridge: parked ? { id: parked.bridgeId, kind: 'holding', otherMembers: [] } : null },
      operatorId: null,
      target: { endpoint, label: endpoint },
      timeoutSec: this.options.settings().transferTimeoutSec,
      targetCallerId: `"${callerLabel}"`.slice(0, 80),
    });
    await this.applyTransfer(transition, null);
  }

  private trimTransfers(): void {
    const finished = [...this.transferStates.values()].filter((state) => !isActive(state)).sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    for (const state of finished.slice(RECENT_TRANSFERS)) this.transferStates.delete(state.id);
  }
}
