import { app } from 'electron';
import electronUpdater from 'electron-updater';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { APP_VERSION, createUpdateController, describeUpdateError, fixedUpdateService, type UpdateService } from '../updates.js';

/**
 * electron-updater behind the pure update machine (common/update.ts). The
 * feed comes from the build (app-update.yml, written by electron-builder when
 * ARI_CONSOLE_UPDATE_PROVIDER was set), the on/off setting from the operator
 * (updates.json in the user data folder).
 */
export async function createElectronUpdates(log: Logger): Promise<UpdateService> {
  const version = APP_VERSION;
  if (!app.isPackaged) return fixedUpdateService('not-packaged', version);
  if (!existsSync(join(process.resourcesPath, 'app-update.yml'))) return fixedUpdateService('no-feed', version);
  // On Linux only an AppImage replaces itself, and a deb updates through the
  // package manager (package-type is written into deb builds); an unpacked
  // folder or a repackaged build cannot.
  if (process.platform === 'linux' && !process.env['APPIMAGE'] && !existsSync(join(process.resourcesPath, 'package-type'))) {
    return fixedUpdateService('unsupported', version);
  }

  const { autoUpdater } = electronUpdater;
  autoUpdater.autoDownload = true;
  autoUpdater.allowPrerelease = false;
  autoUpdater.allowDowngrade = false;
  autoUpdater.logger = {
    info: (message?: unknown) => log.debug(`updater: ${String(message)}`),
    warn: (message?: unknown) => log.warn(`updater: ${String(message)}`),
    error: (message?: unknown) => log.debug(`updater: ${String(message)}`), // reported once, through the state machine
  };

  const controller = await createUpdateController({
    currentVersion: version,
    settingsFile: join(app.getPath('userData'), 'updates.json'),
    log,
    port: {
      // The rejection is also emitted as 'error', which feeds the machine once.
      check: () => void autoUpdater.checkForUpdates().catch(() => undefined),
      installOnQuit: (enabled) => {
        autoUpdater.autoInstallOnAppQuit = enabled;
      },
      // Silent installer, then start the new version.
      quitAndInstall: () => autoUpdater.quitAndInstall(true, true),
    },
  });
  autoUpdater.on('update-available', (info) => controller.feed({ type: 'update-available', version: info.version }));
  autoUpdater.on('update-not-available', () => controller.feed({ type: 'up-to-date' }));
  autoUpdater.on('download-progress', (progress) => controller.feed({ type: 'download-progress', percent: progress.percent }));
  autoUpdater.on('update-downloaded', (event) => controller.feed({ type: 'downloaded', version: event.version }));
  autoUpdater.on('error', (error) => controller.feed({ type: 'failed', message: describeUpdateError(error) }));
  return controller;
}
