import { afterAll, afterEach, beforeAll, beforeEach, expect, inject } from 'vitest';
import type * as SandboxModule from '../asterisk/sandbox.mjs';
import type { AriRest } from '../../main/engine/ari-rest.js';
import type { WorkflowsView } from '../../common/workflow-contract.js';
import type { TransferState } from '../../common/workflows/transfer.js';
import type { Logger } from '../../main/log.js';
import { answeredCall, eventually, live, placeInboundCall, poll, sandboxProfile, startConsole, sweepPbx, waitFor, world, type Console } from './harness.js';

/**
 * What the workflow integration files share: one console on the real
 * Asterisk, the outside world's REST client, and a leak check after every
 * test. A test registers the parties it placed (callers, the receptionist's
 * phone) and the bridges it built itself; afterEach hangs those up as the
 * outside world would, then requires that nothing else the test made is left
 * on the PBX (GET /channels, /bridges against the listing before the test):
 * what the console rang or built must go with the calls. Only then is
 * everything swept, so one leak does not spill into the next test.
 */

export const P = 'sandbox';
const LEAK_WAIT_MS = 5000;

export interface WorkflowWorld {
  readonly console_: Console;
  readonly rest: AriRest;
  /** The sandbox module when the PBX is the local sandbox (freeze, CLI), else null. */
  readonly sandbox: typeof SandboxModule | null;
  latest(): WorkflowsView | null;
  transfer(id: string): TransferState | undefined;
  /** Members of a bridge on the PBX, sorted; null when the bridge does not exist. */
  members(bridgeId: string): Promise<string[] | null>;
  /** An inbound call answered by `on` (the console by default); its outside leg is hung up after the test. */
  call(name: string, on?: Console): Promise<{ callerId: string; stasisId: string }>;
  /** An inbound call left ringing at the console. */
  ringing(name: string): Promise<{ callerId: string; stasisId: string }>;
  /** A channel the outside world hangs up after the test (a call the console dialed out, a target). */
  placed(channelId: string): void;
  /** A bridge the test built itself (the outside world tears it down after the test). */
  built(bridgeId: string): void;
  start(payload: { channelId: string; kind: 'blind' | 'attended' | 'pickup'; target: string; operatorChannelId?: string }): Promise<string>;
  /** Caller and receptionist talking in a bridge, as after the receptionist answered on their phone. */
  deskCall(): Promise<{ caller: string; operator: string; desk: string }>;
  /** Whether the channel hears music on hold, asked of the sandbox's CLI (MOH plays gsm files to it). */
  hearsMusic(channelId: string): Promise<boolean>;
}

export function useWorkflowWorld(log?: Logger): WorkflowWorld {
  let console_: Console;
  let rest: AriRest;
  let sandbox: typeof SandboxModule | null = null;
  let latest: WorkflowsView | null = null;
  let baseline = { channels: new Set<string>(), bridges: new Set<string>() };
  const placed: string[] = [];
  const built: string[] = [];

  beforeAll(async () => {
    console_ = await startConsole({}, sandboxProfile(), log);
    rest = await world();
    sandbox = inject('ari').sandbox ? await import('../asterisk/sandbox.mjs') : null;
    console_.node.backend.subscribe((channel, payload) => {
      if (channel === 'workflows.state') latest = payload as WorkflowsView;
    });
  });

  afterAll(async () => {
    rest?.close();
    await console_?.close();
  });

  beforeEach(async () => {
    placed.length = 0;
    built.length = 0;
    const [channels, bridges] = await Promise.all([rest.listChannels(), rest.listBridges()]);
    baseline = { channels: new Set(channels.map((channel) => channel.id)), bridges: new Set(bridges.map((bridge) => bridge.id)) };
  });

  const leftovers = async () => {
    const [channels, bridges] = await Promise.all([rest.listChannels(), rest.listBridges()]);
    return {
      channels: channels.filter((channel) => !baseline.channels.has(channel.id)).map((channel) => `${channel.id} (${channel.name})`),
      bridges: bridges.filter((bridge) => !baseline.bridges.has(bridge.id)).map((bridge) => `${bridge.id} (${bridge.name}: ${bridge.channels.join(', ')})`),
    };
  };

  afterEach(async () => {
    for (const id of placed) await rest.hangup(id);
    for (const id of built) await rest.destroyBridge(id).catch(() => undefined);
    const { value: leaks } = await poll(leftovers, (left) => left.channels.length === 0 && left.bridges.length === 0, LEAK_WAIT_MS);
    // Swept either way, down to the listing before the test; the assertions come last so a leak fails this test only.
    const unswept = await sweepPbx(rest, baseline).then(() => null, (error: unknown) => error);
    await console_.request('settings.set', { snoopEnabled: false, operatorEndpoint: null, park: { timeoutSec: 120 } });
    expect(leaks, 'channels or bridges left on the PBX after the test').toEqual({ channels: [], bridges: [] });
    if (unswept) throw unswept;
  });

  const api: WorkflowWorld = {
    get console_() {
      return console_;
    },
    get rest() {
      return rest;
    },
    get sandbox() {
      return sandbox;
    },
    latest: () => latest,
    transfer: (id) => latest?.transfers.find((state) => state.id === id),
    members: async (bridgeId) => (await rest.listBridges()).find((bridge) => bridge.id === bridgeId)?.channels.slice().sort() ?? null,
    async call(name, on = console_) {
      const call = await answeredCall(on, rest, name);
      placed.push(call.callerId);
      return call;
    },
    async ringing(name) {
      const call = await placeInboundCall(rest, console_.engine.profile.app, name);
      placed.push(call.callerId);
      await waitFor(() => live(console_.model(), call.stasisId)?.inStasis === true, 10_000, 'ringing in the app');
      return call;
    },
    placed: (channelId) => void placed.push(channelId),
    built: (bridgeId) => void built.push(bridgeId),
    start: async (payload) => ((await console_.request('transfer.start', { profileId: P, ...payload })) as { workflowId: string }).workflowId,
    async deskCall() {
      const caller = (await api.call('Alice <200>')).stasisId;
      const operator = (await api.call('Reception <100>')).stasisId;
      const { bridgeId } = (await console_.request('bridge.create', { profileId: P, type: 'mixing', name: 'desk' })) as { bridgeId: string };
      built.push(bridgeId);
      await console_.request('bridge.addChannel', { profileId: P, bridgeId, channelId: caller });
      await console_.request('bridge.addChannel', { profileId: P, bridgeId, channelId: operator });
      await waitFor(() => live(console_.model(), caller)?.bridgeId === bridgeId && live(console_.model(), operator)?.bridgeId === bridgeId, 10_000, 'desk bridge');
      return { caller, operator, desk: bridgeId };
    },
    async hearsMusic(channelId) {
      if (!sandbox) throw new Error('hearsMusic needs the local sandbox (its CLI)');
      // concise: name!context!exten!prio!state!app!data!…!bridgeid!uniqueid
      const line = (await sandbox.asteriskCli('core show channels concise')).split('\n').find((row) => row.trim().endsWith(`!${channelId}`));
      if (!line) return false;
      const shown = await sandbox.asteriskCli(`core show channel ${line.split('!')[0] ?? ''}`);
      return /WriteFormat: gsm/.test(shown);
    },
  };
  return api;
}

/** The workflow files poll the PBX with harness.ts's loop. */
export { eventually };
