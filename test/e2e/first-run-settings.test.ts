import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createBackend, type NodeBackend } from '../../main/backend-node.js';
import { startBrowserHost, type BrowserHost } from '../../main/browser-host/server.js';
import { silentLogger } from '../../main/log.js';
import { createUpdateController, type UpdateController } from '../../main/updates.js';
import { CHROMIUM, CHROMIUM_ARGS } from './console-page.js';

/**
 * What Connections tells an operator about the desktop itself, in Chromium,
 * with only a built-in profile to a PBX that is not there (no PBX needed):
 * - automatic updates: the switch (saved by main in updates.json) and the
 *   "update ready — restart" notice, whose button reaches electron-updater's
 *   quitAndInstall. The updater is main's real controller over a recording
 *   port, fed what electron-updater would report;
 * - a computer with no keychain (main's memory-only vault, as on Linux
 *   without libsecret): a save is refused with the reason and the page asks
 *   whether to store the password unencrypted; "only for this run" keeps it in
 *   memory (the profile says so), only "Store unencrypted" writes it.
 */
describe('first run: updates and where the password lives', () => {
  const calls: string[] = [];
  let dir: string;
  let updates: UpdateController;
  let node: NodeBackend;
  let host: BrowserHost;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const PASSWORD = 'no-keychain-pass-7781';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ari-console-updates-'));
    updates = await createUpdateController({
      port: {
        check: () => void calls.push('check'),
        installOnQuit: (enabled) => void calls.push(`install-on-quit:${enabled}`),
        quitAndInstall: () => void calls.push('quit-and-install'),
      },
      currentVersion: '1.0.0',
      settingsFile: join(dir, 'updates.json'),
    });
    // A built-in profile (from ARI_URL…) lives in memory too, but its password comes from the environment: no note for it.
    node = await createBackend({
      log: silentLogger,
      updates,
      profilesFile: join(dir, 'profiles.json'),
      builtInProfiles: [{ id: 'env', name: 'From the environment', baseUrl: 'http://127.0.0.1:9', username: 'console', password: 'env-pass', app: 'console', subscribeAll: true }],
    });
    host = await startBrowserHost({ backend: node.backend, rendererDir: join(inject('consoleBuild'), 'renderer'), logger: silentLogger });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(host.url);
    await page.locator('#tab-connections').click();
    await page.getByTestId('update-settings').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await host?.close();
    await node?.dispose();
    updates?.dispose();
    rmSync(dir, { recursive: true, force: true });
    expect(problems).toEqual([]);
  });

  it('shows the version and the switch; turning it off is saved by main and said in words, and back on', async () => {
    const toggle = page.getByTestId('update-enabled');
    const state = page.getByTestId('update-state');
    expect(await toggle.isChecked()).toBe(true);
    expect(await toggle.isEnabled()).toBe(true);
    await expect.poll(() => state.textContent()).toMatch(/^Version 1\.0\.0\. Automatic updates are on/);
    await toggle.uncheck();
    await expect.poll(() => state.textContent()).toBe('Version 1.0.0. Automatic updates are turned off.');
    expect(JSON.parse(readFileSync(join(dir, 'updates.json'), 'utf8'))).toEqual({ enabled: false });
    expect(updates.status().enabled).toBe(false);
    await toggle.check();
    await expect.poll(() => updates.status().enabled).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'updates.json'), 'utf8'))).toEqual({ enabled: true });
  });

  it('says nothing while an update downloads, then "update ready — restart"; Restart now runs the installer', async () => {
    const notice = page.getByTestId('update-notice');
    updates.feed({ type: 'update-available', version: '1.1.0' });
    updates.feed({ type: 'download-progress', percent: 40 });
    await expect.poll(() => page.getByTestId('update-state').textContent()).toBe('Version 1.0.0. Downloading version 1.1.0 (40 %).');
    expect(await notice.count()).toBe(0);
    updates.feed({ type: 'downloaded', version: '1.1.0' });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Update ready — restart to use version 1.1.0.');
    expect(calls).not.toContain('quit-and-install');
    await page.getByTestId('update-restart').click();
    await expect.poll(() => calls.filter((call) => call === 'quit-and-install').length).toBe(1);
  });

  it('"Later" hides the notice for that version only', async () => {
    await page.getByTestId('update-later').click();
    expect(await page.getByTestId('update-notice').count()).toBe(0);
  });

  it('without a keychain: a save asks before storing the password unencrypted, and keeps it for this run only when told so', async () => {
    const fill = async () => {
      await page.getByTestId('wizard-name').fill('No keychain');
      // Nothing listens on port 9: the engine just retries in the background.
      await page.getByTestId('wizard-url').fill('http://127.0.0.1:9');
      await page.getByTestId('wizard-user').fill('console');
      await page.getByTestId('wizard-password').fill(PASSWORD);
      await page.getByTestId('wizard-app').fill('console');
      await page.getByTestId('wizard-save').click();
    };
    const question = page.getByRole('alertdialog', { name: 'Store the password unencrypted on this computer?' });
    const profilesFile = () => readFileSync(join(dir, 'profiles.json'), 'utf8');
    await page.getByRole('button', { name: 'New profile' }).click();
    await fill();
    await question.waitFor();
    expect(await question.textContent()).toContain('cannot be encrypted on this computer (this console has no keychain to encrypt it with)');
    // The safe answer has the focus: Enter keeps the password for this run, never in the clear.
    await page.keyboard.press('Enter');
    const note = page.getByTestId('profile-vault');
    await expect.poll(() => note.count()).toBe(1);
    await expect.poll(() => note.textContent()).toContain('no keychain to encrypt the password: it is kept for this run only');
    expect(await question.count()).toBe(0);
    expect(profilesFile()).not.toContain(PASSWORD);

    await page.getByRole('button', { name: 'Edit' }).click();
    await fill();
    await question.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('wizard-error').textContent()).toContain('Not saved');
    expect(profilesFile()).not.toContain(PASSWORD);

    await page.getByTestId('wizard-save').click();
    await question.getByRole('button', { name: 'Store unencrypted' }).click();
    await expect.poll(() => note.textContent()).toContain('Password stored unencrypted in the profiles file');
    expect(profilesFile()).toContain(PASSWORD);
  });

  it('opening another profile while the question shows cancels that save without writing "Not saved" on the new form', async () => {
    const question = page.getByRole('alertdialog', { name: 'Store the password unencrypted on this computer?' });
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByTestId('wizard-password').fill('another-pass-3390');
    await page.getByTestId('wizard-save').click();
    await question.waitFor();
    await page.getByRole('button', { name: 'New profile' }).click();
    await expect.poll(() => question.count()).toBe(0);
    // Let the cancelled save's continuation and the page's next update run before looking.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
    expect(await page.getByTestId('wizard-name').inputValue()).not.toBe('No keychain');
    expect(await page.getByTestId('wizard-error').count()).toBe(0);
    expect(readFileSync(join(dir, 'profiles.json'), 'utf8')).not.toContain('another-pass-3390');
  });
});
