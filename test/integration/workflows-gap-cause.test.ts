import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkflowsView } from '../../common/workflow-contract.js';
import { transferIds } from '../../common/workflows/transfer.js';
import type { AriRest } from '../../main/engine/ari-rest.js';
import { startAriRelay, type AriRelay } from './ari-relay.js';
import { answeredCall, anyChannel, eventually, sandboxProfile, startConsole, waitFor, world, type Console } from './harness.js';

/**
 * A transfer leg that ends while the link is down reaches the transfer
 * workflow through the reconnect's reconcile ("ended while disconnected").
 * When the PBX did send that leg's ChannelDestroyed (it came on the new
 * socket while the listing was taken, so the engine applies it in the same
 * batch as the reconcile), the transfer's outcome must carry the PBX's cause,
 * not the guess. A relay in front of the real Asterisk makes the race
 * certain, as in snapshot-race.test.ts: the reconnect's listing requests wait
 * at the relay until the target has hung up.
 */

const SNAPSHOT_LISTS = new Set(['/ari/channels', '/ari/bridges']);

describe('a transfer target that ends during a link gap', () => {
  let relay: AriRelay;
  let console_: Console;
  let outside: AriRest;
  let latest: WorkflowsView | null = null;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    relay = await startAriRelay(inject('ari').baseUrl);
    // The listing is held for a moment on purpose: it must not time out meanwhile.
    console_ = await startConsole({ requestTimeoutMs: 30_000 }, sandboxProfile({ baseUrl: relay.baseUrl }));
    outside = await world();
    console_.node.backend.subscribe((channel, payload) => {
      if (channel === 'workflows.state') latest = payload as WorkflowsView;
    });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    outside?.close();
    await console_?.close();
    await relay?.close();
  });

  const destroyedAfter = (from: number, channelId: string): boolean =>
    relay.frames.slice(from).some((frame) => {
      const event = JSON.parse(frame) as { type: string; channel?: { id?: string } };
      return event.type === 'ChannelDestroyed' && event.channel?.id === channelId;
    });

  it('still ringing, hung up busy after the new socket opened and before the listing: the transfer says busy, the PBX cause, not "no answer"', async () => {
    const profileId = console_.engine.profile.id;
    const call = await answeredCall(console_, outside, 'Gail <242>');
    cleanups.push(() => outside.hangup(call.callerId));
    const { workflowId: id } = (await console_.request('transfer.start', { profileId, channelId: call.stasisId, kind: 'blind', target: 'Local/ringback@test' })) as { workflowId: string };
    const { targetId } = transferIds(id);
    cleanups.push(() => outside.hangup(targetId));
    await waitFor(() => console_.model().channels.has(targetId), 10_000, 'the ringing target known to the console');

    relay.hold((method, path) => method === 'GET' && SNAPSHOT_LISTS.has(path), { before: true });
    const cutAt = relay.frames.length;
    relay.cutEvents();
    await waitFor(() => relay.held === 2, 15_000, 'the reconnect listing requested and held');
    await outside.hangup(targetId, 'busy');
    await waitFor(() => destroyedAfter(cutAt, targetId), 10_000, "the target's end to reach the console on the new socket");
    expect(latest?.transfers.find((state) => state.id === id)?.phase).toBe('dialing');

    relay.release();
    await waitFor(() => console_.engine.status().supervisor.status === 'live', 15_000, 'live again');
    await waitFor(() => latest?.transfers.find((state) => state.id === id)?.phase === 'done', 10_000, 'the transfer over');
    // The model took the PBX's end (2aaae5c); the transfer must say the same.
    expect(anyChannel(console_.model(), targetId)).toMatchObject({ endedWhileDisconnected: false, hangupCause: 17 });
    expect(latest?.transfers.find((state) => state.id === id)?.outcome).toMatchObject({ status: 'failed', reason: 'busy' });
    // A failed blind transfer leaves the caller with the console, on hold.
    await eventually(() => outside.listChannels(), (channels) => channels.some((channel) => channel.id === call.stasisId), 'the caller still up');
  });
});
