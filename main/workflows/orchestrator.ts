import type { AriEvent } from '../../common/ari.js';
import { ConsoleError } from '../../common/errors.js';
import type { CallModel, ModelEvent } from '../../common/model/index.js';
import type { Settings } from '../../common/settings.js';
import type { SnoopMode, WorkflowsView } from '../../common/workflow-contract.js';
import { slotOf, slotOfChannel } from '../../common/workflows/park.js';
import { isActive, startDial, startTransfer, type TransferCommand } from '../../common/workflows/transfer.js';
import type { Logger } from '../log.js';
import type { WorkflowEngine } from './executor.js';
import { callLabel, controlledCall, dialEndpoint, discoveredSlots, hangupCauses, restoredParkInputs, restoredTransferInputs } from './inputs.js';
import { newId, WorkflowMachines } from './machines.js';
import { SnoopSessions } from './snoop.js';

/**
 * One profile's call workflows: it turns requests and what the PBX reports
 * into inputs for the transfer and park machines (main/workflows/machines.ts,
 * which performs their effects through the engine's REST client). Everything (events, commands, ticks) runs through one
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

/** How long a target's end waits for the cause its Local ;2 half gives. */
const CAUSE_WAIT_MS = 1000;

export class CallWorkflows {
  private readonly machines: WorkflowMachines;
  private readonly snoops: SnoopSessions;
  private queue: Promise<unknown> = Promise.resolve();
  /** Channels whose hangup was requested: a park bridge they leave was not left on purpose. */
  private hangingUp = new Set<string>();
  /** Ringing targets that ended without a cause, waiting for their Local ;2 half's: id → until when. */
  private readonly causeWait = new Map<string, number>();
  private readonly timer: ReturnType<typeof setInterval>;
  private disposed = false;

  constructor(private readonly options: OrchestratorOptions) {
    this.machines = new WorkflowMachines(options);
    this.snoops = new SnoopSessions(options.engine, (message, fields) => options.log.warn(message, fields));
    this.timer = setInterval(() => void this.run(() => this.tick()), options.tickMs ?? 1000);
    this.timer.unref?.();
  }

