/**
 * A small structured logger whose one job beyond printing is never to print a
 * secret: keys that look like credentials are masked at any depth, and
 * user:password@ in URLs is stripped, whatever a caller passes in.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SECRET_KEY = /pass(word)?|secret|token|authori[sz]ation|api_?key|credential|^pwd$|^auth$|cookie/i;
// Up to the last @ of the authority: a password may itself contain an @.
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s?#]*@/gi;
const API_KEY_PARAM = /([?&]api_key=)[^&\s]+/gi;
// An Authorization header quoted inside an error message or a dumped request.
const AUTH_SCHEME = /\b(Basic|Bearer)\s+([A-Za-z0-9+/=._~-]{6,})/g;
const MAX_DEPTH = 6;

/** Basic credentials are base64 of user:password; prose such as "Basic authentication" is not. */
function maskAuthorization(match: string, scheme: string, token: string): string {
  if (scheme === 'Bearer') return token.length >= 16 ? `${scheme} ***` : match;
  return /^[A-Za-z0-9+/]+={0,2}$/.test(token) && Buffer.from(token, 'base64').toString('latin1').includes(':') ? `${scheme} ***` : match;
}

export function redactText(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@').replace(API_KEY_PARAM, '$1***').replace(AUTH_SCHEME, maskAuthorization);
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  // Deeper than anyone reads, or a cycle: summarized, never printed raw.
  if (depth > MAX_DEPTH) return '[nested]';
  if (value instanceof Error) return redactText(`${value.name}: ${value.message}`);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? '***' : redact(item, depth + 1);
  }
  return out;
}

/** A log call must never throw: it often runs inside an error handler. */
function serialize(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? '';
  } catch {
    return '"[fields not serializable]"';
  }
}

export function createLogger(
  scope: string,
  options: { level?: LogLevel; write?: (line: string) => void } = {},
): Logger {
  const threshold = LEVELS[options.level ?? ((process.env['CONSOLE_LOG_LEVEL'] as LogLevel | undefined) ?? 'info')] ?? LEVELS.info;
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const extra = fields ? ` ${serialize(redact(fields))}` : '';
    write(`${new Date().toISOString()} ${level.toUpperCase()} [${scope}] ${redactText(message)}${extra}`);
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
