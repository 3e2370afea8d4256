import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { createBackend, type NodeBackend } from '../../main/backend-node.js';
import { startBrowserHost, type BrowserHost } from '../../main/browser-host/server.js';
import { silentLogger } from '../../main/log.js';
import { sandboxProfile, sweepPbx, waitFor, world } from '../integration/harness.js';

/**
 * The console as a receptionist meets it: the real main side connected to
 * the test PBX, the browser host serving the production build, and Debian's
 * Chromium driven by playwright-core. Helpers name what a person sees.
 */

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
export const SCREENSHOTS = resolve('docs/screenshots');

export interface ConsoleUnderTest {
  readonly node: NodeBackend;
  readonly host: BrowserHost;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly app: string;
  readonly profileId: string;
  /** Where session recordings are written. */
  readonly recordings: string;
  close(): Promise<void>;
}

/**
 * Hangs up every channel and removes every bridge the PBX still has from
 * earlier tests (integration tests leave calls behind): a spec starts from a
 * quiet PBX, as a receptionist's morning does, and its calls are the ones on
 * screen rather than below the fold of a long list.
 */
async function quietPbx(): Promise<void> {
  const rest = await world();
  try {
    await sweepPbx(rest);
  } finally {
    rest.close();
  }
}

export async function openConsole(colorScheme: 'light' | 'dark' = 'light'): Promise<ConsoleUnderTest> {
  await quietPbx();
  const profile = sandboxProfile({ id: 'e2e', name: 'Front desk' });
  const recordings = mkdtempSync(join(tmpdir(), 'ari-console-recordings-'));
  const node = await createBackend({ builtInProfiles: [profile], log: silentLogger, recordingsDir: recordings });
  const host = await startBrowserHost({ backend: node.backend, rendererDir: join(inject('consoleBuild'), 'renderer'), logger: silentLogger });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme, deviceScaleFactor: 1 });
  // Well inside the test timeout, so a stuck step fails naming its locator.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(host.url);
  await page.getByTestId('supervisor').locator('.label', { hasText: /^Live$/ }).waitFor({ timeout: 30_000 });
  return {
    node,
    host,
    browser,
    context,
    page,
    app: profile.app,
    profileId: profile.id,
    recordings,
    async close() {
      await browser.close().catch(() => undefined);
      await host.close();
      await node.dispose();
      rmSync(recordings, { recursive: true, force: true });
      // A page that logged errors (CSP refusals, exceptions) fails the run that produced them.
      expect(problems).toEqual([]);
    },
  };
}

export const supervisorText = (page: Page) => page.getByTestId('supervisor').locator('.label').textContent();

/** A call's row in the call list. */
export const row = (page: Page, channelId: string): Locator => page.locator(`.call-row[data-channel-id="${channelId}"]`);

/** A call's card on the bridge board. */
export const chip = (page: Page, channelId: string): Locator => page.getByTestId('bridge-board').locator(`.chip[data-channel-id="${channelId}"]`);

export const control = (page: Page, id: string): Locator => page.locator(`[data-control="${id}"]`);

export const detailState = (page: Page) => page.getByTestId('detail-state').textContent();

/** Waits for a condition on the main side (the PBX's events reaching the engine). */
export { waitFor };

/**
 * What to look at when a step fails: the page as it was, and what main's
 * model held at that moment (so a page that fell behind main is told apart
 * from a PBX that never sent the event). Written under test-results/.
 */
export async function diagnose(ui: ConsoleUnderTest, name: string): Promise<string> {
  const dir = resolve('test-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
  await ui.page.screenshot({ path: file }).catch(() => undefined);
  const engine = ui.node.engines.require(ui.profileId);
  const rows = await ui.page
    .locator('.call-row')
    .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-channel-id')))
    .catch(() => []);
  return `screenshot ${file}; main: ${JSON.stringify(engine.status().supervisor)}, channels ${[...engine.currentModel.channels.keys()].join(' ')}; page rows: ${rows.join(' ')}; strip: ${await ui.page.getByTestId('banner').textContent().catch(() => '?')}`;
}

/** Saves `<name>-light.png` and `<name>-dark.png`: the same moment under both OS preferences. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // Let the new palette paint before capturing.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(null)))));
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
