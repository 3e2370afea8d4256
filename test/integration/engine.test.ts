import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { callReport } from '../../common/model/index.js';
import type { AriRest } from '../../main/engine/ari-rest.js';
import type * as SandboxModule from '../asterisk/sandbox.mjs';
import { anyChannel, live, placeInboundCall, PROFILE_ID, sandboxProfile, sleep, startConsole, waitFor, world, type Console } from './harness.js';

describe('the engine against a real Asterisk', () => {
  let console_: Console;
  let outside: AriRest;

  beforeAll(async () => {
    console_ = await startConsole();
    outside = await world();
  });

  afterAll(async () => {
    outside?.close();
    await console_?.close();
  });

  it('connects and shows the PBX version', async () => {
    const status = console_.engine.status();
    expect(status.supervisor.status).toBe('live');
    expect(status.pbx?.version).toMatch(/^22\./);
    const statuses = (await console_.request('engine.statuses', {})) as { pbx: { version: string } | null }[];
    expect(statuses[0]?.pbx?.version).toBe(status.pbx?.version);
  });

  it('follows the seed call flow: enters the app ringing, is answered after a delay, plays silence, hangs up', async () => {
    const { stasisId } = await placeInboundCall(outside, console_.engine.profile.app, 'Alice <200>');
    await waitFor(() => live(console_.model(), stasisId)?.inStasis === true, 10_000, 'call in the app');
    const ringing = live(console_.model(), stasisId)!;
    expect(ringing.state).toBe('Ring');
    expect(ringing.caller).toEqual({ name: 'Alice', number: '200' });

    await console_.request('call.ring', { profileId: PROFILE_ID, channelId: stasisId });
    await sleep(1500);
    await console_.request('call.answer', { profileId: PROFILE_ID, channelId: stasisId });
    await waitFor(() => live(console_.model(), stasisId)?.state === 'Up', 5000, 'answered');
    await console_.request('call.startSilence', { profileId: PROFILE_ID, channelId: stasisId });
    await sleep(1000);
    await console_.request('call.hangup', { profileId: PROFILE_ID, channelId: stasisId });
    await waitFor(() => console_.model().ended.has(stasisId), 5000, 'ended');

    const ended = console_.model().ended.get(stasisId)!;
    const kinds = ended.timeline.map((entry) => entry.kind);
    const order = ['created', 'stasis-start', 'ring', 'state', 'silence', 'hangup-request', 'destroyed'];
    const positions = order.map((kind) => kinds.indexOf(kind as (typeof kinds)[number]));
    expect(positions.every((position) => position >= 0), `timeline ${kinds.join(',')}`).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const times = ended.timeline.map((entry) => entry.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);

    const report = callReport(ended, Date.now());
    expect(report.status).toBe('answered');
    expect(report.ringMs).toBeGreaterThanOrEqual(1400);
    expect(report.ringMs).toBeLessThan(10_000);
    expect(report.talkMs).toBeGreaterThanOrEqual(900);
    expect(report.totalMs).toBe(report.ringMs + report.talkMs);
    expect(report.causeText).toBeTruthy();
  });

  it('puts two calls into a mixing bridge and takes one out', async () => {
    const a = await placeInboundCall(outside, console_.engine.profile.app, 'Bob <201>');
    const b = await placeInboundCall(outside, console_.engine.profile.app, 'Carol <202>');
    await waitFor(() => Boolean(live(console_.model(), a.stasisId)?.inStasis && live(console_.model(), b.stasisId)?.inStasis), 10_000, 'both calls');
    await console_.request('call.answer', { profileId: PROFILE_ID, channelId: a.stasisId });
    await console_.request('call.answer', { profileId: PROFILE_ID, channelId: b.stasisId });

    const { bridgeId } = (await console_.request('bridge.create', { profileId: PROFILE_ID, type: 'mixing', name: 'desk' })) as { bridgeId: string };
    await waitFor(() => console_.model().bridges.has(bridgeId), 5000, 'bridge in model');
    expect(console_.model().bridges.get(bridgeId)).toMatchObject({ kind: 'mixing', name: 'desk' });

    await console_.request('bridge.addChannel', { profileId: PROFILE_ID, bridgeId, channelId: a.stasisId });
    await console_.request('bridge.addChannel', { profileId: PROFILE_ID, bridgeId, channelId: b.stasisId });
    await waitFor(() => console_.model().bridges.get(bridgeId)?.channelIds.length === 2, 5000, 'two members');
    expect(live(console_.model(), a.stasisId)?.bridgeId).toBe(bridgeId);
    expect(live(console_.model(), b.stasisId)?.bridgeId).toBe(bridgeId);

    await console_.request('bridge.removeChannel', { profileId: PROFILE_ID, bridgeId, channelId: a.stasisId });
    await waitFor(() => live(console_.model(), a.stasisId)?.bridgeId === null, 5000, 'a out of the bridge');
    expect(console_.model().bridges.get(bridgeId)?.channelIds).toEqual([b.stasisId]);
    const aTimeline = live(console_.model(), a.stasisId)!.timeline.map((entry) => entry.kind);
    expect(aTimeline).toContain('bridge-enter');
    expect(aTimeline).toContain('bridge-leave');

    await console_.request('bridge.destroy', { profileId: PROFILE_ID, bridgeId });
    await waitFor(() => !console_.model().bridges.has(bridgeId), 5000, 'bridge gone');
    // Destroying what is already gone counts as done.
    await console_.request('bridge.destroy', { profileId: PROFILE_ID, bridgeId });

    await console_.request('call.hangup', { profileId: PROFILE_ID, channelId: a.stasisId });
    await console_.request('call.hangup', { profileId: PROFILE_ID, channelId: b.stasisId });
    await waitFor(() => console_.model().ended.has(a.stasisId) && console_.model().ended.has(b.stasisId), 5000, 'both ended');
  });

  it('answers bad requests and PBX refusals with typed errors, changing nothing', async () => {
    const before = console_.model();
    const notFound = await console_.raw('call.answer', { profileId: PROFILE_ID, channelId: 'no-such-channel' });
    expect(notFound.error?.code).toBe('not_found');

    const { callerId, stasisId } = await placeInboundCall(outside, console_.engine.profile.app);
    await waitFor(() => live(console_.model(), stasisId)?.inStasis === true, 10_000, 'call in the app');
    const notInStasis = await console_.raw('call.answer', { profileId: PROFILE_ID, channelId: callerId });
    expect(notInStasis.error?.code).toBe('not_in_stasis');
    expect(notInStasis.error?.message).toMatch(/not under the console's control/i);

    const invalid = await console_.raw('call.answer', { profileId: PROFILE_ID, channelId: '../etc/passwd' });
    expect(invalid.error?.code).toBe('invalid_request');
    const unknownChannel = await console_.raw('call.teleport', {});
    expect(unknownChannel.error?.code).toBe('unknown_channel');
    const noProfile = await console_.raw('call.answer', { profileId: 'nobody', channelId: stasisId });
    expect(noProfile.error?.code).toBe('no_profile');

    // Hanging up something already gone is success, not an error.
    expect((await console_.raw('call.hangup', { profileId: PROFILE_ID, channelId: 'no-such-channel' })).ok).toBe(true);
    await console_.request('call.hangup', { profileId: PROFILE_ID, channelId: stasisId });
    await waitFor(() => !console_.model().channels.has(callerId) && !console_.model().channels.has(stasisId), 5000, 'call gone');
    expect(console_.model().bridges).toEqual(before.bridges);
  });
});

describe('without subscribeAll', () => {
  it('still sees the hangup of a call that left the app, and the end of its bridges', async () => {
    const console_ = await startConsole({}, sandboxProfile({ subscribeAll: false }));
    const outside = await world();
    try {
      const { callerId, stasisId } = await placeInboundCall(outside, console_.engine.profile.app, 'Heidi <207>');
      await waitFor(() => live(console_.model(), stasisId)?.inStasis === true, 10_000, 'call in the app');
      await console_.request('call.answer', { profileId: PROFILE_ID, channelId: stasisId });
      const { bridgeId } = (await console_.request('bridge.create', { profileId: PROFILE_ID, type: 'holding' })) as { bridgeId: string };
      await console_.request('bridge.addChannel', { profileId: PROFILE_ID, bridgeId, channelId: stasisId });
      await waitFor(() => console_.model().bridges.get(bridgeId)?.channelIds.length === 1, 5000, 'bridge with the call');

      // The caller hangs up: Asterisk would send this app nothing past StasisEnd.
      await outside.hangup(callerId);
      await waitFor(() => console_.model().ended.has(stasisId), 5000, 'hangup seen');
      expect(console_.model().ended.get(stasisId)?.hangupCauseText).toBeTruthy();

      await outside.destroyBridge(bridgeId);
      await waitFor(() => !console_.model().bridges.has(bridgeId), 5000, 'bridge end seen');
    } finally {
      outside.close();
      await console_.close();
    }
  });
});

type Sandbox = typeof SandboxModule;

describe.runIf(inject('ari').sandbox)('when the PBX goes away mid-call', () => {
  let sandbox: Sandbox;
  let console_: Console;
  let outside: AriRest;

  beforeAll(async () => {
    sandbox = await import('../asterisk/sandbox.mjs');
    // Faster heartbeats than the default 5 s + 5 s, to keep the freeze test short.
    console_ = await startConsole({ pingIntervalMs: 1000, pongTimeoutMs: 1000 });
    outside = await world();
  });

  afterAll(async () => {
    outside?.close();
    await console_?.close();
  });

  async function answeredCall(caller: string): Promise<string> {
    const { stasisId } = await placeInboundCall(outside, console_.engine.profile.app, caller);
    await waitFor(() => live(console_.model(), stasisId)?.inStasis === true, 10_000, 'call in the app');
    await console_.request('call.answer', { profileId: PROFILE_ID, channelId: stasisId });
    await waitFor(() => live(console_.model(), stasisId)?.state === 'Up', 5000, 'answered');
    return stasisId;
  }

  async function expectLiveAndMatchingPbx(): Promise<void> {
    await waitFor(() => console_.engine.status().supervisor.status === 'live', 30_000, 'live again');
    const [channels, bridges] = await Promise.all([outside.listChannels(), outside.listBridges()]);
    expect([...console_.model().channels.keys()].sort()).toEqual(channels.map((channel) => channel.id).sort());
    expect([...console_.model().bridges.keys()].sort()).toEqual(bridges.map((bridge) => bridge.id).sort());
  }

  it('an orderly restart hangs calls up with their cause, then the console is live again', async () => {
    const stasisId = await answeredCall('Dave <203>');
    outside.close();
    const restarted = await sandbox.restartAsterisk({ downMs: 2000 });
    const backAt = Date.now();
    await waitFor(() => console_.engine.status().supervisor.status === 'live', 30_000, 'live again');
    console.info(`[restart] engine live ${Date.now() - backAt} ms after ARI answered again (down ${restarted.downMs} ms)`);
    outside = await world();
    await expectLiveAndMatchingPbx();

    // `core stop now` hangs up every call and says so before closing the socket.
    const ended = anyChannel(console_.model(), stasisId)!;
    expect(ended.endedAt).not.toBeNull();
    expect(ended.endedWhileDisconnected).toBe(false);
    const after = console_.engine.status().supervisor;
    expect(after.status).toBe('live');
  });

  it('a crash ends calls "while disconnected", and the timeline shows the gap', async () => {
    const stasisId = await answeredCall('Erin <204>');
    outside.close();
    await sandbox.crashAsterisk();
    await waitFor(() => console_.model().linkLostAt !== null, 15_000, 'link lost');
    await sleep(1500);
    await sandbox.startAsterisk();
    outside = await world();
    await expectLiveAndMatchingPbx();

    const ended = anyChannel(console_.model(), stasisId)!;
    expect(ended.endedWhileDisconnected).toBe(true);
    const kinds = ended.timeline.map((entry) => entry.kind);
    expect(kinds.indexOf('link-lost')).toBeGreaterThan(kinds.indexOf('state'));
    expect(kinds.at(-1)).toBe('ended-while-disconnected');
    const lost = ended.timeline.find((entry) => entry.kind === 'link-lost')!;
    expect(ended.endedAt! - lost.at).toBeGreaterThanOrEqual(1500);
    // It was answered before the crash; the outage does not rewrite that.
    expect(callReport(ended, Date.now()).status).toBe('answered');

    // Calls work at once on the new PBX.
    const next = await answeredCall('Frank <205>');
    await console_.request('call.hangup', { profileId: PROFILE_ID, channelId: next });
  });

  it('a frozen PBX is caught by the heartbeat; the call survives and its timeline shows the gap', async () => {
    const stasisId = await answeredCall('Grace <206>');
    sandbox.freezeAsterisk();
    try {
      // Nothing closes the socket: only the missed pong can tell.
      await waitFor(() => console_.model().linkLostAt !== null, 10_000, 'heartbeat to notice');
    } finally {
      sandbox.thawAsterisk();
    }
    await expectLiveAndMatchingPbx();
    const call = live(console_.model(), stasisId)!;
    expect(call.state).toBe('Up');
    const kinds = call.timeline.map((entry) => entry.kind);
    expect(kinds.slice(-2)).toEqual(['link-lost', 'link-restored']);
    await console_.request('call.hangup', { profileId: PROFILE_ID, channelId: stasisId });
    await waitFor(() => console_.model().ended.has(stasisId), 5000, 'ended');
  });
});
