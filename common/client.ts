import { ConsoleError } from './errors.js';
import { resultSchema, type EventChannel, type EventOf, type RequestChannel, type RequestOf, type ResponseOf } from './contract.js';

/**
 * How a client reaches main: Electron IPC through the preload, or the browser
 * host's WebSocket. Both carry plain JSON-like values and the same contract.
 */
export interface ConsoleTransport {
  invoke(channel: string, payload: unknown): Promise<unknown>;
  on(channel: string, listener: (payload: unknown) => void): () => void;
}

export interface ConsoleClient {
  /** Resolves with the response, or rejects with a ConsoleError carrying its code. */
  request<C extends RequestChannel>(channel: C, payload: RequestOf<C>): Promise<ResponseOf<C>>;
  on<C extends EventChannel>(channel: C, listener: (event: EventOf<C>) => void): () => void;
}

export function createConsoleClient(transport: ConsoleTransport): ConsoleClient {
  return {
    async request(channel, payload) {
      const raw = await transport.invoke(channel, payload);
      const parsed = resultSchema.safeParse(raw);
      if (!parsed.success) throw new ConsoleError('internal', `Malformed answer on ${channel}`);
      if (!parsed.data.ok) throw new ConsoleError(parsed.data.error.code, parsed.data.error.message);
      // Main built this value from the same contract; re-parsing every
      // response would cost a full walk of each model snapshot.
      return parsed.data.value as ResponseOf<typeof channel>;
    },
    on(channel, listener) {
      return transport.on(channel, (payload) => listener(payload as EventOf<typeof channel>));
    },
  };
}
