import type { EventChannel, Result } from '../common/contract.js';

/**
 * What a transport (Electron IPC or the browser host's WebSocket) needs from
 * the console's main side: one dispatcher for every request channel, and one
 * stream of events. Both transports wrap the same object, so they cannot
 * drift apart.
 */
export interface ConsoleBackend {
  /** Never throws: parses `payload` against the contract and answers a Result. */
  dispatch(channel: unknown, payload: unknown): Promise<Result<unknown>>;
  /** Every event for the renderer, already batched by the engine. */
  subscribe(listener: (channel: EventChannel, payload: unknown) => void): () => void;
}
