import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AriRest } from '../../main/engine/ari-rest.js';
import * as sandbox from '../asterisk/sandbox.mjs';
import { placeInboundCall, world } from '../integration/harness.js';
import { chip, control, detailState, diagnose, openConsole, row, screenshot, supervisorText, type ConsoleUnderTest } from './console-page.js';

/**
 * A receptionist's shift, in a real Chromium against the real PBX: calls
 * ring, are answered, held, bridged and hung up from the console, and the
 * timeline tells the story afterwards. Then the PBX restarts under them.
 * Every assertion is on what the page shows.
 */

let ui: ConsoleUnderTest;
let rest: AriRest;
let alice: { callerId: string; stasisId: string };
let bob: { callerId: string; stasisId: string };
let carol: { callerId: string; stasisId: string };
/** Every call this spec placed, hung up at the end so the next run starts from a quiet PBX. */
const placed: string[] = [];
const place = async (caller: string) => {
  const call = await placeInboundCall(rest, ui.app, caller);
  placed.push(call.callerId, call.stasisId);
  return call;
};

beforeAll(async () => {
  ui = await openConsole('light');
  rest = await world();
}, 120_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && ui) process.stdout.write(`[e2e] ${context.task.name}: ${await diagnose(ui, context.task.name)}\n`);
});

afterAll(async () => {
  await Promise.all(placed.map((id) => rest?.hangup(id).catch(() => undefined)));
  rest?.close();
  await ui?.close();
});

