/**
 * The one vocabulary of failures shared by engine, IPC contract and UI.
 * Every failure that crosses a boundary is one of these codes plus a sentence
 * a receptionist can read; nothing throws raw strings across IPC.
 */
export const ERROR_CODES = [
  // The request itself
  'invalid_request', // payload failed the contract's schema
  'forbidden', // IPC sender is not the console's own page
  'unknown_channel', // no such IPC channel
  // Console state
  'no_profile', // no connection profile with that id
  'not_connected', // the engine for that profile is not live
  'keychain_unavailable', // a password cannot be encrypted here: the user must choose unencrypted or this run only
  // The PBX's answers
  'not_found', // 404: channel/bridge/endpoint does not exist (any more)
  'not_in_stasis', // 409/422: the channel is not under this console's control
  'bad_request', // 400: the PBX rejected the parameters
  'unauthorized', // 401/403: wrong ARI username or password
  'unavailable', // cannot reach the PBX, connection refused/reset, 503
  'timeout', // the PBX did not answer within the call's deadline
  'pbx_error', // 500 and other unexpected statuses
  'internal', // a bug in the console itself
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ConsoleErrorShape {
  code: ErrorCode;
  message: string;
}

/** An error that knows its code; the only error type main lets cross IPC. */
export class ConsoleError extends Error implements ConsoleErrorShape {
  override readonly name = 'ConsoleError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  toJSON(): ConsoleErrorShape {
    return { code: this.code, message: this.message };
  }
}

export function isConsoleError(value: unknown): value is ConsoleError {
  return value instanceof ConsoleError;
}

/** Flattens anything thrown into the wire shape, never leaking stack traces. */
export function toErrorShape(error: unknown): ConsoleErrorShape {
  if (isConsoleError(error)) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `Unexpected error: ${message}` };
}
