import type { CallModel } from '../../common/model/index.js';
import type { WorkflowEffect } from '../../common/workflows/effects.js';
import type { AriRest } from '../engine/ari-rest.js';
import type { AriEngine } from '../engine/engine.js';

/** What the workflows need of an engine; an interface so a replaced engine is looked up each time. */
export type WorkflowEngine = Pick<AriEngine, 'profile' | 'requireRest' | 'watch' | 'note' | 'currentModel'>;

/** The effects that only the orchestrator can perform (they start or stop other workflows). */
export type LocalEffect = Extract<WorkflowEffect, { type: 'ring-back' | 'ring-back-cancel' }>;

export function isLocalEffect(effect: WorkflowEffect): effect is LocalEffect {
  return effect.type === 'ring-back' || effect.type === 'ring-back-cancel';
}

/**
 * Whether a guarded effect still applies: a hangup whose leg is still in the
 * bridge the workflow left it in, a bridge-destroy of a bridge nobody else
 * joined. What the model does not know (gone, or never seen) passes: a DELETE
 * of something gone is harmless.
 */
export function stillApplies(model: CallModel, effect: WorkflowEffect): boolean {
  if ((effect.type === 'hangup' || effect.type === 'moh-start') && effect.ifIn !== undefined) {
    const channel = model.channels.get(effect.channelId);
    return !channel || channel.endedAt !== null || effect.ifIn.includes(channel.bridgeId);
  }
  if (effect.type === 'bridge-destroy' && effect.ifOnly !== undefined) {
    const allowed = effect.ifOnly;
    const bridge = model.bridges.get(effect.bridgeId);
    return !bridge || bridge.channelIds.every((id) => allowed.includes(id));
  }
  return true;
}

/**
 * Performs one ARI effect of a workflow machine. Throws the engine's
 * ConsoleError on failure; the orchestrator turns that into the machine's
 * `effect-failed` input.
 */
export async function performAriEffect(engine: WorkflowEngine, effect: Exclude<WorkflowEffect, LocalEffect>): Promise<void> {
  const rest: AriRest = engine.requireRest();
  switch (effect.type) {
    case 'originate':
      // Into our own app: the leg's StasisStart (with these args) says it answered.
      await rest.originate({
        endpoint: effect.endpoint,
        app: engine.profile.app,
        appArgs: effect.appArgs,
        timeout: effect.timeoutSec,
        channelId: effect.channelId,
        ...(effect.callerId ? { callerId: effect.callerId } : {}),
      });
      return;
    case 'hangup':
      return rest.hangup(effect.channelId);
    case 'answer':
      return rest.answer(effect.channelId);
    case 'ring':
      await rest.ring(effect.channelId);
      engine.note({ type: 'ConsoleChannelFlag', at: Date.now(), channelId: effect.channelId, flag: 'ring' });
      return;
    case 'ring-stop':
      await rest.ringStop(effect.channelId);
      engine.note({ type: 'ConsoleChannelFlag', at: Date.now(), channelId: effect.channelId, flag: 'ring-stop' });
      return;
    case 'moh-start':
      return rest.startMoh(effect.channelId);
    case 'moh-stop':
      return rest.stopMoh(effect.channelId);
    case 'bridge-create': {
      const bridge = await rest.createBridge({ type: effect.bridgeType, name: effect.name, bridgeId: effect.bridgeId });
      engine.watch(`bridge:${bridge.id}`);
      // Without subscribeAll no BridgeCreated comes: the PBX's answer is the announcement.
      engine.note({ type: 'ConsoleBridgeSeen', at: Date.now(), bridge });
      return;
    }
    case 'bridge-add':
      return rest.addChannel(effect.bridgeId, effect.channelId);
    case 'bridge-remove':
      return rest.removeChannel(effect.bridgeId, effect.channelId);
    case 'bridge-destroy':
      return rest.destroyBridge(effect.bridgeId);
    case 'bridge-moh-start':
      return rest.startBridgeMoh(effect.bridgeId);
  }
}
