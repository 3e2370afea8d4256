import { app, BrowserWindow, session, shell } from 'electron';
import { join } from 'node:path';
import { createBackend, profileFromEnv } from './backend-node.js';
import { bindIpc } from './ipc.js';
import { createLogger } from './log.js';
import { createSafeStorageVault } from './shell/vault.js';

const log = createLogger('shell');

// The renderer needs nothing but its own files and its own IPC.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const devServerUrl = process.env['ELECTRON_RENDERER_URL'];
const rendererFile = join(import.meta.dirname, '../renderer/index.html');

function isTrustedUrl(url: string): boolean {
  if (devServerUrl) return url.startsWith(devServerUrl);
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'file:' && decodeURIComponent(parsed.pathname).endsWith('/renderer/index.html');
  } catch {
    return false;
  }
}

function harden(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isTrustedUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser, never in the app.
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  harden();

  const builtIn = profileFromEnv(process.env);
  const { backend, dispose } = await createBackend({
    profilesFile: join(app.getPath('userData'), 'profiles.json'),
    vault: createSafeStorageVault((message) => log.warn(message)),
    builtInProfiles: builtIn ? [builtIn] : [],
    log,
  });

  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'ARI Console',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const unbind = bindIpc(backend, window, isTrustedUrl);
  window.once('ready-to-show', () => window.show());
  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  window.on('closed', () => unbind());
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => void dispose());

  if (devServerUrl) await window.loadURL(devServerUrl);
  else await window.loadFile(rendererFile);
}

main().catch((error: unknown) => {
  log.error('console failed to start', { error });
  app.exit(1);
});
