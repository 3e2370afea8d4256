import { protocol } from 'electron';
import { APP_SCHEME, createAppFileHandler } from '../app-files.js';

/**
 * Must run before the app is ready: a scheme's privileges are fixed at start.
 * `standard` gives app://console/ an origin and relative URLs; `secure` makes
 * it a secure context like https. Nothing else: no fetch or CORS privileges,
 * no CSP bypass.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

/** Serves `rendererDir` as app://console/ on the default session. */
export function serveRenderer(rendererDir: string, contentSecurityPolicy: string): void {
  protocol.handle(APP_SCHEME, createAppFileHandler(rendererDir, contentSecurityPolicy));
}
