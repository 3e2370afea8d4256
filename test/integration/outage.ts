import { expect, inject } from 'vitest';
import type { RequestChannel, RequestOf } from '../../common/contract.js';
import type { AriRest } from '../../main/engine/ari-rest.js';
import { DEFAULT_BACKOFF } from '../../common/supervisor.js';
import { timelineLabel } from '../../common/model/labels.js';
import { startGate } from './gate.js';
import {
  answeredCall,
  anyChannel,
  dialplanCall,
  expectModelMatchesPbx,
  live,
  expectPromptReconnect,
  recordStatuses,
  sandboxProfile,
  settlesBefore,
  sleep,
  startConsole,
  timeUntilLive,
  waitFor,
  world,
  type Console,
} from './harness.js';

/** What a receptionist may click while the PBX is gone: every command channel. */
function everyCommand(profileId: string, channelId: string, bridgeId: string): { [C in RequestChannel]?: RequestOf<C> } {
  const target = { profileId, channelId };
  return {
    'call.answer': target,
    'call.hangup': target,
    'call.ring': target,
    'call.ringStop': target,
    'call.hold': target,
    'call.unhold': target,
    'call.mute': { ...target, direction: 'both' },
    'call.unmute': { ...target, direction: 'both' },
    'call.sendDtmf': { ...target, dtmf: '1' },
    'call.startSilence': target,
    'call.stopSilence': target,
    'call.play': { ...target, media: 'sound:beep' },
    'call.continue': target,
    'call.originate': { profileId, endpoint: 'Local/wait@test', extension: 'wait', context: 'test' },
    'bridge.create': { profileId, type: 'mixing' },
    'bridge.destroy': { profileId, bridgeId },
    'bridge.addChannel': { profileId, bridgeId, channelId },
    'bridge.removeChannel': { profileId, bridgeId, channelId },
  };
}

export const DOWN_CODES = ['unavailable', 'timeout', 'not_connected'];

export interface SettledCommand {
  channel: string;
  ms: number;
  code: string | undefined;
  message: string | undefined;
}

/**
 * Issues `channels` (default: every command) at once while the link is down,
 * and asserts each settles within the REST deadline with a typed error whose
 * message says what failed and why, without the password.
 */
export async function expectCommandsFailCleanly(
  console_: Console,
  target: { channelId: string; bridgeId: string },
  timeoutMs: number,
  only?: readonly RequestChannel[],
): Promise<SettledCommand[]> {
  const all = everyCommand(console_.engine.profile.id, target.channelId, target.bridgeId);
  const entries = Object.entries(all).filter(([channel]) => !only || only.includes(channel as RequestChannel));
  const settled = await Promise.all(
    entries.map(async ([channel, payload]): Promise<SettledCommand> => {
      const started = Date.now();
      // A hang detector well past the deadline, not a speed check: the
      // deadline itself shows in the answer (a timeout names it).
      const result = await settlesBefore(console_.raw(channel, payload), timeoutMs * 4, channel);
      expect(result.ok, `${channel} succeeded while the PBX was unreachable`).toBe(false);
      return { channel, ms: Date.now() - started, code: result.error?.code, message: result.error?.message };
    }),
  );
  for (const command of settled) {
    expect(DOWN_CODES, `${command.channel}: ${command.code} ${command.message}`).toContain(command.code);
    if (command.code === 'timeout') expect(command.message, command.channel).toContain(`within ${timeoutMs} ms`);
    expect(command.message?.length ?? 0).toBeGreaterThan(15);
    expect(command.message).not.toContain(console_.engine.profile.password);
  }
  return settled;
}

export interface OutageOptions {
  /** How long the console cannot reach the PBX. */
  readonly downMs: number;
  /** The PBX is running again this long before the console can reach it: calls begin meanwhile. */
  readonly pbxBackBeforeEndMs: number;
  readonly requestTimeoutMs: number;
  /** During long outages: one command this often, which must still settle in time. */
  readonly probeEveryMs?: number;
  readonly log: (line: string) => void;
}

export interface OutageReport {
  reconnectMs: number;
  attempts: number;
  commands: SettledCommand[];
  probes: number;
}

/**
 * The PBX goes away with calls up and a bridge in use: the console's network
 * path first (a gate in front of the real Asterisk closes, so nothing listens
 * where the console connects), then Asterisk itself stops. Near the end the
 * PBX starts again behind the still-closed gate and a call and a bridge begin
 * there; then the gate opens. Afterwards the console must show the old calls
 * as ended while disconnected, the new call and bridge, and exactly what
 * GET /channels and GET /bridges list.
 */
