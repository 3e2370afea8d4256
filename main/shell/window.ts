import type { Session, WebContents } from 'electron';

/**
 * The Electron security checklist as code (the window's webPreferences stay a
 * literal in main/index.ts, where static scanners can read them). Only types
 * come from electron here: the caller hands in the real objects, so a unit
 * test can hold every rule to account without an Electron binary.
 */

// The renderer needs nothing but its own files and its own IPC. No
// 'unsafe-inline' or 'unsafe-eval' anywhere: Svelte's compiled output needs neither.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Whether a URL is the console's own page. A file: entry must match exactly
 * (any other file on disk, even one named renderer/index.html, is foreign);
 * an http(s) dev server or a custom app: scheme must match scheme and host,
 * compared parsed, never by string prefix (http://localhost:5173.evil.test).
 */
export function createPageGuard(entryUrl: string): (url: string) => boolean {
  const entry = new URL(entryUrl);
  return (url) => {
    let candidate: URL;
    try {
      candidate = new URL(url);
    } catch {
      return false;
    }
    if (candidate.protocol !== entry.protocol) return false;
    if (entry.protocol === 'file:') return candidate.host === entry.host && candidate.pathname === entry.pathname;
    return candidate.host === entry.host && candidate.username === '' && candidate.password === '';
  };
}

/** Every permission (camera, notifications, geolocation, HID, serial…) is refused: the console needs none. */
export function hardenSession(session: Session, csp = CONTENT_SECURITY_POLICY): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
}

/**
 * For every web contents the app creates: no navigation away from the
 * console's page, no webviews, no new windows. Links to documentation
 * (https only) open in the user's browser, never inside the app.
 */
export function hardenContents(contents: WebContents, isTrustedPage: (url: string) => boolean, openExternal: (url: string) => void): void {
  const refuseForeign = (event: { preventDefault(): void }, url: string): void => {
    if (!isTrustedPage(url)) event.preventDefault();
  };
  contents.on('will-navigate', (event, url) => refuseForeign(event, url));
  contents.on('will-redirect', (event, url) => refuseForeign(event, url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** Only a plain https URL may leave for the user's browser: no file:, smb:, custom schemes or credentials. */
export function isExternalLink(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}