  view(): WorkflowsView {
    const settings = this.options.settings();
    const transfers = [...this.machines.transfers.values()];
    const active = transfers.filter(isActive).sort((a, b) => a.startedAt - b.startedAt);
    const finished = transfers.filter((state) => !isActive(state)).sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0));
    return {
      profileId: this.options.engine().profile.id,
      transfers: [...active, ...finished],
      park: this.machines.park,
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
          if (!(error instanceof ConsoleError && error.code === 'not_in_stasis')) await this.machines.abandoned.abandon(channelId);
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
      await this.machines.applyTransfer(transition, null);
      return { workflowId: id, channelId: transition.state.callerId };
    });
  }

  transfer(input: { channelId: string; kind: 'blind' | 'attended' | 'pickup'; target: string; operatorChannelId?: string; callerId?: string; timeoutSec?: number }): Promise<string> {
    return this.request(async () => {
      const settings = this.options.settings();
      const endpoint = dialEndpoint(input.target, settings.dialTemplate);
      const { channel, bridge, operatorId } = controlledCall(this.options.engine().currentModel, input.channelId, input.operatorChannelId, (model, id) => this.machines.isOperatorLeg(model, id));
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
      await this.machines.releaseLegs(channel.id);
      await this.machines.applyTransfer(transition, null);
      return id;
    });
  }

  command(workflowId: string, command: TransferCommand): Promise<void> {
    return this.request(async () => {
      if (!this.machines.transfers.has(workflowId)) throw new ConsoleError('not_found', 'There is no such transfer (it may have ended long ago).');
      const result = await this.machines.stepTransfer(workflowId, { type: command, at: Date.now() });
      if (result?.rejected) throw new ConsoleError('invalid_request', result.rejected);
    });
  }

  parkCall(input: { channelId: string; slot?: number; operatorChannelId?: string }): Promise<number> {
    return this.request(async () => {
      const settings = this.options.settings();
      this.machines.syncParkConfig(settings);
      const { channel, bridge, operatorId } = controlledCall(this.options.engine().currentModel, input.channelId, input.operatorChannelId, (model, id) => this.machines.isOperatorLeg(model, id));
      await this.machines.releaseLegs(channel.id);
      const result = await this.machines.stepPark({
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
      if (!slotOf(this.machines.park, result.slot)) throw new ConsoleError('pbx_error', this.machines.park.recent[0]?.detail ?? 'Could not park the call.');
      return result.slot;
    });
  }

  retrieve(input: { slot: number; toBridgeId?: string }): Promise<string> {
    return this.request(async () => {
      if (input.toBridgeId) {
        const parked = slotOf(this.machines.park, input.slot);
        const bridge = this.options.engine().currentModel.bridges.get(input.toBridgeId);
        if (!bridge) throw new ConsoleError('not_found', 'That bridge has ended.');
        // Out of the slot's music into an empty bridge would be silence.
        if (!bridge.channelIds.some((id) => id !== parked?.channelId)) throw new ConsoleError('invalid_request', 'Nobody is in that bridge: the caller would hear silence. Retrieve it to the console instead.');
      }
      const result = await this.machines.stepPark({ type: 'retrieve', at: Date.now(), slot: input.slot, ...(input.toBridgeId ? { toBridgeId: input.toBridgeId } : {}) });
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
          if (await this.machines.abandoned.seen(channelId)) break;
          changed = (await this.machines.legAnswered(channelId, at)) || changed;
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
          if (half !== null && this.causeWait.delete(half)) changed = (await this.machines.legEnded(half, at, causeOf(channelId))) || changed;
          const cause = causeOf(channelId);
          if (!this.awaitCause(channelId, cause, at)) changed = (await this.machines.legEnded(channelId, at, cause)) || changed;
          changed = (await this.snoops.channelEnded(channelId)) || changed;
          changed = (await this.machines.parkLegSettled(channelId, null)) || changed;
          if (event.type === 'ChannelDestroyed') {
            this.hangingUp.delete(channelId);
            this.machines.abandoned.gone(channelId);
          }
          break;
        }
        case 'ConsoleChannelVanished': {
          // Ended while the link was down: no StasisEnd will ever say so. Its
          // ChannelDestroyed, buffered while the reconnect's listing was taken,
          // may follow in this batch (the model took its real end): the cause is its.
          const gone = (event as Extract<ModelEvent, { type: 'ConsoleChannelVanished' }>).channelId;
          this.hangingUp.add(gone);
          changed = (await this.machines.legEnded(gone, at, causeOf(gone))) || changed;
          changed = (await this.snoops.channelEnded(gone)) || changed;
          break;
        }
        case 'ChannelEnteredBridge': {
          if (channelId) changed = (await this.machines.targetJoined(channelId, ari.bridge?.id, at)) || changed;
          if (channelId && ari.bridge?.id) changed = (await this.machines.legEntered(channelId, ari.bridge.id, at)) || changed;
          const parked = channelId ? slotOfChannel(this.machines.park, channelId) : undefined;
          if (parked && parked.bridgeId === ari.bridge?.id) {
            await this.machines.stepPark({ type: 'entered', at, slot: parked.slot });
            changed = true;
          }
          // A parked call that left its slot in an earlier batch: now it is known where it went.
          if (channelId) changed = (await this.machines.parkLegSettled(channelId, ari.bridge?.id ?? null)) || changed;
          break;
        }
        case 'ChannelLeftBridge': {
          const bridgeId = ari.bridge?.id;
          // Moved by the operator, not hanging up (its hangup request comes first, see hangingUp).
          const moved = bridgeId && channelId && this.isUp(channelId) ? await this.machines.legLeft(channelId, bridgeId, at) : false;
          if (bridgeId && !moved) await this.machines.bridgeLeft(bridgeId);
          changed = moved || changed;
          const parked = channelId ? slotOfChannel(this.machines.park, channelId) : undefined;
          if (parked && channelId && parked.bridgeId === ari.bridge?.id) {
            if (this.hangingUp.has(channelId)) await this.machines.stepPark({ type: 'ended', at, slot: parked.slot });
            else await this.machines.parkLeft(parked, at);
            changed = true;
          }
          break;
        }
        case 'ConsoleBridgeSeen':
          changed = (await this.discover(this.options.engine().currentModel)) || changed;
          break;
        case 'ChannelCreated':
          // subscribeAll shows a leg we gave up on as soon as the PBX makes it.
          if (channelId && (await this.machines.abandoned.seen(channelId))) changed = true;
          break;
        case 'ConsoleLinkRestored':
          changed = (await this.restore(this.options.engine().currentModel, at)) || changed;
          break;
      }
    }
    if (this.hangingUp.size > 1000) this.hangingUp.clear();
    if (changed) this.changed();
  }

  /** Still up and not on its way out: what left a bridge so was moved, not hung up. */
  private isUp(channelId: string): boolean {
    return !this.hangingUp.has(channelId) && this.options.engine().currentModel.channels.get(channelId)?.endedAt === null;
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
    const ringing = [...this.machines.transfers.values()].some((state) => isActive(state) && state.phase === 'dialing' && state.targetId === channelId);
    const half = this.options.engine().currentModel.channels.get(`${channelId};2`);
    if (!ringing || !half || half.endedAt !== null) return false;
    this.causeWait.set(channelId, at + CAUSE_WAIT_MS);
    return true;
  }

  /**
   * The link is back and the model reconciled: whatever the gap hid (a leg
   * that hung up, a target that answered, a parked call moved) is fed to the
   * machines as if it had been seen.
   */
  private async restore(model: CallModel, at: number): Promise<boolean> {
    let changed = false;
    for (const state of [...this.machines.transfers.values()]) {
      for (const input of isActive(state) ? restoredTransferInputs(state, model, at) : []) {
        const result = await this.machines.stepTransfer(state.id, input);
        changed = changed || result?.state !== state;
      }
    }
    const before = this.machines.park;
    for (const input of restoredParkInputs(this.machines.park, model, at)) {
      const parked = input.type === 'left' ? slotOf(this.machines.park, input.slot) : undefined;
      const how = parked ? this.machines.parkLeftHow(parked, model.channels.get(parked.channelId)?.bridgeId ?? null) : undefined;
      await this.machines.stepPark(input.type === 'left' && how ? { ...input, how } : input);
    }
    for (const id of this.machines.abandoned.ids()) if (model.channels.get(id)?.endedAt === null) await this.machines.abandoned.seen(id);
    return changed || this.machines.park !== before;
  }

  /** Slot bridges this run did not create (a restart, another console): shown, and tidied when empty. */
  private async discover(model: CallModel): Promise<boolean> {
    const before = this.machines.park;
    for (const input of discoveredSlots(model, this.machines.park)) await this.machines.stepPark(input);
    return this.machines.park !== before;
  }

  private async tick(): Promise<void> {
    const at = Date.now();
    let changed = false;
    this.machines.abandoned.expire(at);
    for (const [id, until] of [...this.causeWait]) {
      if (at < until) continue;
      this.causeWait.delete(id);
      changed = (await this.machines.legEnded(id, at, { cause: null, text: null })) || changed;
    }
    for (const state of [...this.machines.transfers.values()]) {
      if (!isActive(state)) continue;
      const result = await this.machines.stepTransfer(state.id, { type: 'tick', at });
      changed = changed || result?.state !== state;
    }
    changed = (await this.machines.settleLeaves(at)) || changed;
    const before = this.machines.park;
    await this.machines.stepPark({ type: 'tick', at });
    if (changed || this.machines.park !== before) this.changed();
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
