import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AriRest } from '../../main/engine/ari-rest.js';
import type { Locator, Page } from 'playwright-core';
import { placeInboundCall, world } from '../integration/harness.js';
import { control, detailState, openConsole, row, screenshot, type ConsoleUnderTest } from './console-page.js';

/**
 * The receptionist's call workflows, driven from the page as a person would:
 * transfer (blind, attended with swap / complete / cancel), park and retrieve,
 * a park that rings back, listen on a call, and the dial pad. The far ends are
 * Local channels of the sandbox dialplan (Local/wait@test answers at once).
 * Assertions are on what the page shows; a few confirm the PBX agrees.
 */

let ui: ConsoleUnderTest;
let rest: AriRest;
const TARGET = 'Local/wait@test';

beforeAll(async () => {
  ui = await openConsole('light');
  rest = await world();
}, 180_000);

afterAll(async () => {
  rest?.close();
  await ui?.close();
});

/** A call rings, the receptionist selects it and answers from the console. */
async function answered(page: Page, caller: string): Promise<string> {
  const call = await placeInboundCall(rest, ui.app, caller);
  await expect.poll(() => row(page, call.stasisId).count(), { timeout: 10_000 }).toBe(1);
  await row(page, call.stasisId).click();
  await control(page, 'answer').click();
  await expect.poll(() => detailState(page), { timeout: 10_000 }).toBe('Talking');
  return call.stasisId;
}

/**
 * A call the receptionist took on their own phone ("To my phone"): an
 * attended transfer consults through that leg; without one the console
 * refuses it, as the caller would be left talking to silence on a swap.
 */
async function onMyPhone(page: Page, caller: string): Promise<string> {
  await ui.node.backend.dispatch('settings.set', { operatorEndpoint: TARGET });
  const call = await placeInboundCall(rest, ui.app, caller);
  await expect.poll(() => row(page, call.stasisId).count(), { timeout: 10_000 }).toBe(1);
  await row(page, call.stasisId).click();
  await page.getByRole('tab', { name: /Dial & transfer/ }).click();
  await page.getByTestId('transfer-pickup').click();
  const item = page.getByTestId('transfer-item').filter({ hasText: caller.replace(/ <.*/, '') });
  await expect.poll(() => item.getByTestId('transfer-phase').textContent(), { timeout: 15_000 }).toBe('Connected');
  return call.stasisId;
}

/**
 * Whether the receptionist sees the whole of it: its box lies inside the window (as Playwright's toBeInViewport
 * has it), and no scrolling panel clips any of it (the IntersectionObserver ratio that check is built on; a
 * button cut off at a panel's edge is still inside the window).
 */
async function wholeInView(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const size = page.viewportSize();
  if (!box || !size) return false;
  const inWindow = box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height;
  const ratio = await locator.evaluate(
    (element) =>
      new Promise<number>((resolve) => {
        const observer = new IntersectionObserver(([entry]) => {
          observer.disconnect();
          resolve(entry?.intersectionRatio ?? 0);
        });
        observer.observe(element);
      }),
  );
  return inWindow && ratio > 0.99;
}

const phases = (page: Page) => page.getByTestId('transfer-item').getByTestId('transfer-phase').allTextContents();

describe('transfers from the console', () => {
  it('blind: T, a number, Blind — the caller is handed over', async () => {
    const { page } = ui;
    const caller = await answered(page, 'Alice Martin <201>');
    await page.keyboard.press('t');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('transfer-target');
    await page.keyboard.type(TARGET);
    // Answered on the console, not on her phone: nobody to consult with, so Attended is off and the page says why.
    await expect.poll(() => page.getByTestId('transfer-attended').isDisabled()).toBe(true);
    expect(await page.getByTestId('transfer-reason').textContent()).toBe('An attended transfer needs you on the call: take it on your phone first, or use a blind transfer.');
    await page.getByTestId('transfer-blind').click();
    await expect.poll(() => phases(page), { timeout: 15_000 }).toContain('Connected');
    const bridges = await rest.listBridges();
    expect(bridges.some((bridge) => bridge.name === `transfer ${TARGET}` && bridge.channels.includes(caller))).toBe(true);
    await screenshot(page, 'transfer-blind');
  });

  it('attended: consult with the caller on hold, swap, then complete', async () => {
    const { page } = ui;
    const caller = await onMyPhone(page, 'Bob Stone <202>');
    await page.keyboard.press('t');
    await page.getByTestId('transfer-target').fill(TARGET);
    await expect.poll(() => page.getByTestId('transfer-reason').count()).toBe(0);
    await page.getByTestId('transfer-attended').click();
    const item = page.getByTestId('transfer-item').filter({ hasText: 'Bob Stone' });
    await expect.poll(() => item.getByTestId('transfer-phase').textContent(), { timeout: 15_000 }).toBe(`Talking to ${TARGET}; caller on hold`);
    // The transfer is running: no reason against starting one, and its buttons in sight on a laptop screen and a larger one.
    expect(await page.getByTestId('transfer-reason').count()).toBe(0);
    for (const viewport of [{ width: 1280, height: 720 }, { width: 1440, height: 900 }]) {
      await page.setViewportSize(viewport);
      for (const id of ['transfer-complete', 'transfer-swap', 'transfer-cancel']) {
        await expect.poll(() => wholeInView(page, item.getByTestId(id)), { message: `${id} in view at ${viewport.width}×${viewport.height}` }).toBe(true);
      }
    }
    await screenshot(page, 'transfer-attended');
    await item.getByTestId('transfer-swap').click();
    await expect.poll(() => item.getByTestId('transfer-phase').textContent()).toBe(`Talking to the caller; ${TARGET} on hold`);
    await item.getByTestId('transfer-complete').click();
    await expect.poll(() => item.getByTestId('transfer-phase').textContent()).toBe('Connected');
    expect((await rest.listBridges()).some((bridge) => bridge.channels.includes(caller) && bridge.channels.length === 2)).toBe(true);
  });

  it('attended: cancel keeps the caller with the console', async () => {
    const { page } = ui;
    const caller = await onMyPhone(page, 'Carol Diaz <203>');
    await page.keyboard.press('t');
    await page.getByTestId('transfer-target').fill(TARGET);
    await page.getByTestId('transfer-attended').click();
    const item = page.getByTestId('transfer-item').filter({ hasText: 'Carol Diaz' });
    await expect.poll(() => item.getByTestId('transfer-phase').textContent(), { timeout: 15_000 }).toContain('caller on hold');
    await item.getByTestId('transfer-cancel').click();
    await expect.poll(() => page.getByTestId('transfer-done').filter({ hasText: 'Carol Diaz' }).first().textContent()).toContain('Cancelled: cancelled by the operator');
    expect(await row(page, caller).count()).toBe(1);
  });
});

