import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { REQUEST_CHANNELS, type Result } from '../../common/contract.js';
import { CONTENT_SECURITY_POLICY, createPageGuard, isExternalLink } from '../../main/shell/window.js';

/**
 * Electron's security checklist, checked against what main/index.ts really
 * hands Electron: electron is replaced by recording fakes (the binary cannot
 * run here), main/index.ts runs its whole start-up against them, and the
 * tests inspect the window options, session handlers, navigation guards and
 * IPC handlers it installed.
 */

type Listener = (...args: unknown[]) => unknown;

const fake = vi.hoisted(() => {
  const on = (store: Map<string, Listener[]>) => (event: string, listener: Listener) => {
    store.set(event, [...(store.get(event) ?? []), listener]);
  };
  const appListeners = new Map<string, Listener[]>();
  const windowContents = { id: 1, send: vi.fn(), isDestroyed: () => false };
  const windows: { options: Record<string, unknown>; loaded: string[] }[] = [];
  const session = {
    permissionRequest: null as Listener | null,
    permissionCheck: null as Listener | null,
    devicePermission: null as Listener | null,
    headers: null as Listener | null,
  };
  const ipcHandlers = new Map<string, Listener>();
  return {
    appListeners,
    windowContents,
    windows,
    session,
    ipcHandlers,
    openExternal: vi.fn(async (_url: string) => undefined),
    exit: vi.fn((_code: number) => undefined),
    userData: '',
    module: {
      app: {
        requestSingleInstanceLock: () => true,
        whenReady: async () => undefined,
        quit: vi.fn(),
        exit: (code: number) => fake.exit(code),
        getPath: () => fake.userData,
        on: on(appListeners),
      },
      BrowserWindow: class {
        readonly webContents = windowContents;
        constructor(options: Record<string, unknown>) {
          windows.push({ options, loaded: [] });
        }
        once() {}
        on() {}
        show() {}
        isMinimized = () => false;
        isDestroyed = () => false;
        async loadFile(file: string) {
          windows.at(-1)?.loaded.push(file);
        }
        async loadURL(url: string) {
          windows.at(-1)?.loaded.push(url);
        }
      },
      session: {
        defaultSession: {
          setPermissionRequestHandler: (handler: Listener) => (session.permissionRequest = handler),
          setPermissionCheckHandler: (handler: Listener) => (session.permissionCheck = handler),
          setDevicePermissionHandler: (handler: Listener) => (session.devicePermission = handler),
          webRequest: { onHeadersReceived: (handler: Listener) => (session.headers = handler) },
        },
      },
      shell: { openExternal: (url: string) => fake.openExternal(url) },
      // For a shell that serves the renderer over a custom scheme (app://console/).
      protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
      ipcMain: {
        handle: (channel: string, handler: Listener) => ipcHandlers.set(channel, handler),
        removeHandler: (channel: string) => ipcHandlers.delete(channel),
      },
      safeStorage: {
        isEncryptionAvailable: () => false,
        getSelectedStorageBackend: () => 'basic_text',
        encryptString: () => Buffer.alloc(0),
        decryptString: () => '',
      },
    },
  };
});

vi.mock('electron', () => ({ ...fake.module, default: fake.module }));

/** The page the window loaded, as a URL: a file path (loadFile) or a URL (loadURL). */
let ownPage = '';

beforeAll(async () => {
  fake.userData = mkdtempSync(join(tmpdir(), 'shell-'));
  for (const name of ['ARI_URL', 'ARI_USER', 'ARI_PASSWORD', 'ELECTRON_RENDERER_URL']) delete process.env[name];
  process.env['CONSOLE_LOG_LEVEL'] = 'error';
  await import('../../main/index.js');
  await vi.waitFor(() => expect(fake.windows[0]?.loaded.length).toBe(1));
  expect(fake.exit).not.toHaveBeenCalled();
  const loaded = fake.windows[0]?.loaded[0] ?? '';
  ownPage = /^[a-z][a-z0-9+.-]*:/i.test(loaded) ? loaded : pathToFileURL(loaded).href;
});

function contentsHooks() {
  const listeners = new Map<string, Listener[]>();
  let openHandler: Listener | null = null;
  const contents = {
    on: (event: string, listener: Listener) => listeners.set(event, [...(listeners.get(event) ?? []), listener]),
    setWindowOpenHandler: (handler: Listener) => (openHandler = handler),
  };
  for (const listener of fake.appListeners.get('web-contents-created') ?? []) listener({}, contents);
  const prevented = (event: string, url: string): boolean => {
    const preventDefault = vi.fn();
    for (const listener of listeners.get(event) ?? []) listener({ preventDefault, url }, url);
    return preventDefault.mock.calls.length > 0;
  };
  return { listeners, prevented, open: (url: string) => openHandler?.({ url, frameName: '', features: '', disposition: 'new-window' }) };
}

