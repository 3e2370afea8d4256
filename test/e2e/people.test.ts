import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AriRest } from '../../main/engine/ari-rest.js';
import { placeInboundCall, world } from '../integration/harness.js';
import { baresipAvailable, startPhone, type Phone } from '../integration/phones.js';
import { createBackend } from '../../main/backend-node.js';
import { startBrowserHost } from '../../main/browser-host/server.js';
import { silentLogger } from '../../main/log.js';
import { control, openConsole, row, screenshot, supervisorText, waitFor, type ConsoleUnderTest } from './console-page.js';

/**
 * The people side of a receptionist's day, in Chromium against the real PBX
 * with real SIP phones (baresip on PJSIP 101 and 102): who is free, handing
 * a caller to a colleague by dragging the call onto them, knowing a caller
 * by name from the phonebook, finding yesterday's call and exporting it, and
 * a first connection that fails with an explanation of what to fix.
 */

const phonesHere = baresipAvailable() || Boolean(process.env['CI']);
let ui: ConsoleUnderTest;
let rest: AriRest;
const phones: Phone[] = [];
const placed: string[] = [];

const card = (key: string) => ui.page.getByTestId(`presence-${key}`);
const openTab = async (id: string) => {
  await ui.page.locator(`#tab-${id}`).click();
};
/**
 * Selects the call and waits until the console can act on it. A new channel's row (Ringing) shows from
 * ChannelCreated on, a moment before the channel enters the console's app; the receptionist sees the
 * difference as Answer turning enabled.
 */
const selectAtConsole = async (channelId: string) => {
  await row(ui.page, channelId).click();
  await expect.poll(() => control(ui.page, 'answer').isEnabled(), { timeout: 10_000 }).toBe(true);
};

beforeAll(async () => {
  if (phonesHere) phones.push(await startPhone(101, { answer: 'auto' }), await startPhone(102, { answer: 'manual' }));
  ui = await openConsole('light');
  rest = await world();
}, 120_000);

afterAll(async () => {
  await Promise.all(placed.map((id) => rest?.hangup(id).catch(() => undefined)));
  rest?.close();
  await ui?.close();
  for (const phone of phones) await phone.stop();
});