describe('park', () => {
  it('G parks the selected call on slot 701, the board shows it, Retrieve takes it back', async () => {
    const { page } = ui;
    const caller = await answered(page, 'Dan Kowalski <204>');
    await page.keyboard.press('g');
    const slot = page.getByTestId('park-slot-701');
    await expect.poll(() => slot.getAttribute('data-status'), { timeout: 10_000 }).toBe('parked');
    expect(await slot.textContent()).toContain('Dan Kowalski');
    // The selected call's steps name the slot as people do, without the bridge id (the raw events keep it).
    await expect.poll(() => page.getByTestId('steps').locator('.what').allTextContents()).toContain('Joined bridge Park 701');
    await screenshot(page, 'park-slots');
    await page.getByRole('tab', { name: /Bridges/ }).click();
    await expect.poll(() => page.getByTestId('bridge-board').textContent()).toContain('Park 701');
    await page.getByRole('tab', { name: /Park/ }).click();
    await page.getByTestId('retrieve-701').click();
    await expect.poll(() => slot.getAttribute('data-status')).toBe('free');
    await expect.poll(() => page.getByTestId('park-recent').textContent()).toContain('Retrieved');
    expect(await row(page, caller).count()).toBe(1);
  });

  it('a parked call rings the receptionist back when the park times out', async () => {
    const { page } = ui;
    // The timeout is the one setting not on this panel (it is a minimum of 5 s anyway).
    await ui.node.backend.dispatch('settings.set', { park: { timeoutSec: 5 } });
    await page.getByRole('tab', { name: /Dial & transfer/ }).click();
    await page.getByTestId('operator-endpoint').fill(TARGET);
    await page.getByTestId('operator-endpoint').press('Enter');
    await answered(page, 'Erin Walsh <205>');
    await page.keyboard.press('g');
    await expect.poll(() => page.getByTestId('park-recent').textContent(), { timeout: 30_000 }).toContain('Answered on ring-back');
  });
});

describe('my phone', () => {
  it('a ringing call is answered on my phone with "To my phone"', async () => {
    const { page } = ui;
    const call = await placeInboundCall(rest, ui.app, 'Gina Park <207>');
    await expect.poll(() => row(page, call.stasisId).count(), { timeout: 10_000 }).toBe(1);
    await row(page, call.stasisId).click();
    await expect.poll(() => detailState(page)).toBe('Ringing');
    await page.getByRole('tab', { name: /Dial & transfer/ }).click();
    await page.getByTestId('transfer-pickup').click();
    const item = page.getByTestId('transfer-item').filter({ hasText: 'Gina Park' });
    await expect.poll(() => item.getByTestId('transfer-phase').textContent(), { timeout: 15_000 }).toBe('Connected');
    await expect.poll(() => detailState(page), { timeout: 10_000 }).not.toBe('Ringing');
  });
});

describe('listen and dial', () => {
  it('listen needs the setting, which the page alone cannot turn on; then rings my phone and joins it to the call', async () => {
    const { page } = ui;
    await answered(page, 'Frank Osei <206>');
    await page.getByRole('tab', { name: /Dial & transfer/ }).click();
    expect(await page.getByTestId('snoop-listen').isDisabled()).toBe(true);
    // The browser host has no confirmation outside the page: the box springs back and listening stays off.
    await page.getByTestId('snoop-enabled').click();
    await expect.poll(() => page.getByTestId('snoop-enabled').isChecked()).toBe(false);
    expect(ui.node.settings.get().snoopEnabled).toBe(false);
    // Main's own settings (settings.json) can.
    await ui.node.settings.set({ snoopEnabled: true });
    await expect.poll(() => page.getByTestId('snoop-enabled').isChecked()).toBe(true);
    await expect.poll(() => page.getByTestId('snoop-listen').isDisabled()).toBe(false);
    await page.getByTestId('snoop-listen').click();
    await expect.poll(() => page.getByTestId('snoop-session').getAttribute('data-status'), { timeout: 15_000 }).toBe('active');
    expect((await rest.listBridges()).some((bridge) => bridge.name.startsWith('listen Frank Osei'))).toBe(true);
  });

  it('O opens the dial pad; the dialed call appears in the list once answered', async () => {
    const { page } = ui;
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('o');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('dial-target');
    await page.keyboard.type(TARGET);
    await page.locator('[aria-label="Dial pad"] summary').click();
    await page.getByTestId('dial-caller-id').fill('Dial Test <555>');
    await page.getByTestId('dial-button').click();
    // Both legs of the Local channel carry the caller id; the one in the app is the console's.
    await expect.poll(() => page.locator('.call-row', { hasText: 'Dial Test' }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
  });
});
