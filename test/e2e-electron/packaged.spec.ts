import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type * as Fuses from '@electron/fuses';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Smoke test of the packaged app, as the release workflow builds it: start
 * the real binary, look at the window a receptionist gets, talk to main
 * through the preload, read the fuses back from the binary.
 *
 * Why CDP and not Playwright's `_electron.launch`: `_electron` starts the app
 * with `--inspect=0` and drives its main process through the Node inspector,
 * and the binary we ship has the EnableNodeCliInspectArguments fuse burned
 * off, so `_electron` cannot attach to it (Playwright documents this). The
 * Chromium switch --remote-debugging-port is not a Node option and is not
 * fused, so playwright-core connects to the window over CDP instead — the
 * exact binary users install, not a test build with weaker fuses.
 *
 * Run: `npm run test:packaged` after `npm run dist` (or `dist:dir`); on Linux
 * under a display (xvfb-run). ARI_CONSOLE_PACKAGED_APP may name the
 * executable; otherwise it is looked up in release/. With no packaged app it
 * skips and says why (as it does on machines without the Electron binary).
 */

const require = createRequire(import.meta.url);

function packagedApp(): { executable: string; bundle: string } | { missing: string } {
  const override = process.env['ARI_CONSOLE_PACKAGED_APP'];
  if (override) return existsSync(override) ? { executable: override, bundle: override } : { missing: `ARI_CONSOLE_PACKAGED_APP=${override} does not exist` };
  const release = resolve('release');
  const candidates =
    process.platform === 'linux'
      ? [join(release, process.arch === 'arm64' ? 'linux-arm64-unpacked' : 'linux-unpacked', 'ari-console')]
      : process.platform === 'win32'
        ? [join(release, 'win-unpacked', 'ARI Console.exe')]
        : [join(release, process.arch === 'arm64' ? 'mac-arm64' : 'mac', 'ARI Console.app')];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const executable = candidate.endsWith('.app') ? join(candidate, 'Contents', 'MacOS', 'ARI Console') : candidate;
    return { executable, bundle: candidate };
  }
  return { missing: `no packaged app at ${candidates.join(' or ')}; build one with \`npm run dist:dir\` (needs the Electron binary)` };
}

const app = packagedApp();

/** Starts the app with a DevTools port and a throwaway profile; resolves with its CDP endpoint. */
function launch(executable: string, userData: string): Promise<{ child: ChildProcess; endpoint: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(executable, ['--remote-debugging-port=0', `--user-data-dir=${userData}`], {
      // No built-in sandbox profile, no inherited debugging knobs.
      env: { ...process.env, ARI_URL: '', ARI_USER: '', ARI_PASSWORD: '', ELECTRON_ENABLE_LOGGING: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`the app printed no DevTools address within 30 s:\n${output.slice(-2000)}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolvePromise({ child, endpoint: match[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code ?? signal}) before it opened a window:\n${output.slice(-2000)}`));
    });
  });
}

/** What the tests read in the page; `document` and `consoleApi` exist there, not in this file's types. */
interface PageGlobals {
  document: { title: string; querySelector(selector: string): { childElementCount: number; textContent: string | null } | null };
  consoleApi?: { invoke(channel: string, payload: unknown): Promise<unknown> };
  require?: unknown;
  process?: unknown;
}

describe.runIf('executable' in app)('the packaged app', () => {
  let userData = '';
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    if (!('executable' in app)) return;
    userData = mkdtempSync(join(tmpdir(), 'ari-console-smoke-'));
    const launched = await launch(app.executable, userData);
    child = launched.child;
    browser = await chromium.connectOverCDP(launched.endpoint);
    const context = browser.contexts()[0];
    if (!context) throw new Error('the app exposes no browser context');
    page = context.pages().find((candidate) => !candidate.url().startsWith('devtools:')) ?? (await context.waitForEvent('page', { timeout: 20_000 }));
    await page.waitForLoadState('load');
  }, 90_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child?.once('exit', done));
      child.kill();
      await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
    }
    if (userData) rmSync(userData, { recursive: true, force: true });
  });

  it('opens the console window, its page rendered from inside the app', async () => {
    await expect.poll(() => page.title(), { timeout: 20_000 }).toBe('ARI Console');
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelector('#app')?.childElementCount ?? 0), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(page.url()).toMatch(/^(app:\/\/console\/index\.html|file:\/\/.*app\.asar\/out\/renderer\/index\.html)/);
  });

  it('gives the page the preload bridge and nothing of Node', async () => {
    const globals = await page.evaluate(() => {
      const scope = globalThis as unknown as PageGlobals;
      return { bridge: typeof scope.consoleApi?.invoke, require: typeof scope.require, process: typeof scope.process };
    });
    expect(globals).toEqual({ bridge: 'function', require: 'undefined', process: 'undefined' });
  });

  it('answers requests from main through IPC', async () => {
    const invoke = (channel: string) => page.evaluate((name) => (globalThis as unknown as PageGlobals).consoleApi?.invoke(name, {}), channel);
    expect(await invoke('profiles.list')).toEqual({ ok: true, value: [] });
    expect(await invoke('update.get')).toMatchObject({ ok: true, value: { state: { status: expect.any(String) } } });
    expect(await invoke('no.such.channel')).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });

  it('refuses eval under its Content-Security-Policy', async () => {
    const outcome = await page.evaluate(() => {
      try {
        // The point: the page's CSP must refuse eval.
        return String((0, eval)('"evaluated"'));
      } catch (error) {
        return (error as Error).name;
      }
    });
    expect(outcome).toBe('EvalError');
  });

  it('reloads without a console error or an uncaught exception', async () => {
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.reload({ waitUntil: 'load' });
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelector('#app')?.childElementCount ?? 0), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('carries the fuses electron-builder.config.cjs burns', async () => {
    if (!('bundle' in app)) throw new Error('no packaged app');
    const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses') as typeof Fuses;
    const wire = await getCurrentFuseWire(app.bundle);
    const config = require(resolve('electron-builder.config.cjs')) as { electronFuses: Record<string, boolean> };
    const names: Record<string, number> = {
      runAsNode: FuseV1Options.RunAsNode,
      enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
      enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
      enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
      enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
      onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
      loadBrowserProcessSpecificV8Snapshot: FuseV1Options.LoadBrowserProcessSpecificV8Snapshot,
      grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
    };
    const burned = Object.fromEntries(Object.entries(names).map(([name, index]) => [name, (wire as unknown as Record<number, number>)[index] === 0x31]));
    expect(burned).toEqual(config.electronFuses);
  });
});

describe.runIf('missing' in app)('the packaged app (not here)', () => {
  if ('missing' in app) console.warn(`[packaged] skipped: ${app.missing}`);
  it.skip(`skipped: ${'missing' in app ? app.missing : ''}`, () => undefined);
});
