/**
 * Node's network error codes in words, shared by the REST client and the
 * events socket so both say the same thing about the same failure (the UI
 * shows whichever of the two failed first).
 */
const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  EPIPE: 'connection broken',
};

/** Words for a network or TLS error code, or undefined when the code is not one of those. */
export function networkProblem(code: unknown): string | undefined {
  if (typeof code !== 'string') return undefined;
  const known = NETWORK[code];
  if (known) return known;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) return `its TLS certificate is not trusted: ${code}`;
  if (/EPROTO|SSL|TLS/.test(code)) return `TLS handshake failed, is it really https? ${code}`;
  return undefined;
}
