import type { ConsoleTransport } from '../../../common/client.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent when the browser host serves the page. */
    readonly consoleApi?: ConsoleTransport;
  }
}

export {};
