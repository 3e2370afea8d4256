import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { timelineLabel } from '../../common/model/labels.js';
import { parseAriTime } from '../../common/ari.js';
import type { AriRest } from '../../main/engine/ari-rest.js';
import { startAriRelay, type AriRelay } from './ari-relay.js';
import { anyChannel, expectModelMatchesPbx, live, placeInboundCall, sandboxProfile, startConsole, waitFor, world, type Console } from './harness.js';

/**
 * After every (re)connect the engine lists channels and bridges while the new
 * events socket is already open, and holds back the events that arrive
 * meanwhile until the listing is reconciled. On a busy PBX the listing is
 * stale by the time it lands: calls answered, hung up, bridged after Asterisk
 * wrote it. Applied at once, those events would be undone by the stale
 * listing (a hung-up call brought back to life, a new call and its bridge
 * ended "while disconnected"). Here the race is made certain: a relay in
 * front of the real Asterisk lets Asterisk answer GET /channels and
 * GET /bridges but holds the answers back from the console while real calls
 * change on the PBX, and releases them only once every event of those
 * changes has gone through to the console.
 */

/** GET /channels and GET /bridges: the listings a reconnect is reconciled against. */
const SNAPSHOT_LISTS = new Set(['/ari/channels', '/ari/bridges']);

