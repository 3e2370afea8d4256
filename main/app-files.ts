import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/**
 * The renderer's files served under app://console/ instead of file://.
 *
 * Why: packaged builds burn the GrantFileProtocolExtraPrivileges fuse off
 * (electron-builder.config.cjs), after which file:// pages are treated as a
 * browser treats them — an opaque origin that may not load its own
 * `<script type="module" crossorigin>` — and Electron no longer reads
 * subresources out of app.asar for them. A standard, secure custom scheme gives
 * the page a real origin ('self' in the CSP means it), and this handler decides
 * exactly which files exist: the renderer folder and nothing else.
 *
 * No Electron import here: main/shell/app-protocol.ts registers the handler.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'console';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
};

/** The console's own page (any query or fragment), the only URL trusted to use IPC. */
export function isAppPageUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.pathname === '/index.html';
  } catch {
    return false;
  }
}

/** The file under `root` that `url` names, or null for anything outside it or malformed. */
export function resolveAppFile(root: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  // Encoded separators and NULs survive URL normalization; refuse rather than interpret them.
  if (path.includes('\0') || path.includes('\\') || path.split('/').some((segment) => segment === '..')) return null;
  const base = resolve(root);
  const file = resolve(base, `.${path === '/' ? '/index.html' : path}`);
  return file.startsWith(base + sep) ? file : null;
}

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * A protocol.handle() handler. Reads with Node's fs, which in Electron's main
 * process reads inside app.asar whatever the fuses say.
 */
export function createAppFileHandler(
  root: string,
  contentSecurityPolicy: string,
  read: (file: string) => Promise<Uint8Array> = readFile,
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
    const file = resolveAppFile(root, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    let body: Uint8Array;
    try {
      body = await read(file);
    } catch {
      return new Response('Not found', { status: 404 });
    }
    return new Response(request.method === 'HEAD' ? null : new Blob([body]), {
      status: 200,
      headers: {
        'content-type': contentTypeFor(file),
        'content-security-policy': contentSecurityPolicy,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      },
    });
  };
}
