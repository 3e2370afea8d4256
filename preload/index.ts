import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ConsoleTransport } from '../common/client.js';
import { isEventChannel, isRequestChannel } from '../common/contract.js';

/**
 * The page gets a transport, never ipcRenderer itself: only contract channels
 * pass, and listeners see the payload but not the IpcRendererEvent (whose
 * `sender` would hand the page ipcRenderer back). The typed client is built
 * in the renderer with createConsoleClient(window.consoleApi).
 */
const transport: ConsoleTransport = {
  invoke(channel, payload) {
    // Answer in the contract's Result shape so the client raises a coded ConsoleError.
    if (!isRequestChannel(channel)) return Promise.resolve({ ok: false, error: { code: 'unknown_channel', message: `No such request: ${String(channel)}` } });
    return ipcRenderer.invoke(channel, payload);
  },
  on(channel, listener) {
    if (!isEventChannel(channel)) throw new Error(`No such event: ${String(channel)}`);
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, forward);
    return () => void ipcRenderer.removeListener(channel, forward);
  },
};

contextBridge.exposeInMainWorld('consoleApi', transport);
