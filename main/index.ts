import { app, BrowserWindow, dialog, session, shell } from 'electron';
import { join } from 'node:path';
import { createBackend, profileFromEnv, tuningFromEnv } from './backend-node.js';
import { bindIpc } from './ipc.js';
import { createLogger } from './log.js';
import { APP_ENTRY_URL } from './app-files.js';
import { registerAppScheme, serveRenderer } from './shell/app-protocol.js';
import { createElectronUpdates } from './shell/updater.js';
import { startDesktop } from './shell/desktop.js';
import { bringForward, startHidden } from './desktop.js';
import { createSafeStorageVault } from './shell/vault.js';
import { nativeSnoopConsent } from './shell/snoop-consent.js';
import { CONTENT_SECURITY_POLICY, createPageGuard, hardenContents, hardenSession } from './shell/window.js';

const log = createLogger('shell');

const devServerUrl = process.env['ELECTRON_RENDERER_URL'];
const rendererDir = join(import.meta.dirname, '../renderer');
// The built page is served as app://console/, not file:// (main/app-files.ts says why).
registerAppScheme();
const isTrustedUrl = createPageGuard(devServerUrl ?? APP_ENTRY_URL);

function harden(): void {
  hardenSession(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => {
    hardenContents(contents, isTrustedUrl, (url) => void shell.openExternal(url));
  });
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  harden();
  if (!devServerUrl) serveRenderer(rendererDir, CONTENT_SECURITY_POLICY);

  const builtIn = profileFromEnv(process.env);
  const updates = await createElectronUpdates(log);
  // Created below; the confirmation is only ever asked once the window exists.
  let consoleWindow: BrowserWindow | null = null;
  const node = await createBackend({
    profilesFile: join(app.getPath('userData'), 'profiles.json'),
    recordingsDir: join(app.getPath('userData'), 'recordings'),
    dataDir: app.getPath('userData'),
    vault: createSafeStorageVault((message) => log.warn(message)),
    builtInProfiles: builtIn ? [builtIn] : [],
    tuning: tuningFromEnv(process.env),
    log,
    updates,
    snoopConsent: nativeSnoopConsent(() => consoleWindow),
  });
  const { backend, dispose } = node;

  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'ARI Console',
    // Spelled out here, not built by a helper: electronegativity reads this
    // literal, and test/unit/electron-shell.test.ts checks what Electron gets.
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
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
      // A middle click would otherwise open a link in a new window.
      disableBlinkFeatures: 'Auxclick',
      safeDialogs: true,
      spellcheck: false,
    },
  });
  consoleWindow = window;
  const unbind = bindIpc(backend, window, isTrustedUrl);
  // Tray icon with status and ringing count, native incoming-call notifications (main/desktop.ts decides).
  const desktop = startDesktop(node, window, log);
  window.once('ready-to-show', () => {
    if (!startHidden(node.settings.get(), desktop.trayAvailable, process.argv)) window.show();
  });
  // The single-instance lock above makes a second launch land here: bring the one window forward, even from the tray.
  app.on('second-instance', () => bringForward(window));
  window.on('closed', () => {
    desktop.dispose();
    unbind();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    updates.dispose();
    void dispose();
  });

  if (devServerUrl) await window.loadURL(devServerUrl);
  else await window.loadURL(APP_ENTRY_URL);
}

main().catch((error: unknown) => {
  log.error('console failed to start', { error });
  // A desktop app that dies silently looks like one that never launched: say why.
  dialog.showErrorBox('ARI Console could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