export async function runOutage(options: OutageOptions): Promise<OutageReport> {
  const { downMs, pbxBackBeforeEndMs, requestTimeoutMs, log } = options;
  const sandbox = await import('../asterisk/sandbox.mjs');
  const gate = await startGate(inject('ari').baseUrl);
  const console_ = await startConsole({ requestTimeoutMs }, sandboxProfile({ baseUrl: gate.baseUrl }));
  const profileId = console_.engine.profile.id;
  let outside: AriRest = await world();
  const statuses = recordStatuses(console_);
  try {
    const alone = await answeredCall(console_, outside, 'Ann <301>');
    const left = await answeredCall(console_, outside, 'Ben <302>');
    const right = await answeredCall(console_, outside, 'Cat <303>');
    const { bridgeId } = (await console_.request('bridge.create', { profileId, type: 'mixing', name: 'before the outage' })) as { bridgeId: string };
    await console_.request('bridge.addChannel', { profileId, bridgeId, channelId: left.stasisId });
    await console_.request('bridge.addChannel', { profileId, bridgeId, channelId: right.stasisId });
    const background = await dialplanCall(outside);
    await waitFor(() => console_.model().bridges.get(bridgeId)?.channelIds.length === 2, 5000, 'two bridged calls');
    await waitFor(() => background.ids.every((id) => live(console_.model(), id)), 5000, 'the dialplan call seen');
    await expectModelMatchesPbx(console_, outside);
    const before = [alone, left, right].flatMap((call) => [call.callerId, call.stasisId]).concat(background.ids);

    const downAt = Date.now();
    await gate.close();
    await waitFor(() => console_.model().linkLostAt !== null, 5000, 'link lost');
    log(`link lost noticed ${Date.now() - downAt} ms after the gate closed`);
    outside.close();
    await sandbox.stopAsterisk();

    const commands = await expectCommandsFailCleanly(console_, { channelId: alone.stasisId, bridgeId }, requestTimeoutMs);
    log(`commands while down: ${commands.map((command) => `${command.channel} ${command.code} ${command.ms} ms`).join(', ')}`);

    let probes = 0;
    const pbxBackAt = downAt + downMs - pbxBackBeforeEndMs;
    while (Date.now() < pbxBackAt) {
      await sleep(Math.min(options.probeEveryMs ?? Infinity, pbxBackAt - Date.now()));
      if (options.probeEveryMs === undefined || Date.now() >= pbxBackAt) continue;
      await expectCommandsFailCleanly(console_, { channelId: alone.stasisId, bridgeId }, requestTimeoutMs, ['call.hold']);
      expect(console_.engine.status().supervisor.status).not.toBe('stopped');
      probes += 1;
      log(`${Math.round((Date.now() - downAt) / 1000)} s down: still retrying, heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB`);
    }

    await sandbox.startAsterisk();
    outside = await world();
    const began = await dialplanCall(outside);
    const newBridge = await outside.createBridge({ type: 'holding', name: 'began while down' });
    await sleep(downAt + downMs - Date.now());

    const attemptTimes = statuses.since(downAt).filter((entry) => entry.status.supervisor.status === 'connecting').map((entry) => entry.at);
    const attempts = attemptTimes.length;
    // Retries never stop: no quiet stretch anywhere in the outage (ten times
    // the 1 s cap, so a loaded machine's late timers cannot fail it). And never
    // spin: jittered down to 0.5 s at least, so at most two attempts a second.
    const longestQuietMs = Math.max(...[...attemptTimes, Date.now()].map((at, index, all) => at - (all[index - 1] ?? downAt)));
    expect(longestQuietMs, 'longest stretch without a connection attempt').toBeLessThanOrEqual(10 * DEFAULT_BACKOFF.maxDelayMs);
    expect(attempts).toBeLessThanOrEqual(Math.ceil(downMs / 500) + 10);

    const openedAt = Date.now();
    await gate.open();
    const reconnectMs = await timeUntilLive(console_, openedAt);
    log(`live again ${reconnectMs} ms after the PBX became reachable (down ${Date.now() - downAt - reconnectMs} ms, ${attempts} attempts, longest quiet ${longestQuietMs} ms)`);
    expectPromptReconnect(statuses, downAt, openedAt);
    await expectModelMatchesPbx(console_, outside);

    const model = console_.model();
    for (const id of before) {
      const ended = anyChannel(model, id);
      expect(ended?.endedAt, id).not.toBeNull();
      expect(ended?.endedWhileDisconnected, id).toBe(true);
      expect(ended?.timeline.at(-1)?.kind).toBe('ended-while-disconnected');
    }
    for (const id of began.ids) {
      const call = live(model, id);
      expect(call?.state).toBe('Up');
      const first = call?.timeline[0];
      expect(first && timelineLabel(first)).toMatch(/began while disconnected/i);
    }
    expect(model.bridges.has(bridgeId)).toBe(false);
    expect(model.bridges.get(newBridge.id)?.name).toBe('began while down');
    expect(model.linkLostAt).toBeNull();

    await outside.hangup(began.ids[0]);
    await outside.destroyBridge(newBridge.id);
    return { reconnectMs, attempts, commands, probes };
  } finally {
    statuses.stop();
    await gate.dispose();
    outside.close();
    await console_.close();
    // Whatever failed, the next test needs a running PBX.
    await sandbox.startAsterisk();
  }
}
