import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { REQUEST_CHANNELS, type Result } from '../common/contract.js';
import type { ConsoleBackend } from './backend.js';

/**
 * Binds every contract channel to the backend's dispatcher, after checking
 * that the message comes from the console's own page in its top frame
 * (Electron Fiddle's rule): an injected iframe or a navigated-away page gets
 * `forbidden`, not an answer.
 */
export function bindIpc(backend: ConsoleBackend, window: BrowserWindow, isTrustedUrl: (url: string) => boolean): () => void {
  const trusted = (event: IpcMainInvokeEvent) => {
    const frame = event.senderFrame;
    return event.sender === window.webContents && frame !== null && frame.parent === null && isTrustedUrl(frame.url);
  };
  for (const channel of REQUEST_CHANNELS) {
    ipcMain.handle(channel, async (event, payload: unknown): Promise<Result<unknown>> => {
      if (!trusted(event)) return { ok: false, error: { code: 'forbidden', message: 'Requests are only accepted from the console window.' } };
      return backend.dispatch(channel, payload);
    });
  }
  const unsubscribe = backend.subscribe((channel, payload) => {
    if (!window.isDestroyed()) window.webContents.send(channel, payload);
  });
  return () => {
    unsubscribe();
    for (const channel of REQUEST_CHANNELS) ipcMain.removeHandler(channel);
  };
}
