import { z } from 'zod';
import { isEventChannel, resultSchema, type EventChannel } from './contract.js';

/**
 * The browser host's wire protocol: the same contract as Electron IPC, carried
 * over one WebSocket. A request names a contract channel and gets exactly one
 * response with its id; events are pushed to every authenticated socket.
 *
 *   client → server  { id, channel, payload }
 *   server → client  { id, result }          result is the contract's Result
 *   server → client  { event, payload }      event is a contract event channel
 */

export const HOST_WS_PATH = '/ipc';

/**
 * The per-run token reaches the page in the URL fragment (#token=…): browsers
 * never send fragments to the server, so it stays out of request lines, logs
 * and Referer headers.
 */
export const HOST_TOKEN_HASH_PARAM = 'token';

/**
 * The page presents the token as a WebSocket subprotocol: the handshake is the
 * only request a browser lets a page decorate, and a header is not logged the
 * way a query string is. The server selects HOST_SUBPROTOCOL, so the token is
 * never echoed back.
 */
export const HOST_SUBPROTOCOL = 'ari-console.v1';
export const HOST_TOKEN_SUBPROTOCOL_PREFIX = 'ari-console.token.';

/** Requests above this are answered with an error, not parsed. */
export const HOST_MAX_REQUEST_BYTES = 1024 * 1024;
/** Frames above this close the socket: the server never buffers more than this per message. */
export const HOST_MAX_FRAME_BYTES = 4 * HOST_MAX_REQUEST_BYTES;

// Base64url, long enough to be unguessable; also a valid HTTP token, which a
// subprotocol must be.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

export function isValidHostToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}

export function tokenSubprotocol(token: string): string {
  return `${HOST_TOKEN_SUBPROTOCOL_PREFIX}${token}`;
}

const requestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const hostRequestSchema = z
  .object({
    id: requestId,
    // Contract channel names are short; the backend answers unknown ones.
    channel: z.string().min(1).max(100),
    payload: z.unknown(),
  })
  .strict();

export const hostResponseSchema = z.object({ id: requestId, result: resultSchema }).strict();

export const hostPushSchema = z
  .object({
    event: z.custom<EventChannel>(isEventChannel, 'must be an event channel'),
    payload: z.unknown(),
  })
  .strict();

export const hostServerMessageSchema = z.union([hostResponseSchema, hostPushSchema]);

export type HostRequest = z.output<typeof hostRequestSchema>;
export type HostResponse = z.output<typeof hostResponseSchema>;
export type HostPush = z.output<typeof hostPushSchema>;
export type HostServerMessage = z.output<typeof hostServerMessageSchema>;

/**
 * The id of a message that is too large or too broken to parse, read from its
 * first bytes so the sender still gets an answer. Our client always writes
 * `{"id":N,` first; anything else simply goes unanswered.
 */
export function readLeadingId(text: string): number | null {
  const match = /^\s*\{\s*"id"\s*:\s*(\d{1,15})\s*[,}]/.exec(text.slice(0, 64));
  if (!match?.[1]) return null;
  const id = Number(match[1]);
  return requestId.safeParse(id).success ? id : null;
}

/** The id of an already-parsed value that failed the request schema, if it has a usable one. */
export function idOf(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const parsed = requestId.safeParse((value as Record<string, unknown>)['id']);
  return parsed.success ? parsed.data : null;
}
