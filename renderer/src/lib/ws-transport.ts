import type { ConsoleTransport } from '../../../common/client.js';
import type { ErrorCode } from '../../../common/errors.js';
import { HOST_MAX_REQUEST_BYTES, HOST_SUBPROTOCOL, hostServerMessageSchema, tokenSubprotocol } from '../../../common/host-protocol.js';
import type { HostLink } from './console-store.js';

/**
 * The browser host's side of ConsoleTransport: the contract over one
 * WebSocket that reconnects by itself. Listeners live here, not on the
 * socket, so they survive reconnects; the server pushes every event to every
 * authenticated socket, so there is nothing to resubscribe on the wire. What
 * was missed while down is the store's business (it resyncs on 'open').
 */

/** What the transport needs from a socket; the browser's WebSocket and the ws package both fit. */
export interface SocketHandlers {
  open(): void;
  message(data: unknown): void;
  close(): void;
}

export interface HostSocket {
  send(text: string): void;
  close(): void;
}

export type SocketFactory = (url: string, protocols: string[], handlers: SocketHandlers) => HostSocket;

export interface WebSocketTransportOptions {
  /** ws://127.0.0.1:PORT/ipc */
  readonly url: string;
  readonly token: string;
  readonly connect: SocketFactory;
  /** Delay before reconnect attempt n is backoffMs[n-1], the last entry repeating. */
  readonly backoffMs?: readonly number[];
  /** A request without an answer by then resolves as a timeout. */
  readonly requestTimeoutMs?: number;
  readonly now?: () => number;
}

export interface WebSocketTransport extends ConsoleTransport {
  readonly link: HostLink;
  onLink(listener: (link: HostLink) => void): () => void;
  close(): void;
}

const DEFAULT_BACKOFF_MS = [250, 500, 1000, 2000, 4000, 5000] as const;

interface PendingRequest {
  readonly text: string;
  readonly resolve: (result: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  sent: boolean;
}

// Answers in the contract's Result shape so createConsoleClient raises a coded ConsoleError.
const failure = (code: ErrorCode, message: string) => ({ ok: false, error: { code, message } }) as const;

function utf8Length(text: string): number {
  // Cheap bound first: no UTF-16 unit takes more than 3 bytes in UTF-8.
  return text.length * 3 <= HOST_MAX_REQUEST_BYTES ? text.length : new TextEncoder().encode(text).byteLength;
}

export function createWebSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const now = options.now ?? Date.now;
  const protocols = [HOST_SUBPROTOCOL, tokenSubprotocol(options.token)];

  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const linkListeners = new Set<(link: HostLink) => void>();
  const pending = new Map<number, PendingRequest>();
  let link: HostLink = { state: 'connecting', attempt: 1 };
  let socket: HostSocket | null = null;
  let isOpen = false;
  let failures = 0;
  let nextId = 1;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const setLink = (next: HostLink): void => {
    link = next;
    for (const listener of [...linkListeners]) listener(next);
  };

  const sendPending = (request: PendingRequest): void => {
    if (!socket || !isOpen || request.sent) return;
    request.sent = true;
    socket.send(request.text);
  };

  const onMessage = (data: unknown): void => {
    if (typeof data !== 'string') return;
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = hostServerMessageSchema.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if ('id' in message) {
      const request = pending.get(message.id);
      if (!request) return;
      pending.delete(message.id);
      clearTimeout(request.timer);
      request.resolve(message.result);
      return;
    }
    for (const listener of [...(listeners.get(message.event) ?? [])]) {
      try {
        listener(message.payload);
      } catch (error) {
        // One broken view must not starve the others of events.
        console.error(`Listener for ${message.event} failed`, error);
      }
    }
  };

  const open = (): void => {
    const attempt = failures + 1;
    setLink({ state: 'connecting', attempt });
    let mine: HostSocket | null = null;
    // Handlers check they still belong to the current socket: a late close
    // from a replaced one must not tear down its successor.
    const current = () => mine !== null && socket === mine;
    mine = options.connect(options.url, protocols, {
      open() {
        if (!current()) return;
        isOpen = true;
        failures = 0;
        setLink({ state: 'open' });
        for (const request of pending.values()) sendPending(request);
      },
      message(data) {
        if (current()) onMessage(data);
      },
      close() {
        if (!current()) return;
        socket = null;
        isOpen = false;
        // Sent requests may or may not have run; saying so beats waiting for a timeout.
        for (const [id, request] of pending) {
          if (!request.sent) continue;
          pending.delete(id);
          clearTimeout(request.timer);
          request.resolve(failure('unavailable', 'The link to the console host dropped before it answered; check whether the action happened.'));
        }
        if (closed) return;
        failures += 1;
        const delay = backoff[Math.min(failures, backoff.length) - 1] ?? 1000;
        setLink({ state: 'waiting', attempt: failures, retryAt: now() + delay });
        retryTimer = setTimeout(() => {
          retryTimer = null;
          open();
        }, delay);
      },
    });
    socket = mine;
  };

  open();

  return {
    get link() {
      return link;
    },
    invoke(channel, payload) {
      if (closed) return Promise.resolve(failure('unavailable', 'The console host transport is closed.'));
      const id = nextId++;
      let text: string;
      try {
        // id first: the host reads it from the first bytes of a message too large to parse.
        text = JSON.stringify({ id, channel, payload });
      } catch {
        return Promise.resolve(failure('invalid_request', 'The request could not be encoded.'));
      }
      if (utf8Length(text) > HOST_MAX_REQUEST_BYTES) return Promise.resolve(failure('invalid_request', 'The request is too large.'));
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve(failure('timeout', 'The console host did not answer in time.'));
        }, requestTimeoutMs);
        const request: PendingRequest = { text, resolve, timer, sent: false };
        pending.set(id, request);
        // Unsent requests wait for the next open, within their timeout.
        sendPending(request);
      });
    },
    on(channel, listener) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
      }
      set.add(listener);
      return () => void set.delete(listener);
    },
    onLink(listener) {
      linkListeners.add(listener);
      return () => void linkListeners.delete(listener);
    },
    close() {
      closed = true;
      if (retryTimer !== null) clearTimeout(retryTimer);
      const last = socket;
      socket = null;
      isOpen = false;
      last?.close();
      for (const request of pending.values()) {
        clearTimeout(request.timer);
        request.resolve(failure('unavailable', 'The console host transport is closed.'));
      }
      pending.clear();
    },
  };
}
