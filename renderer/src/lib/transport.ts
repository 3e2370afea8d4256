import type { ConsoleTransport } from '../../../common/client.js';
import { HOST_TOKEN_HASH_PARAM, HOST_WS_PATH, isValidHostToken } from '../../../common/host-protocol.js';
import { createWebSocketTransport, type SocketFactory, type WebSocketTransport } from './ws-transport.js';

/**
 * Electron's preload transport when there is one, otherwise the browser
 * host's WebSocket. The host hands the token over in the URL fragment; it is
 * kept for this tab only (so a reload still works) and wiped from the
 * address bar so it does not end up in screenshots or shared links.
 */
export type TransportChoice =
  | { readonly kind: 'electron'; readonly transport: ConsoleTransport }
  | { readonly kind: 'host'; readonly transport: WebSocketTransport }
  | { readonly kind: 'no-token' };

const TOKEN_KEY = 'ari-console.host-token';

const browserSocket: SocketFactory = (url, protocols, handlers) => {
  const socket = new WebSocket(url, protocols);
  socket.onopen = () => handlers.open();
  socket.onmessage = (event) => handlers.message(event.data);
  socket.onclose = () => handlers.close();
  // An error is always followed by close, which does the work.
  socket.onerror = () => {};
  return { send: (text) => socket.send(text), close: () => socket.close() };
};

function takeToken(): string | null {
  const params = new URLSearchParams(location.hash.slice(1));
  const fromHash = params.get(HOST_TOKEN_HASH_PARAM);
  if (fromHash !== null) {
    params.delete(HOST_TOKEN_HASH_PARAM);
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    if (isValidHostToken(fromHash)) {
      try {
        sessionStorage.setItem(TOKEN_KEY, fromHash);
      } catch {
        // Storage may be disabled; the token still works until a reload.
      }
      return fromHash;
    }
  }
  let stored: string | null = null;
  try {
    stored = sessionStorage.getItem(TOKEN_KEY);
  } catch {
    stored = null;
  }
  return isValidHostToken(stored) ? stored : null;
}

export function chooseTransport(): TransportChoice {
  if (window.consoleApi) return { kind: 'electron', transport: window.consoleApi };
  const token = takeToken();
  if (token === null) return { kind: 'no-token' };
  const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${HOST_WS_PATH}`;
  return { kind: 'host', transport: createWebSocketTransport({ url, token, connect: browserSocket }) };
}
