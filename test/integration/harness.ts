import { expect, inject } from 'vitest';
import { createBackend, type NodeBackend } from '../../main/backend-node.js';
import { connectRest, type AriRest } from '../../main/engine/ari-rest.js';
import type { AriEngine, EngineProfile } from '../../main/engine/engine.js';
import type { EngineTuning } from '../../main/engine/manager.js';
import { createLogger, silentLogger, type Logger } from '../../main/log.js';
import type { CallModel, ChannelView } from '../../common/model/index.js';
import type { EngineStatus, RequestChannel, RequestOf } from '../../common/contract.js';
import { DEFAULT_BACKOFF, type SupervisorState } from '../../common/supervisor.js';

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

export async function startConsole(tuning: EngineTuning = {}, profile = sandboxProfile(), log: Logger = silentLogger): Promise<Console> {
  const node = await createBackend({ builtInProfiles: [profile], log, tuning });
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

/**
 * The tests' one polling loop: reads until `ok` or until `timeoutMs` has
 * passed, and gives back the last value read and whether it was ok. The
 * ceiling is for a broken run, never a timed assertion.
 */
export async function poll<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs: number, everyMs = 100): Promise<{ readonly value: T; readonly ok: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return { value, ok: true };
    if (Date.now() > deadline) return { value, ok: false };
    await sleep(everyMs);
  }
}

