import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, contentTypeFor, createAppFileHandler, isAppPageUrl, resolveAppFile } from '../../main/app-files.js';

// <scratch>/secret.txt beside <scratch>/renderer/: the file a traversal would reach.
const scratch = mkdtempSync(join(tmpdir(), 'app-files-'));
const root = join(scratch, 'renderer');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" crossorigin src="./assets/index.js"></script>');
writeFileSync(join(root, 'assets', 'index.js'), 'console.log(1)');
writeFileSync(join(scratch, 'secret.txt'), 'not for the page');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('app://console/ serves the renderer folder and nothing else', () => {
  it('maps the entry and assets to files under the root', () => {
    expect(APP_ENTRY_URL).toBe('app://console/index.html');
    expect(resolveAppFile(root, APP_ENTRY_URL)).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://console/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://console/assets/index.js?v=1#x')).toBe(join(root, 'assets', 'index.js'));
  });

  // URL parsing resolves these dot segments against the root first: at worst
  // they name a file inside it (which does not exist), never one beside it.
  it.each(['app://console/../secret.txt', 'app://console/%2e%2e/secret.txt', 'app://console/assets/%2E%2E/%2E%2E/secret.txt'])('keeps %s inside the root', (url) => {
    const file = resolveAppFile(root, url);
    expect(file === null || file.startsWith(join(root, '/'))).toBe(true);
  });

  it.each([
    'app://console/..%2fsecret.txt',
    'app://console/..%5csecret.txt',
    'app://console/index.html%00.png',
    'app://console/%E0%A4%A',
    'app://other/index.html',
    'file:///etc/passwd',
    'https://console/index.html',
    'not a url',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(root, url)).toBeNull();
  });

  it('trusts only the page itself for IPC', () => {
    expect(isAppPageUrl('app://console/index.html')).toBe(true);
    expect(isAppPageUrl('app://console/index.html#/calls')).toBe(true);
    for (const url of ['app://console/assets/index.js', 'app://evil/index.html', 'file:///x/renderer/index.html', 'http://console/index.html', '']) {
      expect(isAppPageUrl(url), url).toBe(false);
    }
  });

  it('names content types a module script and a stylesheet need', () => {
    expect(contentTypeFor('a/index.js')).toMatch(/^text\/javascript/);
    expect(contentTypeFor('a/index.CSS')).toMatch(/^text\/css/);
    expect(contentTypeFor('a/index.html')).toMatch(/^text\/html/);
    expect(contentTypeFor('a/blob.bin')).toBe('application/octet-stream');
  });

  it('answers with the file, its type, the CSP and nosniff; 404 for anything missing or outside; 405 for writes', async () => {
    const handle = createAppFileHandler(root, "default-src 'self'");
    const page = await handle(new Request('app://console/assets/index.js'));
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('console.log(1)');
    expect(page.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await handle(new Request('app://console/missing.js'))).status).toBe(404);
    expect((await handle(new Request('app://console/%2e%2e/secret.txt'))).status).toBe(404);
    expect((await handle(new Request('app://console/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});