describe('the window', () => {
  it('is sandboxed and isolated, with no Node, no webviews and no insecure content', () => {
    const prefs = fake.windows[0]?.options['webPreferences'] as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    });
    expect(prefs['enableBlinkFeatures']).toBeUndefined();
    expect(String(prefs['preload'])).toMatch(/preload[\\/]index\.cjs$/);
    // The built renderer, from disk or the app's own scheme; never a remote page.
    expect(ownPage).toMatch(/^(file:\/\/.*\/renderer\/index\.html|app:\/\/console\/)/);
  });

  it('gets a strict Content-Security-Policy on every response', () => {
    const callback = vi.fn();
    fake.session.headers?.({ responseHeaders: { 'X-Other': ['kept'] } }, callback);
    const headers = callback.mock.calls[0]?.[0].responseHeaders as Record<string, string[]>;
    expect(headers['X-Other']).toEqual(['kept']);
    const csp = headers['Content-Security-Policy']?.[0] ?? '';
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    const directives = Object.fromEntries(csp.split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe|\*|http:|https:|blob:/);
  });

  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      fake.session.permissionRequest?.({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(fake.session.permissionCheck?.({}, permission, ownPage, {})).toBe(false);
    }
    expect(fake.session.devicePermission?.({ deviceType: 'hid', origin: ownPage })).toBe(false);
  });
});

describe('navigation and new windows', () => {
  it('allows the console page itself and blocks every other navigation or redirect', () => {
    const { prevented } = contentsHooks();
    expect(prevented('will-navigate', ownPage)).toBe(false);
    expect(prevented('will-navigate', `${ownPage}#/calls`)).toBe(false);
    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:8088/ari/api-docs/resources.json',
      // Another file that merely has the same name was trusted before: never again.
      'file:///tmp/evil/renderer/index.html',
      pathToFileURL(resolve('renderer/other.html')).href,
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'not a url',
    ]) {
      expect(prevented('will-navigate', url), url).toBe(true);
      expect(prevented('will-redirect', url), url).toBe(true);
    }
  });

  it('refuses webviews', () => {
    const { prevented } = contentsHooks();
    expect(prevented('will-attach-webview', 'https://example.com')).toBe(true);
  });

  it('denies window.open; only a plain https link goes to the user browser', () => {
    const { open } = contentsHooks();
    fake.openExternal.mockClear();
    for (const url of ['https://docs.asterisk.org/', 'file:///etc/passwd', 'smb://host/share', 'http://example.com', 'https://user:pw@example.com/', 'ms-settings:']) {
      expect(open(url)).toEqual({ action: 'deny' });
    }
    expect(fake.openExternal.mock.calls).toEqual([['https://docs.asterisk.org/']]);
  });
});

describe('IPC', () => {
  const trustedEvent = () => ({ sender: fake.windowContents, senderFrame: { url: ownPage, parent: null } });

  it('has a handler for every contract channel, and only those', () => {
    expect([...fake.ipcHandlers.keys()].sort()).toEqual([...REQUEST_CHANNELS].sort());
  });

  it('answers the console page', async () => {
    const result = (await fake.ipcHandlers.get('profiles.list')?.(trustedEvent(), {})) as Result<unknown>;
    expect(result).toEqual({ ok: true, value: [] });
  });

  it.each([
    ['a foreign page in the window', () => ({ sender: fake.windowContents, senderFrame: { url: 'https://evil.example/', parent: null } })],
    ['an iframe of the console page', () => ({ sender: fake.windowContents, senderFrame: { url: ownPage, parent: { url: ownPage } } })],
    ['another web contents', () => ({ sender: { id: 2 }, senderFrame: { url: ownPage, parent: null } })],
    ['a frame that is gone', () => ({ sender: fake.windowContents, senderFrame: null })],
    ['a look-alike file', () => ({ sender: fake.windowContents, senderFrame: { url: 'file:///tmp/x/renderer/index.html', parent: null } })],
  ])('refuses %s on every channel, before parsing anything', async (_what, event) => {
    for (const channel of REQUEST_CHANNELS) {
      const result = (await fake.ipcHandlers.get(channel)?.(event(), { profileId: 'x' })) as Result<unknown>;
      expect(result, channel).toEqual({ ok: false, error: { code: 'forbidden', message: 'Requests are only accepted from the console window.' } });
    }
  });
});

describe('the page guard', () => {
  it('compares a dev server by scheme and host, never by string prefix', () => {
    const trusted = createPageGuard('http://localhost:5173');
    expect(trusted('http://localhost:5173/')).toBe(true);
    expect(trusted('http://localhost:5173/src/main.ts?x=1')).toBe(true);
    expect(trusted('http://localhost:5173.evil.test/')).toBe(false);
    expect(trusted('http://localhost:51730/')).toBe(false);
    expect(trusted('http://evil@localhost:5173/')).toBe(false);
    expect(trusted('https://localhost:5173/')).toBe(false);
  });

  it('accepts a custom app scheme by host only', () => {
    const trusted = createPageGuard('app://console/index.html');
    expect(trusted('app://console/index.html#/calls')).toBe(true);
    expect(trusted('app://other/index.html')).toBe(false);
    expect(trusted('file:///index.html')).toBe(false);
  });

  it('lets only plain https links leave', () => {
    expect(isExternalLink('https://example.com/a?b#c')).toBe(true);
    for (const url of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'https://a:b@example.com', '']) expect(isExternalLink(url), url).toBe(false);
  });
});

describe('what ships', () => {
  it('uses no remote module anywhere', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, string> | undefined>;
    expect({ ...pkg['dependencies'], ...pkg['devDependencies'] }).not.toHaveProperty('@electron/remote');
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? sources(path) : /\.(ts|svelte|js|cjs|mjs)$/.test(name) ? [path] : [];
      });
    for (const file of ['main', 'preload', 'renderer', 'common'].flatMap(sources)) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/@electron\/remote|enableRemoteModule|require\(['"]electron['"]\)\.remote/);
    }
  });

  // The fuses are checked, every one of them, in builder-config.test.ts.
});
