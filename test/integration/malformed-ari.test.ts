import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AriRest } from '../../main/engine/ari-rest.js';
import { createLogger } from '../../main/log.js';
import { startAriRelay, type AriRelay } from './ari-relay.js';
import { expectModelMatchesPbx, live, placeInboundCall, recordStatuses, sandboxProfile, startConsole, waitFor, world, type Console, type StatusLog } from './harness.js';

/**
 * Frames the real Asterisk would never send, fed to the engine among the real
 * ones. A relay in front of the real Asterisk passes REST through untouched and
 * carries the events socket to Asterisk's own, so real calls keep flowing;
 * only the frames this test injects are made up (Asterisk cannot be made to
 * send a broken frame). Each must be logged and skipped, the link must stay
 * up, and the model must still match the PBX afterwards.
 */

describe('malformed ARI input', () => {
  let relay: AriRelay;
  let console_: Console;
  let outside: AriRest;
  let statuses: StatusLog;
  const lines: string[] = [];

  beforeAll(async () => {
    relay = await startAriRelay(inject('ari').baseUrl);
    const log = createLogger('engine', { level: 'debug', write: (line) => lines.push(line) });
    console_ = await startConsole({}, sandboxProfile({ baseUrl: relay.baseUrl }), log);
    statuses = recordStatuses(console_);
    outside = await world();
  });

  afterAll(async () => {
    statuses?.stop();
    outside?.close();
    await console_?.close();
    await relay?.close();
  });

  it('logs and skips every broken frame, stays live, and still follows real calls', async () => {
    const call = await placeInboundCall(outside, console_.engine.profile.app, 'Lia <351>');
    await waitFor(() => live(console_.model(), call.stasisId)?.inStasis === true, 10_000, 'a real call through the relay');
    const framesBefore = console_.engine.status().skippedFrames;
    const eventsBefore = console_.model().eventsSkipped;
    const linesBefore = lines.length;

    // Skipped by the socket or the engine, before the model: counted in skippedFrames.
    const badFrames: [string | Buffer, boolean][] = [
      ['{"type":"StasisStart","channel":', false],
      ['not json at all', false],
      [Buffer.from([0xde, 0xad, 0xbe, 0xef]), true],
      ['[]', false],
      ['null', false],
      ['42', false],
      ['"ChannelDestroyed"', false],
      ['{"notype":true}', false],
      ['{"type":5}', false],
      [`${'['.repeat(5000)}${']'.repeat(5000)}`, false],
      // Forgeries of the console's own synthetic events: a PBX never sends these.
      ['{"type":"ConsoleLinkLost","at":0,"reason":"forged"}', false],
      [JSON.stringify({ type: 'ConsoleChannelVanished', at: 0, channelId: call.stasisId }), false],
    ];
    // Parsed, but useless to the model: counted in the model's eventsSkipped.
    const uselessEvents = [
      '{"type":"NoSuchEventType"}',
      '{"type":"StasisStart"}',
      '{"type":"ChannelStateChange","channel":{"id":42,"state":"Up"}}',
      '{"type":"ChannelDestroyed","channel":{"id":"never-seen"},"cause":16}',
      '{"type":"BridgeDestroyed","bridge":{}}',
      '{"type":"DeviceStateChanged","device_state":{"name":7}}',
      '{"type":"PlaybackStarted","playback":null}',
      '{"type":"ChannelVarset","__proto__":{"polluted":"yes"},"channel":{"id":"never-seen","__proto__":{"polluted":"yes"}}}',
      JSON.stringify({ type: 'ChannelVarset', variable: 'BIG', value: 'x'.repeat(2 * 1024 * 1024), channel: { id: 'never-seen' } }),
    ];
    for (const [data, binary] of badFrames) relay.inject(data, binary);
    for (const data of uselessEvents) relay.inject(data);

    await waitFor(() => console_.engine.status().skippedFrames - framesBefore === badFrames.length, 5000, 'every bad frame counted');
    // At least: a real event about a channel the model never saw would count too.
    await waitFor(() => console_.model().eventsSkipped - eventsBefore >= uselessEvents.length, 5000, 'every useless event counted');
    expect(console_.engine.status().supervisor.status).toBe('live');
    // The link never wavered; the status went out only to show the new count, throttled, not once per frame.
    await waitFor(() => statuses.entries.at(-1)?.status.skippedFrames === console_.engine.status().skippedFrames, 2000, 'the count reaches the UI');
    expect(statuses.entries.every((entry) => entry.status.supervisor.status === 'live')).toBe(true);
    expect(statuses.entries.length).toBeLessThan(badFrames.length);
    expect(console_.model().linkLostAt).toBeNull();
    expect(live(console_.model(), call.stasisId)?.endedAt).toBeNull();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

    const logged = lines.slice(linesBefore).join('\n');
    expect(logged.match(/skipped a malformed frame/g)?.length).toBe(3);
    expect(logged.match(/skipped a frame that is not an ARI event/g)?.length).toBe(7);
    expect(logged.match(/skipped a frame posing as a console event/g)?.length).toBe(2);
    expect(logged).toMatch(/the call model skipped events it could not use/);

    // Real events still arrive and apply: the call is answered and hung up for real.
    await console_.request('call.answer', { profileId: console_.engine.profile.id, channelId: call.stasisId });
    await waitFor(() => live(console_.model(), call.stasisId)?.state === 'Up', 5000, 'answered through the relay');
    await expectModelMatchesPbx(console_, outside);
    await console_.request('call.hangup', { profileId: console_.engine.profile.id, channelId: call.stasisId });
    await waitFor(() => console_.model().ended.has(call.stasisId), 5000, 'hung up');
    await expectModelMatchesPbx(console_, outside);
    // A whole debug-level run, connect included: the password is nowhere in it.
    expect(lines.join('\n')).not.toContain(inject('ari').password);
    expect(lines.join('\n')).not.toContain(Buffer.from(`${inject('ari').username}:${inject('ari').password}`).toString('base64'));
  });
});