describe.runIf(phonesHere)('presence', () => {
  it('shows who is available and who is offline, live', async () => {
    await openTab('presence');
    await expect.poll(() => card('PJSIP/101').getAttribute('data-status'), { timeout: 15_000 }).toBe('available');
    await expect.poll(() => card('PJSIP/102').getAttribute('data-status')).toBe('available');
    expect(await card('PJSIP/104').getAttribute('data-status')).toBe('offline');
    expect(await card('PJSIP/101').getByTestId('presence-state').textContent()).toBe('Available');
  });

  it('transfers a caller by dragging the call onto a colleague, whose phone then shows busy', async () => {
    const call = await placeInboundCall(rest, ui.app, 'Dana Fox <205>');
    placed.push(call.callerId, call.stasisId);
    const callRow = row(ui.page, call.stasisId);
    await selectAtConsole(call.stasisId);
    await callRow.dragTo(card('PJSIP/101'));
    await expect.poll(() => card('PJSIP/101').getAttribute('data-status'), { timeout: 20_000 }).toBe('busy');
    await expect.poll(() => card('PJSIP/101').locator('.call').textContent()).toMatch(/\d:\d\d/);

    // The caller hangs up; the call's history record tells of the transfer.
    await rest.hangup(call.callerId);
    await expect.poll(() => card('PJSIP/101').getAttribute('data-status'), { timeout: 15_000 }).toBe('available');
    await openTab('history');
    await ui.page.getByTestId('history-search').fill('dana');
    // The caller's record (In) names the transfer; the leg to 101 (Out) is a record of its own.
    await expect
      .poll(async () => (await ui.page.getByTestId('history-row').allTextContents()).find((text) => /blind → /.test(text)) ?? '', { timeout: 10_000 })
      .toMatch(/^\S+ \S+In.*Dana Fox.*blind → \S*101 \(completed\)/);
  });

  it('refuses a drop on an offline colleague and says why', async () => {
    const call = await placeInboundCall(rest, ui.app, 'Eve Stone <206>');
    placed.push(call.callerId, call.stasisId);
    await openTab('presence');
    await selectAtConsole(call.stasisId);
    const transfer = card('PJSIP/104').getByTestId('presence-transfer');
    expect(await transfer.isDisabled()).toBe(true);
    expect(await transfer.getAttribute('title')).toBe('104 is offline.');
    // Gone before the next test: "answer next" must find only the call that test places.
    await rest.hangup(call.callerId);
    await waitFor(() => !ui.node.engines.require(ui.profileId).currentModel.channels.has(call.stasisId), 10_000, 'the call to end');
  });

  it('calls a colleague from the phonebook (a vCard) and from the presence panel: my phone rings first, then theirs', async () => {
    // My phone: a Local channel that answers at once, standing in for the receptionist's desk phone.
    await ui.node.backend.dispatch('settings.set', { operatorEndpoint: 'Local/wait@test' });
    await openTab('phonebook');
    await ui.page.getByTestId('phonebook-import').setInputFiles({
      name: 'team.vcf',
      mimeType: 'text/vcard',
      buffer: Buffer.from('BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Colleague\r\nORG:Front office\r\nTEL;TYPE=WORK:101\r\nEND:VCARD\r\n'),
    });
    await expect.poll(() => ui.page.getByTestId('phonebook-import-report').textContent()).toMatch(/team\.vcf \(vCard\): 1 added/);
    await ui.page.getByTestId('phonebook-search').fill('colleague');
    const ann = ui.page.getByTestId('contact').filter({ hasText: 'Ann Colleague' });
    await ann.getByRole('button', { name: /101/ }).click();
    // The leg to 101 shows in the call list, and 101's phone (auto-answer) shows busy.
    await expect.poll(() => ui.page.locator('.call-row', { hasText: 'PJSIP/101' }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await openTab('presence');
    await expect.poll(() => card('PJSIP/101').getAttribute('data-status'), { timeout: 20_000 }).toBe('busy');
    await Promise.all((await rest.listChannels()).map((channel) => rest.hangup(channel.id).catch(() => undefined)));
    await expect.poll(() => card('PJSIP/101').getAttribute('data-status'), { timeout: 15_000 }).toBe('available');

    // And from the presence panel: "Call" on 102, whose phone waits to be picked up, rings it.
    await card('PJSIP/102').getByRole('button', { name: 'Call', exact: true }).click();
    await expect.poll(() => card('PJSIP/102').getAttribute('data-status'), { timeout: 20_000 }).toBe('ringing');
    await Promise.all((await rest.listChannels()).map((channel) => rest.hangup(channel.id).catch(() => undefined)));
    await expect.poll(() => card('PJSIP/102').getAttribute('data-status'), { timeout: 15_000 }).toBe('available');
    await ui.node.backend.dispatch('settings.set', { operatorEndpoint: null });
  });
});

describe('phonebook and caller names', () => {
  it('imports a CSV, finds contacts as you type, names a number-only caller in the list and the notification, and Alt+A answers it', async () => {
    await openTab('phonebook');
    await ui.page.getByTestId('phonebook-import').setInputFiles({
      name: 'contacts.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('Name;Company;Phone\r\nAlice Example;ACME;+44 20 7946 0018\r\nBob Builder;;+44 20 7946 0999\r\n;;\r\n'),
    });
    await expect.poll(() => ui.page.getByTestId('phonebook-import-report').textContent()).toMatch(/contacts\.csv \(CSV\): 2 added, 0 updated/);
    await ui.page.getByTestId('phonebook-search').fill('ali');
    await expect.poll(() => ui.page.getByTestId('contact').allTextContents()).toEqual([expect.stringContaining('Alice Example')]);
    await ui.page.getByTestId('phonebook-search').fill('7946 0999');
    await expect.poll(() => ui.page.getByTestId('contact').allTextContents()).toEqual([expect.stringContaining('Bob Builder')]);

    // The browser's own Notification, watched: what the receptionist would see pop up.
    await ui.context.grantPermissions(['notifications'], { origin: new URL(ui.host.url).origin });
    await ui.page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenNotifications: string[] }).seenNotifications = seen;
      const Native = window.Notification;
      class Watched extends Native {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          seen.push(`${title} | ${options?.body ?? ''}`);
          this.addEventListener('close', () => seen.push(`closed ${title}`));
        }
      }
      window.Notification = Watched as typeof Notification;
    });
    const notifications = () => ui.page.evaluate(() => (window as unknown as { seenNotifications: string[] }).seenNotifications);

    const call = await placeInboundCall(rest, ui.app, '02079460018');
    placed.push(call.callerId, call.stasisId);
    await expect.poll(() => row(ui.page, call.stasisId).locator('.who').textContent(), { timeout: 10_000 }).toBe('Alice Example (ACME)');
    await expect.poll(notifications, { timeout: 10_000 }).toContainEqual(expect.stringMatching(/^Incoming call: Alice Example \(ACME\) \| Alice Example \(ACME\) \(02079460018\) is calling/));

    // Alt+A answers the call ringing longest, from anywhere on the page.
    await ui.page.locator('body').click({ position: { x: 5, y: 5 } });
    await ui.page.keyboard.press('Alt+KeyA');
    await expect.poll(() => row(ui.page, call.stasisId).locator('.badge').textContent(), { timeout: 10_000 }).toBe('Talking');
    await rest.hangup(call.stasisId);
  });
});

