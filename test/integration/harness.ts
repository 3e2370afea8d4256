import { inject } from 'vitest';
import { createBackend, type NodeBackend } from '../../main/backend-node.js';
import { connectRest, type AriRest } from '../../main/engine/ari-rest.js';
import type { AriEngine, EngineProfile } from '../../main/engine/engine.js';
import type { EngineTuning } from '../../main/engine/manager.js';
import { silentLogger } from '../../main/log.js';
import type { CallModel, ChannelView } from '../../common/model/index.js';
import type { RequestChannel, RequestOf } from '../../common/contract.js';

export const PROFILE_ID = 'sandbox';

/**
 * An app name of this test run's own: runs sharing one sandbox would otherwise
 * replace each other's socket (ApplicationReplaced). The sandbox dialplan's
 * [console-app] context sends Local/<app>@console-app into Stasis(<app>).
 */
export function uniqueApp(prefix = 'test'): string {
  return `${prefix}${process.pid}x${Math.random().toString(36).slice(2, 8)}`;
}

export function sandboxProfile(overrides: Partial<EngineProfile> = {}): EngineProfile {
  const ari = inject('ari');
  return {
    id: PROFILE_ID,
    name: 'Asterisk sandbox',
    baseUrl: ari.baseUrl,
    username: ari.username,
    password: ari.password,
    app: inject('ari').sandbox ? uniqueApp() : ari.app,
    subscribeAll: true,
    ...overrides,
  };
}

/** The console's whole main side, connected to the test PBX. */
export interface Console {
  readonly node: NodeBackend;
  readonly engine: AriEngine;
  model(): CallModel;
  /** Sends a request through the contract, as the renderer would, and unwraps it. */
  request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<unknown>;
  /** Same, but returns the Result for asserting on errors. */
  raw(channel: string, payload: unknown): Promise<{ ok: boolean; error?: { code: string; message: string }; value?: unknown }>;
  close(): Promise<void>;
}

export async function startConsole(tuning: EngineTuning = {}, profile = sandboxProfile()): Promise<Console> {
  const node = await createBackend({ builtInProfiles: [profile], log: silentLogger, tuning });
  const engine = node.engines.require(profile.id);
  await waitFor(() => engine.status().supervisor.status === 'live', 30_000, 'engine live');
  return {
    node,
    engine,
    model: () => engine.currentModel,
    async request(channel, payload) {
      const result = await node.backend.dispatch(channel, payload);
      if (!result.ok) throw new Error(`${channel} failed: ${result.error.code} ${result.error.message}`);
      return result.value;
    },
    raw: (channel, payload) => node.backend.dispatch(channel, payload) as ReturnType<Console['raw']>,
    close: () => node.dispose(),
  };
}

export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The outside world: a REST client of its own that places calls to the console. */
export async function world(): Promise<AriRest> {
  const ari = inject('ari');
  return connectRest({ baseUrl: ari.baseUrl, username: ari.username, password: ari.password, timeoutMs: 5000 });
}

let callCounter = 0;

/**
 * An inbound call ringing at the console: Local/<app>@console-app runs
 * Stasis(<app>) unanswered (leg ;2 = `stasisId`), while leg ;1 (`callerId`)
 * plays the caller and, once answered, waits in [test] `wait`.
 */
export async function placeInboundCall(rest: AriRest, app: string, caller = 'Alice <200>'): Promise<{ callerId: string; stasisId: string }> {
  callCounter += 1;
  const base = `t${Date.now().toString(36)}-${callCounter}`;
  const callerLeg = `${base}-caller`;
  const stasisLeg = `${base}-in`;
  await rest.originate({
    endpoint: inject('ari').sandbox ? `Local/${app}@console-app` : 'Local/100@console-in',
    context: 'test',
    extension: 'wait',
    callerId: caller,
    timeout: -1,
    channelId: callerLeg,
    otherChannelId: stasisLeg,
  });
  return { callerId: callerLeg, stasisId: stasisLeg };
}

export function live(model: CallModel, id: string): ChannelView | undefined {
  return model.channels.get(id);
}

export function anyChannel(model: CallModel, id: string): ChannelView | undefined {
  return model.channels.get(id) ?? model.ended.get(id);
}
