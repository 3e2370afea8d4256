import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * The Electron shell with Playwright's `_electron`, on the development binary
 * of node_modules/electron (the packaged binary has the inspector fuse burned
 * off; test/e2e-electron/packaged.spec.ts covers that one over CDP). Here the
 * build under test is the e2e project's production build.
 *
 * Where there is no Electron binary (its postinstall download needs a network
 * this machine may not have) or no display, the suite is skipped and its name
 * says why, so a skip is never mistaken for a pass.
 */

function electronBinary(): { executable: string } | { missing: string } {
  const dir = resolve('node_modules/electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return { missing: 'no Electron binary (node_modules/electron/path.txt is missing: its download did not happen on this machine)' };
  const executable = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  if (!existsSync(executable)) return { missing: `no Electron binary at ${executable}` };
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) return { missing: 'no display: run under xvfb-run to include the Electron shell' };
  return { executable };
}

const binary = electronBinary();
const title = 'missing' in binary ? `the Electron shell — skipped: ${binary.missing}` : 'the Electron shell';
if ('missing' in binary) process.stdout.write(`[e2e] Skipping the Electron shell spec: ${binary.missing}\n`);

interface PageGlobals {
  consoleApi?: { invoke(channel: string, payload: unknown): Promise<unknown>; on: unknown };
  require?: unknown;
  process?: unknown;
  module?: unknown;
}

describe.runIf('executable' in binary)(title, () => {
  let app: ElectronApplication | undefined;
  let page: Page;
  let userData = '';

  beforeAll(async () => {
    if (!('executable' in binary)) return;
    userData = mkdtempSync(join(tmpdir(), 'ari-console-shell-'));
    app = await _electron.launch({
      executablePath: binary.executable,
      args: [join(inject('consoleBuild'), 'main/index.js'), `--user-data-dir=${userData}`],
      // No built-in profile: the window must open without a PBX.
      env: { ...process.env, ARI_URL: '', ARI_USER: '', ARI_PASSWORD: '' },
    });
    page = await app.firstWindow();
    await page.waitForLoadState('load');
  }, 90_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    if (userData) rmSync(userData, { recursive: true, force: true });
  });

  it('opens the console window', async () => {
    await expect.poll(() => page.title(), { timeout: 20_000 }).toBe('ARI Console');
    await page.locator('#app > *').first().waitFor({ timeout: 20_000 });
  });

  it('gives the page the preload API and nothing of Node', async () => {
    const globals = await page.evaluate(() => {
      const scope = globalThis as unknown as PageGlobals;
      return { invoke: typeof scope.consoleApi?.invoke, on: typeof scope.consoleApi?.on, require: typeof scope.require, process: typeof scope.process, module: typeof scope.module };
    });
    expect(globals).toEqual({ invoke: 'function', on: 'function', require: 'undefined', process: 'undefined', module: 'undefined' });
    const answer = await page.evaluate(() => (globalThis as unknown as PageGlobals).consoleApi?.invoke('profiles.list', {}));
    expect(answer).toMatchObject({ ok: true });
  });
});
