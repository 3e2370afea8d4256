/**
 * How a failed ARI REST exchange becomes a ConsoleError: the HTTP status (kept
 * by ari-rest's dispatcher, which ari-client drops), a network error code, or
 * the PBX's own words — never a password or URL userinfo.
 */
import { ConsoleError, type ErrorCode } from '../../common/errors.js';
import { networkProblem } from './net-errors.js';

/** What the REST layer saw of one exchange on the wire, beyond what ari-client reports. */
export interface ExchangeEvidence {
  status?: number;
  networkError?: Error;
}

/** Any failure of a REST call or connect, as the typed error the console shows. */
export function mapError(what: string, error: unknown, exchange: ExchangeEvidence | null, secrets: string[]): ConsoleError {
  if (error instanceof ConsoleError) return error;
  const cause = exchange?.networkError ?? error;
  const errno = (cause as { code?: unknown } | null)?.code;
  const status = exchange?.status ?? (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') {
    const said = pbxMessage(error);
    const [code, sentence] = classify(status);
    return new ConsoleError(code, `${what}: ${sentence}${said ? ` (PBX says: ${scrub(said, secrets)})` : ''}.`, status);
  }
  if (exchange?.networkError || typeof errno === 'string') {
    const detail = networkProblem(errno);
    return new ConsoleError('unavailable', `${what}: cannot reach the PBX (${detail ?? scrub(describeError(cause), secrets)}).`);
  }
  return new ConsoleError('pbx_error', `${what}: unexpected failure (${scrub(describeError(error), secrets)}).`);
}

function classify(status: number): [ErrorCode, string] {
  if (status === 404) return ['not_found', 'not found'];
  if (status === 409 || status === 422) return ['not_in_stasis', "this channel is not under the console's control"];
  if (status === 400) return ['bad_request', 'the PBX rejected the request'];
  if (status === 401) return ['unauthorized', 'the PBX refused the ARI username or password'];
  // Asterisk answers 403 when the user's permit/deny excludes this computer (or a
  // read-only user writes): the password is right, so saying it is wrong misleads.
  if (status === 403) return ['unauthorized', "the PBX does not let this computer use that ARI user (HTTP 403: the user's permit/deny in ari.conf, or read_only)"];
  if (status === 503) return ['unavailable', 'the PBX is unavailable, HTTP 503'];
  return ['pbx_error', `the PBX reported an error, HTTP ${status}`];
}

/** ari-client rejects with Error(body) or the raw response; ARI bodies are {"message": …}. */
function pbxMessage(error: unknown): string | undefined {
  const raw = error instanceof Error ? error.message : (error as { data?: unknown } | null)?.data;
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : undefined;
  if (!text) return undefined;
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON, e.g. a proxy's HTML page: quote its start.
  }
  return text.slice(0, 200);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'no details';
}

/** Belt and braces: no message may carry a password or URL userinfo. */
function scrub(text: string, secrets: string[]): string {
  let out = text.replace(/\/\/[^/\s@]*@/g, '//');
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join('***');
  return out;
}
