import type { AriEvent } from '../../common/ari.js';
import { ConsoleError, type ErrorCode } from '../../common/errors.js';
import type { CallModel, ModelEvent } from '../../common/model/index.js';
import type { Settings } from '../../common/settings.js';
import type { SnoopMode, WorkflowsView } from '../../common/workflow-contract.js';
import type { WorkflowEffect } from '../../common/workflows/effects.js';
import { createParkState, parkTransition, slotOf, slotOfChannel, type ParkInput, type ParkState } from '../../common/workflows/park.js';
import {
  isActive,
  startDial,
  startTransfer,
  transferLegs,
  transferTransition,
  type TransferCommand,
  type TransferInput,
  type TransferState,
  type TransferTransition,
} from '../../common/workflows/transfer.js';
import type { Logger } from '../log.js';
import { AbandonedLegs } from './abandoned.js';
import { isLocalEffect, performAriEffect, stillApplies, type WorkflowEngine } from './executor.js';
import { callLabel, controlledCall, dialEndpoint, discoveredSlots, hangupCauses, restoredParkInputs, restoredTransferInputs } from './inputs.js';
import { SnoopSessions } from './snoop.js';

/**
 * One profile's call workflows: it feeds the pure transfer and park machines
 * with what the PBX reports and performs the effects they return, through the
 * engine's REST client. Everything (events, commands, ticks) runs through one
 * queue, so a machine never sees an input while its previous effects are
 * still being performed.
 */

export interface OrchestratorOptions {
  readonly engine: () => WorkflowEngine;
  readonly settings: () => Settings;
  readonly onChange: (view: WorkflowsView) => void;
  readonly log: Logger;
  /** How often deadlines (a target ringing too long, a park timeout) are checked. */
  readonly tickMs?: number;
}