describe('history', () => {
  it('finds the finished call by name, filters by status, and exports what it shows as CSV', async () => {
    await openTab('history');
    await ui.page.getByTestId('history-search').fill('alice');
    await expect.poll(() => ui.page.getByTestId('history-row').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const first = ui.page.getByTestId('history-row').first();
    expect(await first.textContent()).toContain('Alice Example');
    // Answered with Alt+A, then hung up.
    expect(await first.getAttribute('data-status')).toBe('answered');
    await ui.page.getByTestId('history-status-busy').check();
    await expect.poll(() => ui.page.getByTestId('history-total').textContent()).toBe('0 calls');
    await ui.page.getByTestId('history-status-busy').uncheck();
    await expect.poll(() => ui.page.getByTestId('history-total').textContent()).not.toBe('0 calls');

    const [download] = await Promise.all([ui.page.waitForEvent('download'), ui.page.getByTestId('history-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^call-history-\d{4}-\d{2}-\d{2}-\d{4}\.csv$/);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^Start,Answered,End,Direction,Caller number,Caller name/);
    expect(lines.slice(1).every((line) => line.includes('Alice Example'))).toBe(true);
    expect(lines.length - 1).toBe(Number((await ui.page.getByTestId('history-total').textContent())?.split(' ')[0]));

    // Call back rings the receptionist's phone first; with none set yet, the console says so in words.
    await first.getByRole('button', { name: 'Call back' }).click();
    await expect.poll(() => ui.page.getByTestId('notice').textContent()).toContain('Could not call 02079460018: Set your own phone in the settings to dial through it.');

    // With her phone set (a sandbox line that answers at once), Call back rings it, then the caller: here one
    // whose number the sandbox answers too (Local/wait@test through the dial template).
    await ui.node.backend.dispatch('settings.set', { operatorEndpoint: 'Local/wait@test', dialTemplate: 'Local/{number}@test' });
    const earlier = await placeInboundCall(rest, ui.app, 'Walt Back <wait>');
    placed.push(earlier.callerId, earlier.stasisId);
    // At the console before it ends, so its history has it: the row shows from ChannelCreated on, but a Local
    // channel counts as a call only once it entered the console's app (common/history/record.ts isCallChannel).
    await expect.poll(() => row(ui.page, earlier.stasisId).count(), { timeout: 10_000 }).toBe(1);
    await waitFor(() => ui.node.engines.require(ui.profileId).currentModel.channels.get(earlier.stasisId)?.inStasis === true, 10_000, 'the call to reach the console');
    await rest.hangup(earlier.stasisId);
    await ui.page.getByTestId('history-search').fill('walt');
    const walt = ui.page.getByTestId('history-row').filter({ hasText: 'Walt Back' });
    await expect.poll(() => walt.count(), { timeout: 10_000 }).toBe(1);
    await walt.getByRole('button', { name: 'Call back' }).click();
    await openTab('calls');
    // The Dial & transfer tab shows her phone and the caller joined; the PBX agrees.
    const dial = ui.page.getByTestId('transfer-item').filter({ hasText: 'Call wait' });
    await expect.poll(() => dial.getByTestId('transfer-phase').textContent(), { timeout: 15_000 }).toBe('Connected');
    const joined = (await rest.listBridges()).find((bridge) => bridge.name === 'call wait');
    expect(joined?.channels).toHaveLength(2);
    await Promise.all((joined?.channels ?? []).map((id) => rest.hangup(id).catch(() => undefined)));
    await ui.node.backend.dispatch('settings.set', { operatorEndpoint: null, dialTemplate: 'PJSIP/{number}' });
  });
});

describe('shortcuts of my own', () => {
  it('rebinds "answer the next ringing call" to F2: the help overlay lists it and F2 answers', async () => {
    await openTab('connections');
    const combo = ui.page.getByTestId('shortcut-answer-next');
    await combo.fill('f2');
    await combo.press('Enter');
    // Written back as the console spells it, once main has saved it.
    await expect.poll(() => combo.inputValue()).toBe('F2');
    await ui.page.locator('body').click({ position: { x: 5, y: 5 } });
    await ui.page.keyboard.press('?');
    const help = ui.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect.poll(() => help.locator('dt', { has: ui.page.locator('kbd', { hasText: /^F2$/ }) }).count()).toBe(1);
    await ui.page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    const call = await placeInboundCall(rest, ui.app, 'Hugo Reyes <208>');
    placed.push(call.callerId, call.stasisId);
    await expect.poll(() => row(ui.page, call.stasisId).locator('.badge').textContent(), { timeout: 10_000 }).toBe('Ringing');
    await selectAtConsole(call.stasisId);
    await ui.page.locator('body').click({ position: { x: 5, y: 5 } });
    await ui.page.keyboard.press('F2');
    await expect.poll(() => row(ui.page, call.stasisId).locator('.badge').textContent(), { timeout: 10_000 }).toBe('Talking');
    await rest.hangup(call.callerId);
    await ui.node.backend.dispatch('settings.set', { shortcuts: { 'answer-next': 'Alt+A' } });
  });
});

describe('first connection', () => {
  it('a first start, with no profile, opens the connection wizard and gives it the room', async () => {
    const fresh = await createBackend({ builtInProfiles: [], log: silentLogger });
    const host = await startBrowserHost({ backend: fresh.backend, rendererDir: join(inject('consoleBuild'), 'renderer'), logger: silentLogger });
    // A small laptop screen: what a front desk often has.
    const context = await ui.browser.newContext({ viewport: { width: 1280, height: 720 } });
    try {
      const page = await context.newPage();
      await page.goto(host.url);
      await expect.poll(() => page.getByTestId('banner').textContent()).toBe('No connection profiles yet: add your PBX under Connections.');
      expect(await page.locator('#tab-connections').getAttribute('aria-selected')).toBe('true');
      expect(await page.getByTestId('first-run').textContent()).toContain('Welcome.');
      expect(await page.getByText('No PBX connected yet.', { exact: false }).count()).toBe(1);
      // The wizard's panel, not the empty call list, has most of the height; its Test button is on screen.
      const [calls, panel] = await Promise.all([page.getByRole('region', { name: 'Calls' }).boundingBox(), page.getByRole('region', { name: 'Bridges and panels' }).boundingBox()]);
      expect(panel?.height ?? 0).toBeGreaterThan((calls?.height ?? 0) * 2);
      // …yet the list's own line, saying where to go, is whole.
      const hint = await page.getByText('No PBX connected yet.', { exact: false }).boundingBox();
      expect((hint?.y ?? Infinity) + (hint?.height ?? 0)).toBeLessThanOrEqual((calls?.y ?? 0) + (calls?.height ?? 0));
      const test = await page.getByTestId('wizard-test').boundingBox();
      expect((test?.y ?? Infinity) + (test?.height ?? 0)).toBeLessThanOrEqual((panel?.y ?? 0) + (panel?.height ?? 0));
      // Every tab is in sight, none behind a scroll.
      expect(await page.getByRole('tablist', { name: 'Panels' }).evaluate((strip) => strip.scrollWidth <= strip.clientWidth)).toBe(true);
      await screenshot(page, 'first-run');
    } finally {
      await context.close();
      await host.close();
      await fresh.dispose();
    }
  });

  it('tests a profile step by step and explains the failed step with the settings to change', async () => {
    await openTab('connections');
    const page = ui.page;
    // The panel is taller than its area: the mouse wheel brings the form's buttons into view.
    const area = page.getByRole('region', { name: 'Bridges and panels' });
    const box = await area.boundingBox();
    await page.mouse.move((box?.x ?? 0) + 200, (box?.y ?? 0) + 120);
    await expect
      .poll(async () => {
        // A notch at a time, as a hand would, until the button is in the area.
        await page.mouse.wheel(0, 60);
        const button = await page.getByTestId('wizard-test').boundingBox();
        return button !== null && box !== null && button.y >= box.y && button.y + button.height <= box.y + box.height;
      })
      .toBe(true);
    await page.getByTestId('wizard-url').fill('http://127.0.0.1:9');
    await page.getByTestId('wizard-password').fill('whatever');
    await page.getByTestId('wizard-test').click();
    await expect.poll(() => page.getByTestId('wizard-step-http').getAttribute('data-ok'), { timeout: 15_000 }).toBe('false');
    expect(await page.getByTestId('wizard-step-ari').getAttribute('data-ok')).toBe('null');
    expect(await page.getByTestId('wizard-explanation').textContent()).toContain('http.conf');
    expect(await page.getByTestId('wizard-snippet').textContent()).toContain('bindport = 9');

    const ari = inject('ari');
    await page.getByTestId('wizard-url').fill(ari.baseUrl);
    await page.getByTestId('wizard-user').fill(ari.username);
    await page.getByTestId('wizard-password').fill('not-the-password');
    await page.getByTestId('wizard-test').click();
    await expect.poll(() => page.getByTestId('wizard-step-ari').getAttribute('data-ok'), { timeout: 15_000 }).toBe('false');
    expect(await page.getByTestId('wizard-step-http').getAttribute('data-ok')).toBe('true');
    expect(await page.getByTestId('wizard-explanation').textContent()).toContain('refused the ARI user name or password');
    expect(await page.getByTestId('wizard-snippet').textContent()).toContain(`[${ari.username}]`);

    await page.getByTestId('wizard-password').fill(ari.password);
    await page.getByTestId('wizard-test').click();
    await expect.poll(() => page.getByTestId('wizard-result').getAttribute('data-ok'), { timeout: 15_000 }).toBe('true');
    expect(await page.getByTestId('wizard-snippet').textContent()).toContain('Stasis(');
  });

  it('refuses a malformed address before sending anything', async () => {
    await ui.page.getByTestId('wizard-url').fill('pbx.example.com');
    await ui.page.getByTestId('wizard-test').click();
    expect(await ui.page.getByTestId('wizard-error').textContent()).toMatch(/^baseUrl:/);
  });

  it('saves a second profile: the top bar offers both, and the console follows the one picked', async () => {
    const page = ui.page;
    const ari = inject('ari');
    await page.getByTestId('wizard-name').fill('Second site');
    await page.getByTestId('wizard-url').fill(ari.baseUrl);
    await page.getByTestId('wizard-user').fill(ari.username);
    await page.getByTestId('wizard-password').fill(ari.password);
    await page.getByTestId('wizard-app').fill(`${ui.app}-second`);
    await page.getByTestId('wizard-save').click();
    const picker = page.locator('#profile-select');
    await expect.poll(() => picker.locator('option').allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining(['Front desk', 'Second site']));
    await expect.poll(() => picker.locator('option:checked').textContent()).toBe('Second site');
    await expect.poll(() => supervisorText(page), { timeout: 15_000 }).toBe('Live');
    await picker.selectOption({ label: 'Front desk' });
    await expect.poll(() => supervisorText(page)).toBe('Live');
    expect(await page.getByTestId('banner').textContent()).toBe('');
  });
});