describe('events that arrive while the reconnect snapshot is in flight', () => {
  let relay: AriRelay;
  let console_: Console;
  let outside: AriRest;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    relay = await startAriRelay(inject('ari').baseUrl);
    // The snapshot is held for a few seconds on purpose: it must not time out meanwhile.
    console_ = await startConsole({ requestTimeoutMs: 30_000 }, sandboxProfile({ baseUrl: relay.baseUrl }));
    outside = await world();
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    outside?.close();
    await console_?.close();
    await relay?.close();
  });

  const parsed = (from = 0): Array<{ type: string; channelId: string | undefined }> =>
    relay.frames.slice(from).map((frame) => {
      const event = JSON.parse(frame) as { type: string; channel?: { id?: string } };
      return { type: event.type, channelId: event.channel?.id };
    });
  const seen = (type: string, channelId: string): boolean => parsed().some((frame) => frame.type === type && frame.channelId === channelId);

  it('are applied after the stale snapshot, in order, once each', async () => {
    const app = console_.engine.profile.app;
    const a = await placeInboundCall(outside, app, 'Alice <200>');
    cleanups.push(() => outside.hangup(a.callerId));
    await waitFor(() => live(console_.model(), a.stasisId)?.inStasis === true, 10_000, 'A ringing in the app');
    const ringState = live(console_.model(), a.stasisId)!.state;

    relay.hold((method, path) => method === 'GET' && SNAPSHOT_LISTS.has(path));
    const cutAt = relay.frames.length;
    relay.cutEvents();
    // Both listings are taken by Asterisk now, with A ringing and no B, no bridge.
    await waitFor(() => relay.held === 2, 15_000, 'the reconnect snapshot to be taken and held');

    // On the PBX, while the console waits for its snapshot: A is answered and
    // hangs up; B enters the app, is answered and put in a new bridge.
    await outside.answer(a.stasisId);
    await waitFor(() => seen('ChannelStateChange', a.stasisId), 5000, 'A answered');
    await outside.hangup(a.stasisId);
    const b = await placeInboundCall(outside, app, 'Bob <201>');
    cleanups.push(() => outside.hangup(b.callerId));
    await waitFor(() => seen('StasisStart', b.stasisId), 10_000, 'B in the app');
    await outside.answer(b.stasisId);
    const bridge = await outside.createBridge({ type: 'mixing', name: 'snapshot-race' });
    cleanups.push(() => outside.destroyBridge(bridge.id));
    await outside.addChannel(bridge.id, b.stasisId);
    // Every event of those changes has reached the console before the snapshot does.
    await waitFor(() => seen('ChannelDestroyed', a.stasisId) && seen('ChannelEnteredBridge', b.stasisId), 10_000, 'the events to reach the console');
    expect(relay.held, 'the snapshot is still held').toBe(2);
    expect(console_.engine.status().supervisor.status).toBe('connecting');

    relay.release();
    await waitFor(() => console_.engine.status().supervisor.status === 'live', 15_000, 'live again');
    await expectModelMatchesPbx(console_, outside);

    // A hung up during the snapshot: ended, not brought back by the stale listing.
    const model = console_.model();
    expect(model.channels.has(a.stasisId), 'A is not live').toBe(false);
    const ended = anyChannel(model, a.stasisId)!;
    expect(ended.endedAt).not.toBeNull();
    expect(ended.endedWhileDisconnected).toBe(false);
    const kinds = ended.timeline.map((entry) => entry.kind);
    const restoredAt = kinds.lastIndexOf('link-restored');
    expect(kinds.slice(restoredAt - 1, restoredAt + 1)).toEqual(['link-lost', 'link-restored']);
    // After the restore from the (stale) snapshot, A's timeline is exactly the
    // frames Asterisk sent about A during the snapshot, in order, each once
    // (Asterisk itself sends two hangup requests: ARI's cause 32, then 16).
    const sentDuringSnapshot = parsed(cutAt)
      .filter((frame) => frame.channelId === a.stasisId && frame.type !== 'ChannelVarset')
      .map((frame) => frame.type);
    expect(sentDuringSnapshot).toEqual(expect.arrayContaining(['ChannelStateChange', 'ChannelHangupRequest', 'ChannelDestroyed']));
    expect(ended.timeline.slice(restoredAt + 1).map((entry) => entry.source)).toEqual(sentDuringSnapshot);
    const afterRestore = ended.timeline[restoredAt + 1];
    expect(afterRestore && timelineLabel(afterRestore)).toContain('Up');
    expect(ringState).not.toBe('Up');

    // B began during the snapshot: live, answered, in the bridge - not ended "while disconnected".
    const bView = live(model, b.stasisId);
    expect(bView?.state).toBe('Up');
    expect(bView?.approximate).toBe(false);
    expect(bView?.bridgeId).toBe(bridge.id);
    expect(model.bridges.get(bridge.id)?.channelIds).toContain(b.stasisId);
  });

  it('a call that hangs up after the new socket opened but before the listing is taken ends with its real cause, not "ended while disconnected"', async () => {
    const app = console_.engine.profile.app;
    const c = await placeInboundCall(outside, app, 'Carol <202>');
    cleanups.push(() => outside.hangup(c.callerId));
    await waitFor(() => live(console_.model(), c.stasisId)?.inStasis === true, 10_000, 'C ringing in the app');

    // This time the reconnect's listing requests themselves wait at the relay:
    // Asterisk takes them only after C is gone, so they miss C, while C's end
    // (older than the listing) reaches the console on the new socket and waits
    // in its buffer.
    relay.hold((method, path) => method === 'GET' && SNAPSHOT_LISTS.has(path), { before: true });
    const cutAt = relay.frames.length;
    relay.cutEvents();
    await waitFor(() => relay.held === 2, 15_000, 'the reconnect snapshot to be requested and held');
    await outside.hangup(c.callerId);
    const destroyed = () => parsed(cutAt).findIndex((frame) => frame.type === 'ChannelDestroyed' && frame.channelId === c.stasisId);
    await waitFor(() => destroyed() >= 0, 10_000, "C's end to reach the console");
    expect(console_.engine.status().supervisor.status).toBe('connecting');

    relay.release();
    await waitFor(() => console_.engine.status().supervisor.status === 'live', 15_000, 'live again');
    await expectModelMatchesPbx(console_, outside);

    const frame = JSON.parse(relay.frames[cutAt + destroyed()] ?? '{}') as { timestamp?: string; cause?: number; cause_txt?: string };
    const ended = anyChannel(console_.model(), c.stasisId)!;
    expect(console_.model().channels.has(c.stasisId), 'C is not live').toBe(false);
    expect(ended).toMatchObject({ endedWhileDisconnected: false, hangupCause: frame.cause, hangupCauseText: frame.cause_txt });
    expect(ended.endedAt).toBe(parseAriTime(frame.timestamp, 0));
    const kinds = ended.timeline.map((entry) => entry.kind);
    expect(kinds).not.toContain('ended-while-disconnected');
    expect(kinds.slice(-2)).toEqual(['link-lost', 'destroyed']);
  });
});
