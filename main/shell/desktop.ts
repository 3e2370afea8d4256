import { app, Menu, nativeImage, Notification, Tray, type BrowserWindow } from 'electron';
import type { EventBatch } from '../../common/contract.js';
import type { NodeBackend } from '../backend-node.js';
import { bringForward, createIncomingWatcher, noticeOptions, noticeRequest, trayIconPng, trayView, type IncomingNotice, type TrayTone } from '../desktop.js';
import type { Logger } from '../log.js';

/**
 * The desktop app's tray icon (status and ringing count, a menu to show the
 * window or quit) and native notifications for incoming calls with Answer /
 * Decline (buttons on macOS; on Linux and Windows, where Electron shows no
 * buttons, a click brings the window up with the call selected). Decisions
 * live in main/desktop.ts; this file only talks to Electron. Answer and
 * Decline go through the same dispatcher as the page's requests, so they obey
 * the same contract.
 */
export interface Desktop {
  /** Whether a tray icon exists (some Linux desktops have no tray). */
  readonly trayAvailable: boolean;
  dispose(): void;
}

export function startDesktop(node: NodeBackend, window: BrowserWindow, log: Logger): Desktop {
  const icons = new Map<TrayTone, Electron.NativeImage>();
  const icon = (tone: TrayTone) => {
    let image = icons.get(tone);
    if (!image) icons.set(tone, (image = nativeImage.createFromBuffer(trayIconPng(tone, 32), { scaleFactor: 2 })));
    return image;
  };
  let tray: Tray | null = null;
  try {
    tray = new Tray(icon('ok'));
    tray.on('click', () => bringForward(window));
    tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: 'Show ARI Console', click: () => bringForward(window) },
        { type: 'separator' },
        { label: 'Quit', click: () => app.quit() },
      ]),
    );
  } catch (error) {
    log.warn('no tray icon on this desktop', { error });
    tray = null;
  }

  const shown = new Map<string, Notification>();
  const key = (profileId: string, channelId: string) => `${profileId}\u0000${channelId}`;
  const act = (notice: IncomingNotice, action: number | 'click') => {
    const outcome = noticeRequest(notice, action, node.settings.get().operatorEndpoint);
    if (outcome.kind === 'focus') {
      bringForward(window);
      if (!window.isDestroyed()) window.webContents.send('console.focusCall', { profileId: outcome.profileId, channelId: outcome.channelId });
      return;
    }
    void node.backend.dispatch(outcome.channel, outcome.payload).then((result) => {
      if (!result.ok) log.warn('notification action failed', { action: outcome.channel, error: result.error });
    });
  };
  const watcher = createIncomingWatcher({
    modelOf: (profileId) => node.engines.get(profileId)?.currentModel,
    nameOf: (number) => {
      const match = node.phonebook.lookup(number);
      return match ? match.contact.name || match.contact.company : '';
    },
    enabled: () => Notification.isSupported() && node.settings.get().notifications,
    show: (notice) => {
      const options = noticeOptions(notice, process.platform);
      const note = new Notification({ ...options, actions: [...options.actions], urgency: 'critical', timeoutType: 'never' });
      note.on('action', (_event, index) => act(notice, index));
      note.on('click', () => act(notice, 'click'));
      note.show();
      shown.set(key(notice.profileId, notice.channelId), note);
    },
    withdraw: (profileId, channelId) => {
      shown.get(key(profileId, channelId))?.close();
      shown.delete(key(profileId, channelId));
    },
  });

  const refreshTray = () => {
    if (!tray) return;
    const view = trayView(node.engines.statuses(), watcher.ringing());
    tray.setImage(icon(view.tone));
    tray.setToolTip(view.tooltip);
    if (process.platform === 'darwin') tray.setTitle(view.title);
  };
  refreshTray();
  const unsubscribe = node.backend.subscribe((channel, payload) => {
    if (channel === 'engine.events') watcher.onBatch(payload as EventBatch);
    if (channel === 'engine.events' || channel === 'engine.status') refreshTray();
  });

  return {
    trayAvailable: tray !== null,
    dispose() {
      unsubscribe();
      for (const note of shown.values()) note.close();
      shown.clear();
      tray?.destroy();
    },
  };
}
