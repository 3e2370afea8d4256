import type { EventBatch } from '../../common/contract.js';
import type { Settings, SettingsPatch } from '../../common/settings.js';
import type { WorkflowsView } from '../../common/workflow-contract.js';
import { createParkState } from '../../common/workflows/park.js';
import type { EngineManager } from '../engine/manager.js';
import type { HandlerTable } from '../handlers.js';
import type { Logger } from '../log.js';
import type { SettingsStore } from '../settings.js';
import { CallWorkflows } from './orchestrator.js';

export interface WorkflowManagerOptions {
  readonly engines: EngineManager;
  readonly settings: () => Settings;
  readonly emit: (view: WorkflowsView) => void;
  readonly log: Logger;
  readonly tickMs?: number;
}

/**
 * One CallWorkflows per profile, created when its engine first reports or a
 * workflow is asked for, and disposed (its tick timer with it) once the
 * profile is removed or its engine is gone.
 */
export class WorkflowManager {
  private readonly byProfile = new Map<string, CallWorkflows>();

  constructor(private readonly options: WorkflowManagerOptions) {}

  /** Throws not_connected (or no_profile) like every other command. */
  for(profileId: string): CallWorkflows {
    this.prune();
    const existing = this.byProfile.get(profileId);
    if (existing) return existing;
    const { engines } = this.options;
    engines.require(profileId);
    const workflows = new CallWorkflows({
      // Looked up each time: an edited profile gets a new engine.
      engine: () => engines.require(profileId),
      settings: this.options.settings,
      onChange: this.options.emit,
      log: this.options.log,
      ...(this.options.tickMs === undefined ? {} : { tickMs: this.options.tickMs }),
    });
    this.byProfile.set(profileId, workflows);
    return workflows;
  }

  onBatch(batch: EventBatch): void {
    if (!this.options.engines.get(batch.profileId)) return;
    this.for(batch.profileId).onEvents(batch.events);
  }

  /** The profile was removed: its workflows stop (timer, snoop sessions) and are forgotten. */
  forget(profileId: string): void {
    this.byProfile.get(profileId)?.dispose();
    this.byProfile.delete(profileId);
  }

  /** Profiles whose engine is gone (forgotten, disposed) keep nothing running here. */
  private prune(): void {
    for (const profileId of [...this.byProfile.keys()]) if (!this.options.engines.get(profileId)) this.forget(profileId);
  }

  /** How many profiles have live workflows (for tests and diagnostics). */
  get size(): number {
    return this.byProfile.size;
  }

  view(profileId: string): WorkflowsView {
    this.prune();
    const existing = this.byProfile.get(profileId);
    if (existing) return existing.view();
    const settings = this.options.settings();
    return { profileId, transfers: [], park: createParkState(settings.park), snoops: [], snoopEnabled: settings.snoopEnabled, operatorEndpoint: settings.operatorEndpoint };
  }

  /** Settings changed: every profile's view says so (snoop allowed, the operator's phone). */
  settingsChanged(): void {
    for (const workflows of this.byProfile.values()) this.options.emit(workflows.view());
  }

  dispose(): void {
    for (const workflows of this.byProfile.values()) workflows.dispose();
    this.byProfile.clear();
  }
}

type WorkflowChannel = 'workflows.get' | 'call.dial' | 'transfer.start' | 'transfer.command' | 'park.park' | 'park.retrieve' | 'snoop.start' | 'snoop.stop' | 'settings.get' | 'settings.set';

/**
 * The workflow channels' handlers; handlers.ts spreads them into the one table.
 * `setFromPage` is how the page changes settings (main/snoop-gate.ts: it can never turn snoop on by itself).
 */
export function workflowHandlers(workflows: WorkflowManager, settings: SettingsStore, setFromPage: (patch: SettingsPatch) => Promise<Settings>): Pick<HandlerTable, WorkflowChannel> {
  return {
    'workflows.get': async ({ profileId }) => workflows.view(profileId),
    'call.dial': async ({ profileId, target, via, callerId, timeoutSec }) =>
      workflows.for(profileId).dial({ target, via, ...(callerId === undefined ? {} : { callerId }), ...(timeoutSec === undefined ? {} : { timeoutSec }) }),
    'transfer.start': async ({ profileId, ...input }) => {
      const { channelId, kind, target, operatorChannelId, callerId, timeoutSec } = input;
      const workflowId = await workflows.for(profileId).transfer({
        channelId,
        kind,
        target,
        ...(operatorChannelId === undefined ? {} : { operatorChannelId }),
        ...(callerId === undefined ? {} : { callerId }),
        ...(timeoutSec === undefined ? {} : { timeoutSec }),
      });
      return { workflowId };
    },
    'transfer.command': async ({ profileId, workflowId, command }) => {
      await workflows.for(profileId).command(workflowId, command);
      return {};
    },
    'park.park': async ({ profileId, channelId, slot, operatorChannelId }) => ({
      slot: await workflows.for(profileId).parkCall({ channelId, ...(slot === undefined ? {} : { slot }), ...(operatorChannelId === undefined ? {} : { operatorChannelId }) }),
    }),
    'park.retrieve': async ({ profileId, slot, toBridgeId }) => ({
      channelId: await workflows.for(profileId).retrieve({ slot, ...(toBridgeId === undefined ? {} : { toBridgeId }) }),
    }),
    'snoop.start': async ({ profileId, channelId, mode }) => ({ workflowId: await workflows.for(profileId).snoop({ channelId, mode }) }),
    'snoop.stop': async ({ profileId, workflowId }) => {
      await workflows.for(profileId).stopSnoop(workflowId);
      return {};
    },
    'settings.get': async () => settings.get(),
    'settings.set': async (patch) => setFromPage(patch),
  };
}