/** Polls a read (of the PBX, the model, a page) until `ok`; a run that never gets there fails naming what it waited for and the last value. */
export async function eventually<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const last = await poll(read, ok, timeoutMs, everyMs);
  if (!last.ok) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: last ${JSON.stringify(last.value)}`);
  return last.value;
}

/** Waits for a condition on what this process already holds (the engine's model), so it looks often. */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  await eventually(predicate, (value) => value, what, timeoutMs, 25);
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

/** Every engine.status the console emitted, stamped with when it arrived. */
export interface StatusLog {
  readonly entries: { at: number; status: EngineStatus }[];
  /** Entries since `at` (inclusive). */
  since(at: number): { at: number; status: EngineStatus }[];
  stop(): void;
}

export function recordStatuses(console_: Console): StatusLog {
  const entries: { at: number; status: EngineStatus }[] = [];
  const stop = console_.node.backend.subscribe((channel, payload) => {
    if (channel === 'engine.status') entries.push({ at: Date.now(), status: payload as EngineStatus });
  });
  return { entries, since: (at) => entries.filter((entry) => entry.at >= at), stop };
}

/**
 * "Live again within about a second of the PBX answering", proved from the
 * supervisor's own record rather than by the wall clock, which a loaded
 * machine stretches (the seconds are logged by the caller and measured by
 * `npm run bench -- reconnect`): no retry was ever scheduled further out than
 * the backoff cap, and once the PBX answered the engine went live within a
 * few attempts (the one already waiting, and at most two more while a
 * just-started Asterisk finishes loading its modules).
 */
export function expectPromptReconnect(statuses: StatusLog, downAt: number, answeredAt: number, capMs = DEFAULT_BACKOFF.maxDelayMs): void {
  const entries = statuses.since(downAt);
  for (const { at, status } of entries) {
    const supervisor = status.supervisor;
    if (supervisor.status === 'backoff') expect(supervisor.nextRetryAt - at, `a retry scheduled at ${at}`).toBeLessThanOrEqual(capMs);
  }
  const afterAnswer = statuses.since(answeredAt);
  const liveIndex = afterAnswer.findIndex((entry) => entry.status.supervisor.status === 'live');
  expect(liveIndex, 'the engine went live after the PBX answered').toBeGreaterThanOrEqual(0);
  const attempts = afterAnswer.slice(0, liveIndex + 1).filter((entry) => entry.status.supervisor.status === 'connecting').length;
  expect(attempts, 'connection attempts between the PBX answering and live').toBeLessThanOrEqual(3);
}

/**
 * A command settles, with whatever answer, before `guardMs`: the guard is a
 * hang detector several times the command's own deadline, not a speed check.
 */
export async function settlesBefore<T>(command: Promise<T>, guardMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} had not settled after ${guardMs} ms: it hangs`)), guardMs);
  });
  try {
    return await Promise.race([command, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ms from `from` until the engine is live; throws after timeoutMs. */
export async function timeUntilLive(console_: Console, from: number, timeoutMs = 30_000): Promise<number> {
  await waitFor(() => console_.engine.status().supervisor.status === 'live', timeoutMs, 'engine live again');
  return Date.now() - from;
}

interface PbxView {
  channels: Record<string, string>;
  bridges: Record<string, string[]>;
}

function modelView(model: CallModel): PbxView {
  return {
    channels: Object.fromEntries([...model.channels.values()].map((channel) => [channel.id, channel.state])),
    bridges: Object.fromEntries([...model.bridges.values()].map((bridge) => [bridge.id, [...bridge.channelIds].sort()])),
  };
}

async function pbxView(rest: AriRest): Promise<PbxView> {
  const [channels, bridges] = await Promise.all([rest.listChannels(), rest.listBridges()]);
  return {
    channels: Object.fromEntries(channels.map((channel) => [channel.id, channel.state])),
    bridges: Object.fromEntries(bridges.map((bridge) => [bridge.id, [...bridge.channels].sort()])),
  };
}

/**
 * The model's channels (with their states) and bridges (with their members)
 * equal what GET /channels and GET /bridges say. Events still in flight may
 * lag the listing by a moment, so it compares again for up to `settleMs`
 * before asserting on the last comparison.
 */
export async function expectModelMatchesPbx(console_: Console, rest: AriRest, settleMs = 3000): Promise<void> {
  const { value: pbx } = await poll(() => pbxView(rest), (view) => JSON.stringify(modelView(console_.model())) === JSON.stringify(view), settleMs);
  expect(modelView(console_.model())).toEqual(pbx);
}

/** What a sweep leaves alone: the channels and bridges that were there before a test. */
export interface PbxKeep {
  readonly channels: ReadonlySet<string>;
  readonly bridges: ReadonlySet<string>;
}

const KEEP_NOTHING: PbxKeep = { channels: new Set(), bridges: new Set() };

/**
 * Hangs up every channel and removes every bridge the PBX has (but `keep`'s),
 * then waits until GET /channels lists none of them any more: a hang-up is
 * asynchronous on the PBX, and a channel still dying would show in the next
 * test's listing. Fails, naming the survivors, if the PBX stays busy.
 */
export async function sweepPbx(rest: AriRest, keep: PbxKeep = KEEP_NOTHING, timeoutMs = 10_000): Promise<void> {
  // The console may be hanging up or tearing down the same things meanwhile (the PBX then answers 404 or 422).
  await Promise.all((await rest.listChannels()).filter((channel) => !keep.channels.has(channel.id)).map((channel) => rest.hangup(channel.id).catch(() => undefined)));
  await Promise.all((await rest.listBridges()).filter((bridge) => !keep.bridges.has(bridge.id)).map((bridge) => rest.destroyBridge(bridge.id).catch(() => undefined)));
  await eventually(
    async () => (await rest.listChannels()).filter((channel) => !keep.channels.has(channel.id)).map((channel) => `${channel.id} (${channel.name})`),
    (left) => left.length === 0,
    'the PBX to hang up every channel',
    timeoutMs,
  );
}

/** An inbound call that the console answers: it is Up, in the app, when this returns. */
export async function answeredCall(console_: Console, rest: AriRest, caller: string): Promise<{ callerId: string; stasisId: string }> {
  const call = await placeInboundCall(rest, console_.engine.profile.app, caller);
  await waitFor(() => live(console_.model(), call.stasisId)?.inStasis === true, 10_000, 'call in the app');
  await console_.request('call.answer', { profileId: console_.engine.profile.id, channelId: call.stasisId });
  await waitFor(() => live(console_.model(), call.stasisId)?.state === 'Up', 5000, 'answered');
  return call;
}

/**
 * A call that runs dialplan only (Local/wait@test, both legs answered and
 * waiting): it never enters a Stasis app, so it can begin while no console is
 * connected; a console with subscribeAll sees it.
 */
export async function dialplanCall(rest: AriRest): Promise<{ ids: [string, string] }> {
  callCounter += 1;
  const base = `d${Date.now().toString(36)}-${callCounter}`;
  const ids: [string, string] = [`${base}-a`, `${base}-b`];
  await rest.originate({ endpoint: 'Local/wait@test', context: 'test', extension: 'wait', timeout: -1, channelId: ids[0], otherChannelId: ids[1] });
  return { ids };
}

export interface Attempt {
  node: NodeBackend;
  state: SupervisorState;
  lines: string[];
}

/** Connects a console with `profile` and returns its first settled state (live, backoff or stopped); dispose `node` after. */
export async function attemptConnect(profile: EngineProfile, tuning: EngineTuning = {}): Promise<Attempt> {
  const lines: string[] = [];
  const log = createLogger('engine', { level: 'debug', write: (line) => lines.push(line) });
  const node = await createBackend({ builtInProfiles: [profile], log, tuning: { requestTimeoutMs: 3000, ...tuning } });
  const engine = node.engines.require(profile.id);
  await waitFor(() => ['backoff', 'stopped', 'live'].includes(engine.status().supervisor.status), 15_000, 'the first attempt to settle');
  return { node, state: engine.status().supervisor, lines };
}

export function lastError(state: SupervisorState): string {
  return 'lastError' in state && state.lastError ? state.lastError : '';
}

/** What every message shown for a failed profile must be. */
export function expectPlainMessage(message: string, password: string): void {
  expect(message.length).toBeGreaterThan(20);
  expect(message.length).toBeLessThan(300);
  expect(message).not.toMatch(/\n\s+at |Error: |undefined|\[object /);
  expect(message).not.toContain(password);
  expect(message).not.toContain(Buffer.from(`console:${password}`).toString('base64'));
}