describe('a receptionist at the console', () => {
  it('sees a call come in, ringing and standing out', async () => {
    const { page } = ui;
    // The whole shift is recorded, to be replayed at the end.
    await page.getByTestId('record').click();
    await expect.poll(() => page.getByTestId('record').getAttribute('aria-pressed')).toBe('true');
    alice = await place('Alice Martin <201>');
    const alicesRow = row(page, alice.stasisId);
    await expect.poll(() => alicesRow.locator('.badge').textContent(), { timeout: 10_000 }).toBe('Ringing');
    expect(await alicesRow.getAttribute('class')).toContain('tone-ring');
    // Also on the tab or taskbar, when the console is not in front.
    await expect.poll(() => page.title()).toBe('(1) ringing · ARI Console');
  });

  it('answers it from the console', async () => {
    const { page } = ui;
    await row(page, alice.stasisId).click();
    await expect.poll(() => page.getByTestId('detail-caller').textContent()).toBe('Alice Martin');
    await control(page, 'answer').click();
    await expect.poll(() => detailState(page), { timeout: 10_000 }).toBe('Talking');
    expect(await row(page, alice.stasisId).getAttribute('class')).not.toContain('tone-ring');
    await expect.poll(() => page.title()).toBe('ARI Console');
    // Her own leg, outside the console's app, is shown but cannot be driven; the controls say why, in words.
    await row(page, alice.callerId).click();
    await expect.poll(() => page.getByTestId('controls-reason').textContent()).toBe("This channel is not under the console's control. Only Hang up works here.");
    expect(await control(page, 'hold').isDisabled()).toBe(true);
    await row(page, alice.stasisId).click();
    await expect.poll(() => detailState(page)).toBe('Talking');
  });

  it('puts the call on hold and takes it off again', async () => {
    const { page } = ui;
    await control(page, 'hold').click();
    await expect.poll(() => detailState(page)).toBe('On hold');
    expect(await control(page, 'hold').textContent()).toContain('Unhold');
    await page.waitForTimeout(1100); // a hold long enough to show on the timeline as a span
    await control(page, 'hold').click();
    await expect.poll(() => detailState(page)).toBe('Talking');
  });

  it('mutes, plays a sound and sends tones to the call', async () => {
    const { page } = ui;
    await page.keyboard.press('m');
    await expect.poll(() => detailState(page)).toBe('Muted');
    await page.keyboard.press('m');
    await expect.poll(() => detailState(page)).toBe('Talking');
    await page.keyboard.press('l');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    const media = page.getByTestId('timeline').first().locator('.segment[data-kind="playing"]');
    await expect.poll(() => media.count(), { timeout: 10_000 }).toBe(1);
    await page.keyboard.press('d');
    await page.locator('[data-dtmf="1"]').click();
    await page.keyboard.press('Escape');
    // Nothing failed on the way: the notice bar has nothing to say.
    expect((await page.getByTestId('notice').textContent())?.trim()).toBe('');
  });

  it('answers a second call with the keyboard', async () => {
    const { page } = ui;
    bob = await place('Bob Stone <202>');
    await expect.poll(() => row(page, bob.stasisId).count(), { timeout: 10_000 }).toBe(1);
    await row(page, bob.stasisId).click();
    await expect.poll(() => detailState(page)).toBe('Ringing');
    await page.keyboard.press('a');
    await expect.poll(() => detailState(page), { timeout: 10_000 }).toBe('Talking');
    // Every key is listed in one place, one keystroke away.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect(await help.textContent()).toContain('Hold / unhold');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
  });

  it('refuses to bridge a call that is still ringing, before asking the PBX', async () => {
    const { page } = ui;
    carol = await place('Carol Diaz <203>');
    await page.getByRole('tab', { name: /Bridges/ }).click();
    await expect.poll(() => chip(page, carol.stasisId).count(), { timeout: 10_000 }).toBe(1);
    const bridgesBefore = (await rest.listBridges()).length;
    await chip(page, carol.stasisId).dragTo(page.locator('[data-drop="new-mixing"]'));
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Answer this call before bridging it.');
    expect((await rest.listBridges()).length).toBe(bridgesBefore);
  });

  it('finds a call by typing a name, and by what it is doing', async () => {
    const { page } = ui;
    const shown = () => page.locator('.call-row').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-channel-id')));
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('call-search');
    await page.keyboard.type('carol');
    await expect.poll(shown).toContain(carol.stasisId);
    expect(await shown()).not.toContain(alice.stasisId);
    await page.locator('#call-search').fill('nobody here');
    await expect.poll(() => page.getByText('No call matches “nobody here”.').count()).toBe(1);
    await page.locator('#call-search').fill('');
    // Only the ringing calls: Carol's, while Alice and Bob talk.
    await page.getByRole('group', { name: 'Show' }).getByRole('button', { name: /^Ringing/ }).click();
    await expect.poll(shown).not.toContain(alice.stasisId);
    expect(await shown()).toContain(carol.stasisId);
    expect(await shown()).not.toContain(bob.stasisId);
    await page.getByRole('group', { name: 'Show' }).getByRole('button', { name: /^All/ }).click();
    await expect.poll(shown).toContain(alice.stasisId);
  });

  it('drags two calls into a new bridge', async () => {
    const { page } = ui;
    await chip(page, alice.stasisId).dragTo(page.locator('[data-drop="new-mixing"]'));
    const bridge = page.locator('[data-drop="bridge"]').filter({ has: page.locator(`.chip[data-channel-id="${alice.stasisId}"]`) });
    await expect.poll(() => bridge.count(), { timeout: 10_000 }).toBe(1);
    await chip(page, bob.stasisId).dragTo(bridge);
    await expect.poll(() => bridge.locator('.chip').count(), { timeout: 10_000 }).toBe(2);
    // The board follows the PBX: the bridge really holds both calls.
    const bridgeId = await bridge.getAttribute('data-bridge-id');
    const onPbx = (await rest.listBridges()).find((item) => item.id === bridgeId);
    expect([...(onPbx?.channels ?? [])].sort()).toEqual([alice.stasisId, bob.stasisId].sort());
    await row(page, alice.stasisId).click();
    await page.waitForTimeout(1100); // time in the bridge, for the timeline
    await screenshot(page, 'console');
  });

  it('drags one call back out of the bridge', async () => {
    const { page } = ui;
    await chip(page, bob.stasisId).dragTo(page.locator('[data-drop="out"]'));
    await expect.poll(() => page.locator('[data-drop="out"]').locator(`.chip[data-channel-id="${bob.stasisId}"]`).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('board-message').textContent()).toContain('taken out of');
  });

  it('moves a call without the mouse: B, arrows, Enter', async () => {
    const { page } = ui;
    await row(page, bob.stasisId).click();
    await page.keyboard.press('b');
    // The first place Bob may go is the conference: it is highlighted and named.
    await expect.poll(() => page.getByTestId('board-message').textContent()).toMatch(/Target: Conference \d+ \(mixing\)\. Press Enter/);
    await page.keyboard.press('Enter');
    const bridge = page.locator('[data-drop="bridge"]').filter({ has: page.locator(`.chip[data-channel-id="${bob.stasisId}"]`) });
    await expect.poll(() => bridge.count(), { timeout: 10_000 }).toBe(1);
    // Back out: B starts on the first place it may go (a new bridge); ← passes its own
    // bridge, which the board refuses before anything is sent, and wraps round to "out".
    await page.keyboard.press('b');
    await expect.poll(() => page.getByTestId('board-message').textContent()).toContain('Target: a new mixing bridge.');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('board-message').textContent()).toContain('Not allowed: This call is already in that bridge.');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('board-message').textContent()).toContain('Target: out of its bridge.');
    await page.keyboard.press('Enter');
    await expect.poll(() => bridge.count(), { timeout: 10_000 }).toBe(0);
  });

  it('hangs up, and the timeline shows every step with its duration', async () => {
    const { page } = ui;
    await row(page, alice.stasisId).click();
    await control(page, 'hangup').click();
    await expect.poll(() => page.getByTestId('final-status').textContent(), { timeout: 10_000 }).toBe('Answered');
    expect(await page.getByTestId('hangup-cause').textContent()).not.toBe('—');
    const timeline = page.getByTestId('timeline').first();
    const kinds = await timeline.locator('.segment').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-kind')));
    expect(new Set(kinds)).toEqual(new Set(['ring', 'up', 'hold', 'muted', 'playing', 'bridge']));
    // Every segment says how long it lasted.
    const tips = await timeline.locator('.segment').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-tip') ?? ''));
    for (const tip of tips) expect(tip).toMatch(/\d+:\d\d$/);
    expect(await page.getByTestId('talk-time').textContent()).toMatch(/^\d+:\d\d$/);
    expect(await page.getByTestId('ring-time').textContent()).toMatch(/^\d+:\d\d$/);
    // Events close together share one marker; its tooltip names each of them.
    const markers = (await timeline.locator('.marker').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-kinds') ?? ''))).flatMap((kinds) => kinds.split(' '));
    for (const kind of ['hold', 'unhold', 'mute', 'unmute', 'playback-start', 'bridge-enter', 'bridge-leave']) expect(markers).toContain(kind);
    const first = timeline.locator('.marker').first();
    expect(await first.getAttribute('data-tip')).toMatch(/^\d\d:\d\d:\d\d · Created \(Ring\)\n.*Caller ID/s);
    expect(await first.locator('.count').textContent()).toMatch(/^\d+$/);
    // Under it, the steps in words; the dialplan's own lines are named as such.
    const steps = await page.getByTestId('steps').locator('.what').allTextContents();
    expect(steps).toContain('Answered (Up)');
    const dialplan = steps.filter((step) => /Stasis\(/.test(step));
    expect(dialplan.length).toBeGreaterThan(0);
    expect(dialplan.every((step) => step.startsWith('Dialplan: '))).toBe(true);
    // The raw events behind it, on demand.
    await page.keyboard.press('e');
    await expect.poll(() => page.locator('.raw .type').allTextContents(), { timeout: 5000 }).toContain('StasisStart');
    await screenshot(page, 'timeline');
  });

  it('compares two calls on one time axis', async () => {
    const { page } = ui;
    await page.keyboard.press('c');
    await row(page, bob.stasisId).click();
    await page.keyboard.press('c');
    await expect.poll(() => page.getByTestId('compare').getByTestId('timeline').count()).toBe(2);
    await screenshot(page, 'compare');
  });

  it('disconnects and reconnects: the talking call lives on, its timeline shows the gap', async () => {
    const { page } = ui;
    await row(page, bob.stasisId).click();
    await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await expect.poll(() => page.getByTestId('banner').textContent()).toBe('Disconnected — calls continue on the PBX');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect.poll(() => supervisorText(page), { timeout: 15_000 }).toBe('Live');
    await expect.poll(() => detailState(page), { timeout: 10_000 }).toBe('Talking');
    const gap = page.getByTestId('timeline').first().locator('.gaps .gap');
    await expect.poll(() => gap.count(), { timeout: 10_000 }).toBe(1);
    expect(await gap.getAttribute('data-tip')).toMatch(/^Disconnected: the console could not see this call · \d+:\d\d$/);
  });

  it('creates a bridge with N and removes it with its ×', async () => {
    const { page } = ui;
    await page.getByRole('tab', { name: /Bridges/ }).click();
    const cards = page.getByTestId('bridge-board').locator('[data-drop="bridge"]');
    const before = await cards.count();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('n');
    await expect.poll(() => cards.count(), { timeout: 10_000 }).toBe(before + 1);
    const card = cards.last();
    const name = (await card.getAttribute('data-bridge-name')) ?? '';
    expect((await rest.listBridges()).some((bridge) => bridge.name === name)).toBe(true);
    await card.getByRole('button', { name: /^Remove/ }).click();
    await expect.poll(() => cards.count(), { timeout: 10_000 }).toBe(before);
    expect((await rest.listBridges()).some((bridge) => bridge.name === name)).toBe(false);
  });

  it('keeps working through a PBX restart without a reload', async () => {
    const { page } = ui;
    await page.getByTestId('record').click();
    await expect.poll(() => page.getByTestId('record').getAttribute('aria-pressed')).toBe('false');
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    const restart = sandbox.restartAsterisk({ downMs: 3000 });
    await expect.poll(() => page.getByTestId('banner').textContent(), { timeout: 15_000 }).toBe('Reconnecting — calls continue on the PBX');
    // The link's state names the attempt and when the next one comes.
    await expect.poll(() => supervisorText(page), { timeout: 10_000 }).toMatch(/^Attempt \d+ failed · retry in \d+ s$/);
    await screenshot(page, 'reconnecting');
    await restart;
    await expect.poll(() => supervisorText(page), { timeout: 30_000 }).toBe('Live');
    await expect.poll(() => page.getByTestId('banner').isVisible()).toBe(false);
    // The restart ended every call: the list says so, from the reconciled model.
    await expect.poll(() => row(page, bob.stasisId).count(), { timeout: 10_000 }).toBe(0);
    // New calls show up as before, in the same page.
    const dave = await place('Dave Kim <204>');
    await expect.poll(() => row(page, dave.stasisId).locator('.badge').textContent(), { timeout: 10_000 }).toBe('Ringing');
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  });

  it('replays the recorded shift into the same views, with a scrubber', async () => {
    const { page } = ui;
    const [file] = readdirSync(ui.recordings).filter((name) => name.endsWith('.jsonl'));
    expect(file).toBeDefined();
    const path = join(ui.recordings, file ?? '');
    // When things happened, as the file says: the scrubber is checked against it.
    const frames = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { t?: number; e?: { type: string; channel?: { id: string } } });
    const when = (type: string, channelId: string) => frames.find((frame) => frame.e?.type === type && frame.e.channel?.id === channelId)?.t ?? -1;
    const aliceRang = when('StasisStart', alice.stasisId);
    const bobJoined = when('ChannelEnteredBridge', bob.stasisId);
    expect(aliceRang).toBeGreaterThan(0);
    expect(bobJoined).toBeGreaterThan(aliceRang);

    await page.locator('input[type="file"]').setInputFiles(path);
    const time = page.getByTestId('replay-time');
    await time.waitFor();
    // It opens paused at the start; Play moves the position on (at 1×, slow enough to catch), Pause holds it.
    const play = page.getByTestId('replay-play');
    expect(await time.textContent()).toMatch(/^0:00 \//);
    await page.getByRole('combobox', { name: 'Replay speed' }).selectOption('1');
    await play.click();
    await expect.poll(() => time.textContent(), { timeout: 5000 }).toMatch(/^0:01 \//);
    expect((await play.textContent())?.trim()).toBe('Pause');
    await play.click();
    expect((await play.textContent())?.trim()).toBe('Play');
    await page.getByRole('combobox', { name: 'Replay speed' }).selectOption('50');

    // Back to the moment Alice rang: her row is there again, ringing, and nothing can be sent.
    const scrubber = page.getByRole('slider', { name: 'Position in the recording' });
    await scrubber.fill(String(Math.ceil(aliceRang + 1)));
    await expect.poll(() => row(page, alice.stasisId).locator('.badge').textContent()).toBe('Ringing');
    await row(page, alice.stasisId).click();
    expect(await control(page, 'answer').isDisabled()).toBe(true);
    expect(await page.getByTestId('controls-reason').textContent()).toContain('Replaying a recording');
    // To the end: her call has ended, as it did.
    await scrubber.fill(String(await scrubber.getAttribute('max')));
    await expect.poll(() => row(page, alice.stasisId).count()).toBe(0);
    // And back to the moment Bob joined her bridge.
    await scrubber.fill(String(Math.ceil(bobJoined + 300)));
    await expect.poll(() => row(page, bob.stasisId).locator('.bridge-tag').textContent()).toMatch(/^Conference/);
    await row(page, alice.stasisId).click();
    await screenshot(page, 'replay');
    await page.getByRole('button', { name: 'Back to live' }).click();
    await expect.poll(() => supervisorText(page)).toBe('Live');
  });
});