const RECENT_TRANSFERS = 10;
/** How long a target's end waits for the cause its Local ;2 half gives. */
const CAUSE_WAIT_MS = 1000;
const newId = () => `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;


export class CallWorkflows {
  private transfers = new Map<string, TransferState>();
  private park: ParkState;
  /** Ring-back transfers of timed-out park slots: transfer id → slot. */
  private ringBacks = new Map<string, number>();
  private readonly snoops: SnoopSessions;
  private queue: Promise<unknown> = Promise.resolve();
  /** Channels whose hangup was requested: a park bridge they leave was not left on purpose. */
  private hangingUp = new Set<string>();
  /** Ringing targets that ended without a cause, waiting for their Local ;2 half's: id → until when. */
  private readonly causeWait = new Map<string, number>();
  /** Legs whose originate failed although the PBX may still make them. */
  private readonly abandoned: AbandonedLegs;
  private readonly timer: ReturnType<typeof setInterval>;
  private disposed = false;

  constructor(private readonly options: OrchestratorOptions) {
    this.park = createParkState(options.settings().park, options.engine().profile.app);
    this.abandoned = new AbandonedLegs(options.engine, options.log);
    this.snoops = new SnoopSessions(options.engine, (message, fields) => options.log.warn(message, fields));
    this.timer = setInterval(() => void this.run(() => this.tick()), options.tickMs ?? 1000);
    this.timer.unref?.();
  }

  view(): WorkflowsView {
    const settings = this.options.settings();
    const transfers = [...this.transfers.values()];
    const active = transfers.filter(isActive).sort((a, b) => a.startedAt - b.startedAt);
    const finished = transfers.filter((state) => !isActive(state)).sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    return {
      profileId: this.options.engine().profile.id,
      transfers: [...active, ...finished],
      park: this.park,
      snoops: this.snoops.list(),
      snoopEnabled: settings.snoopEnabled,
      operatorEndpoint: settings.operatorEndpoint,
    };
  }

  // ---- Requests (each resolves once its effects have been performed).

  dial(input: { target: string; via: 'console' | 'phone'; callerId?: string; timeoutSec?: number }): Promise<{ workflowId: string | null; channelId: string }> {
    return this.request(async () => {
      const settings = this.options.settings();
      const endpoint = dialEndpoint(input.target, settings.dialTemplate);
      const timeoutSec = input.timeoutSec ?? settings.transferTimeoutSec;
      const callerId = input.callerId ?? (settings.operatorCallerId || undefined);
      if (input.via === 'console') {
        const engine = this.options.engine();
        // Our own id, so a request that fails after the PBX made the call can still hang it up.
        const channelId = `${newId()}-d`;
        try {
          await engine.requireRest().originate({ endpoint, app: engine.profile.app, appArgs: 'dial', timeout: timeoutSec, channelId, ...(callerId ? { callerId } : {}) });
        } catch (error) {
          if (!(error instanceof ConsoleError && error.code === 'not_in_stasis')) await this.abandoned.abandon(channelId);
          throw error;
        }
        return { workflowId: null, channelId };
      }
      if (!settings.operatorEndpoint) throw new ConsoleError('invalid_request', 'Set your own phone in the settings to dial through it.');
      const id = newId();
      const transition = startDial({
        id,
        now: Date.now(),
        operatorEndpoint: settings.operatorEndpoint,
        target: { endpoint, label: input.target },
        timeoutSec,
        operatorCallerId: `"Dialing ${input.target}"`.slice(0, 80),
        ...(callerId ? { targetCallerId: callerId } : {}),
      });
      await this.applyTransfer(transition, null);
      return { workflowId: id, channelId: transition.state.callerId };
    });
  }

  transfer(input: { channelId: string; kind: 'blind' | 'attended' | 'pickup'; target: string; operatorChannelId?: string; callerId?: string; timeoutSec?: number }): Promise<string> {
    return this.request(async () => {
      const settings = this.options.settings();
      const endpoint = dialEndpoint(input.target, settings.dialTemplate);
      const { channel, bridge, operatorId } = controlledCall(this.options.engine().currentModel, input.channelId, input.operatorChannelId, (model, id) => this.isOperatorLeg(model, id));
      const id = newId();
      // Your own phone shows who is calling, not the console's caller id.
      const own = channel.caller.number ? `"${channel.caller.name || channel.caller.number}" <${channel.caller.number}>` : undefined;
      const callerId = input.callerId ?? (input.kind === 'pickup' ? own : settings.operatorCallerId || undefined);
      const transition = startTransfer({
        id,
        kind: input.kind,
        now: Date.now(),
        caller: { id: channel.id, label: callLabel(channel), up: channel.state === 'Up', bridge },
        operatorId,
        target: { endpoint, label: input.kind === 'pickup' ? 'your phone' : input.target },
        timeoutSec: input.timeoutSec ?? settings.transferTimeoutSec,
        ...(callerId ? { targetCallerId: callerId } : {}),
      });
      if (transition.rejected) throw new ConsoleError('invalid_request', transition.rejected);
      await this.releaseLegs(channel.id);
      await this.applyTransfer(transition, null);
      return id;
    });
  }

  command(workflowId: string, command: TransferCommand): Promise<void> {
    return this.request(async () => {
      if (!this.transfers.has(workflowId)) throw new ConsoleError('not_found', 'There is no such transfer (it may have ended long ago).');
      const result = await this.stepTransfer(workflowId, { type: command, at: Date.now() });
      if (result?.rejected) throw new ConsoleError('invalid_request', result.rejected);
    });
  }

  parkCall(input: { channelId: string; slot?: number; operatorChannelId?: string }): Promise<number> {
    return this.request(async () => {
      const settings = this.options.settings();
      this.syncParkConfig(settings);
      const { channel, bridge, operatorId } = controlledCall(this.options.engine().currentModel, input.channelId, input.operatorChannelId, (model, id) => this.isOperatorLeg(model, id));
      await this.releaseLegs(channel.id);
      const result = await this.stepPark({
        type: 'park',
        at: Date.now(),
        channelId: channel.id,
        callerLabel: callLabel(channel),
        callerUp: channel.state === 'Up',
        fromBridge: bridge,
        operatorId,
        ...(input.slot === undefined ? {} : { slot: input.slot }),
        parker: { endpoint: settings.operatorEndpoint, label: settings.operatorEndpoint ?? 'the console' },
        bridgeId: `${newId()}-park`,
      });
      if (result.rejected || result.slot === undefined) throw new ConsoleError('invalid_request', result.rejected ?? 'Could not park the call.');
      // The machine frees the slot again when the call could not be moved in.
      if (!slotOf(this.park, result.slot)) throw new ConsoleError('pbx_error', this.park.recent[0]?.detail ?? 'Could not park the call.');
      return result.slot;
    });
  }

  retrieve(input: { slot: number; toBridgeId?: string }): Promise<string> {
    return this.request(async () => {
      if (input.toBridgeId) {
        const parked = slotOf(this.park, input.slot);
        const bridge = this.options.engine().currentModel.bridges.get(input.toBridgeId);
        if (!bridge) throw new ConsoleError('not_found', 'That bridge has ended.');
        // Out of the slot's music into an empty bridge would be silence.
        if (!bridge.channelIds.some((id) => id !== parked?.channelId)) throw new ConsoleError('invalid_request', 'Nobody is in that bridge: the caller would hear silence. Retrieve it to the console instead.');
      }
      const result = await this.stepPark({ type: 'retrieve', at: Date.now(), slot: input.slot, ...(input.toBridgeId ? { toBridgeId: input.toBridgeId } : {}) });
      if (result.rejected || !result.channelId) throw new ConsoleError('invalid_request', result.rejected ?? 'Nothing to retrieve.');
      return result.channelId;
    });
  }

  /** Always through the operator's own phone: where snooped audio goes is never the page's choice (main/snoop-gate.ts). */
  snoop(input: { channelId: string; mode: SnoopMode }): Promise<string> {
    return this.request(async () => {
      const settings = this.options.settings();
      if (!settings.snoopEnabled) throw new ConsoleError('forbidden', 'Listen, whisper and barge are turned off in the settings.');
      if (!settings.operatorEndpoint) throw new ConsoleError('invalid_request', 'Set your own phone in the settings to listen to calls.');
      const endpoint = dialEndpoint(settings.operatorEndpoint, settings.dialTemplate);
      const engine = this.options.engine();
      const { channel } = controlledCall(engine.currentModel, input.channelId, undefined, () => false);
      const id = newId();
      // Eavesdropping leaves a trace in main's log whatever the page does: who (profile, ARI user, phone), on what, how.
      this.options.log.warn('snoop started', { id, mode: input.mode, profile: engine.profile.id, ariUser: engine.profile.username, endpoint, channelId: channel.id, call: callLabel(channel) });
      const view = await this.snoops.start({ id, channelId: channel.id, channelLabel: callLabel(channel), mode: input.mode, endpoint, timeoutSec: settings.transferTimeoutSec, at: Date.now() });
      return view.id;
    });
  }

  stopSnoop(id: string): Promise<void> {
    return this.request(async () => {
      await this.snoops.stop(id);
    });
  }

  // ---- Events from the engine (after the model has applied them).

  onEvents(events: readonly ModelEvent[]): void {
    void this.run(() => this.handleEvents(events));
  }

  private async handleEvents(events: readonly ModelEvent[]): Promise<void> {
    const causeOf = hangupCauses(events);
    let changed = false;
    for (const event of events) {
      const ari = event as AriEvent;
      const channelId = ari.channel?.id;
      const at = Date.now();
      switch (event.type) {
        case 'StasisStart':
          if (!channelId) break;
          if (await this.abandoned.seen(channelId)) break;
          changed = (await this.legAnswered(channelId, at)) || changed;
          changed = (await this.snoops.answered(channelId)) || changed;
          break;
        case 'ChannelHangupRequest':
          if (channelId) this.hangingUp.add(channelId);
          break;
        case 'StasisEnd':
        case 'ChannelDestroyed': {
          if (!channelId) break;
          // The Local ;2 half whose cause a ringing target was waiting for (see awaitCause).
          const half = event.type === 'ChannelDestroyed' && channelId.endsWith(';2') ? channelId.slice(0, -2) : null;
          if (half !== null && this.causeWait.delete(half)) changed = (await this.legEnded(half, at, causeOf(channelId))) || changed;
          const cause = causeOf(channelId);
          if (!this.awaitCause(channelId, cause, at)) changed = (await this.legEnded(channelId, at, cause)) || changed;
          changed = (await this.snoops.channelEnded(channelId)) || changed;
          if (event.type === 'ChannelDestroyed') {
            this.hangingUp.delete(channelId);
            this.abandoned.gone(channelId);
          }
          break;
        }
        case 'ConsoleChannelVanished': {
          // Ended while the link was down: no StasisEnd will ever say so.
          const gone = (event as Extract<ModelEvent, { type: 'ConsoleChannelVanished' }>).channelId;
          this.hangingUp.add(gone);
          changed = (await this.legEnded(gone, at, { cause: null, text: null })) || changed;
          changed = (await this.snoops.channelEnded(gone)) || changed;
          break;
        }
        case 'ChannelEnteredBridge': {
          if (channelId) changed = (await this.targetJoined(channelId, ari.bridge?.id, at)) || changed;
          const parked = channelId ? slotOfChannel(this.park, channelId) : undefined;
          if (parked && parked.bridgeId === ari.bridge?.id) {
            await this.stepPark({ type: 'entered', at, slot: parked.slot });
            changed = true;
          }
          break;
        }
        case 'ChannelLeftBridge': {
          const parked = channelId ? slotOfChannel(this.park, channelId) : undefined;
          if (parked && channelId && parked.bridgeId === ari.bridge?.id) {
            await this.stepPark({ type: this.hangingUp.has(channelId) ? 'ended' : 'left', at, slot: parked.slot });
            changed = true;
          }
          break;
        }
        case 'ConsoleBridgeSeen':
          changed = (await this.discover(this.options.engine().currentModel)) || changed;
          break;
        case 'ChannelCreated':
          // subscribeAll shows a leg we gave up on as soon as the PBX makes it.
          if (channelId && (await this.abandoned.seen(channelId))) changed = true;
          break;
        case 'ConsoleLinkRestored':
          changed = (await this.restore(this.options.engine().currentModel, at)) || changed;
          break;
      }
    }
    if (this.hangingUp.size > 1000) this.hangingUp.clear();
    if (changed) this.changed();
  }

  private async legAnswered(channelId: string, at: number): Promise<boolean> {
    let changed = false;
    for (const state of [...this.transfers.values()]) {
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

  private async legEnded(channelId: string, at: number, cause: { cause: number | null; text: string | null }): Promise<boolean> {
    let changed = false;
    for (const state of [...this.transfers.values()]) {
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
    const parked = slotOfChannel(this.park, channelId);
    if (parked) {
      await this.stepPark({ type: 'ended', at, slot: parked.slot });
      changed = true;
    }
    return changed;
  }

  /**
   * A ringing Local target ends its ;1 half with no cause (0) and says why
   * (busy: 17) on its ;2 half a moment later, usually in the same batch; on a
   * busy machine the ;2 half can land in the next one. While that half still
   * lives, wait for it (at most CAUSE_WAIT_MS) rather than say "no answer".
   */
  private awaitCause(channelId: string, cause: { cause: number | null }, at: number): boolean {
    if (this.causeWait.has(channelId)) return true;
    if (cause.cause) return false;
    const ringing = [...this.transfers.values()].some((state) => isActive(state) && state.phase === 'dialing' && state.targetId === channelId);
    const half = this.options.engine().currentModel.channels.get(`${channelId};2`);
    if (!ringing || !half || half.endedAt !== null) return false;
    this.causeWait.set(channelId, at + CAUSE_WAIT_MS);
    return true;
  }

  private async targetJoined(channelId: string, bridgeId: string | undefined, at: number): Promise<boolean> {
    let changed = false;
    for (const state of [...this.transfers.values()]) {
      if (isActive(state) && state.targetId === channelId && state.bridgeId === bridgeId && !state.targetJoined) {
        await this.stepTransfer(state.id, { type: 'target-joined', at });
        changed = true;
      }
    }
    return changed;
  }

  /**
   * The link is back and the model reconciled: whatever the gap hid (a leg
   * that hung up, a target that answered, a parked call moved) is fed to the
   * machines as if it had been seen.
   */
  private async restore(model: CallModel, at: number): Promise<boolean> {
    let changed = false;
    for (const state of [...this.transfers.values()]) {
      for (const input of isActive(state) ? restoredTransferInputs(state, model, at) : []) {
        const result = await this.stepTransfer(state.id, input);
        changed = changed || result?.state !== state;
      }
    }
    const before = this.park;
    for (const input of restoredParkInputs(this.park, model, at)) await this.stepPark(input);
    for (const id of this.abandoned.ids()) if (model.channels.get(id)?.endedAt === null) await this.abandoned.seen(id);
    return changed || this.park !== before;
  }

  /** Slot bridges this run did not create (a restart, another console): shown, and tidied when empty. */
  private async discover(model: CallModel): Promise<boolean> {
    const before = this.park;
    for (const input of discoveredSlots(model, this.park)) await this.stepPark(input);
    return this.park !== before;
  }

  private async tick(): Promise<void> {
    const at = Date.now();
    let changed = false;
    this.abandoned.expire(at);
    for (const [id, until] of [...this.causeWait]) {
      if (at < until) continue;
      this.causeWait.delete(id);
      changed = (await this.legEnded(id, at, { cause: null, text: null })) || changed;
    }
    for (const state of [...this.transfers.values()]) {
      if (!isActive(state)) continue;
      const result = await this.stepTransfer(state.id, { type: 'tick', at });
      changed = changed || result?.state !== state;
    }
    const before = this.park;
    await this.stepPark({ type: 'tick', at });
    if (changed || this.park !== before) this.changed();
  }

  // ---- Machines and effects.

  private async stepTransfer(id: string, input: TransferInput): Promise<TransferTransition | null> {
    const state = this.transfers.get(id);
    if (!state) return null;
    const transition = transferTransition(state, input);
    if (transition.rejected) return transition;
    await this.applyTransfer(transition, state);
    return transition;
  }

  private async applyTransfer(transition: TransferTransition, before: TransferState | null): Promise<void> {
    const { state } = transition;
    this.transfers.set(state.id, state);
    for (const effect of transition.effects) {
      await this.perform(effect, (message, code) => this.stepTransfer(state.id, { type: 'effect-failed', at: Date.now(), effect, message, ...(code ? { code } : {}) }));
    }
    const now = this.transfers.get(state.id);
    if (now && !isActive(now) && (before === null || isActive(before))) await this.transferEnded(now);
    this.trimTransfers();
  }

  private async transferEnded(state: TransferState): Promise<void> {
    const slot = this.ringBacks.get(state.id);
    if (slot === undefined) return;
    this.ringBacks.delete(state.id);
    // Connected: the call left its slot, which the bridge events report.
    if (state.outcome?.status === 'failed') await this.stepPark({ type: 'ring-back-failed', at: Date.now(), slot, reason: state.outcome.reason });
  }

  private async stepPark(input: ParkInput): Promise<ReturnType<typeof parkTransition>> {
    const transition = parkTransition(this.park, input);
    if (transition.rejected) return transition;
    this.park = transition.state;
    for (const effect of transition.effects) {
      await this.perform(effect, async (message) => {
        await this.stepPark({ type: 'effect-failed', at: Date.now(), effect, message });
      });
    }
    return transition;
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
    const existing = [...this.transfers.values()].find((state) => isActive(state) && state.callerId === channelId);
    if (existing) {
      this.ringBacks.set(existing.id, slot);
      return;
    }
    const parked = slotOf(this.park, slot);
    const id = newId();
    this.ringBacks.set(id, slot);
    const settings = this.options.settings();
    const transition = startTransfer({
      id,
      kind: 'pickup',
      now: Date.now(),
      caller: { id: channelId, label: callerLabel, up: true, bridge: parked ? { id: parked.bridgeId, kind: 'holding', otherMembers: [] } : null },
      operatorId: null,
      target: { endpoint, label: endpoint },
      timeoutSec: settings.transferTimeoutSec,
      targetCallerId: `"${callerLabel}"`.slice(0, 80),
    });
    await this.applyTransfer(transition, null);
  }

  /**
   * A new transfer or park of a channel ends what older workflows were doing
   * with it: they never touch that channel, but hang up what they rang that
   * talks to nobody and bring a held caller back.
   */
  private async releaseLegs(channelId: string): Promise<void> {
    for (const state of [...this.transfers.values()]) {
      if (isActive(state) && transferLegs(state).includes(channelId)) await this.stepTransfer(state.id, { type: 'release', at: Date.now(), channelId });
    }
  }




  /** The receptionist's phone, by the operator setting, or a leg the console rang for them. */
  private isOperatorLeg(model: CallModel, id: string): boolean {
    const endpoint = this.options.settings().operatorEndpoint;
    const name = model.channels.get(id)?.name ?? '';
    if (endpoint && name.startsWith(`${endpoint}-`)) return true;
    return [...this.transfers.values()].some((state) => (state.kind === 'dial' && state.callerId === id) || (state.kind === 'pickup' && state.targetId === id));
  }

  private syncParkConfig(settings: Settings): void {
    const owner = this.options.engine().profile.app;
    if (this.park.owner !== owner) this.park = { ...this.park, owner };
    const { firstSlot, slotCount, timeoutSec } = settings.park;
    const config = this.park.config;
    if (config.firstSlot !== firstSlot || config.slotCount !== slotCount || config.timeoutSec !== timeoutSec) {
      this.park = { ...this.park, config: { ...config, firstSlot, slotCount, timeoutSec } };
    }
  }

  private trimTransfers(): void {
    const finished = [...this.transfers.values()].filter((state) => !isActive(state)).sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    for (const state of finished.slice(RECENT_TRANSFERS)) this.transfers.delete(state.id);
  }

  private changed(): void {
    if (!this.disposed) this.options.onChange(this.view());
  }

  private request<T>(task: () => Promise<T>): Promise<T> {
    return this.run(task, true);
  }

  /** Runs `task` after everything queued before it; requests (`notify`) always send the new view. */
  private run<T>(task: () => Promise<T>, notify = false): Promise<T> {
    const result = this.queue.then(task);
    // A failed request answers its caller; the queue goes on, and the view
    // goes out either way: a failure may have moved a machine too.
    this.queue = result.then(
      () => notify && this.changed(),
      () => notify && this.changed(),
    );
    return result;
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.timer);
    this.snoops.dispose();
  }
}
