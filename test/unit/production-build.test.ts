import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The production build, for real: electron-vite builds into a scratch
 * project, and on Linux electron-builder packs that project with a stand-in
 * Electron binary (the real one cannot be downloaded here) — a file holding
 * Electron's fuse sentinel, so the fuses electron-builder burns after packing
 * can be read back. What is checked is what ships: the bundles, app.asar, the
 * fuse wire, app-update.yml.
 */

const root = process.cwd();
const require = createRequire(import.meta.url);
const stage = mkdtempSync(join(tmpdir(), 'ari-console-dist-'));
const out = join(stage, 'out');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function run(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', timeout: 180_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`${args.slice(0, 2).join(' ')} failed (${result.status ?? result.signal}):\n${output.slice(-4000)}`);
  return output;
}

beforeAll(() => {
  // A scratch copy of the project: the build never touches the working tree's out/.
  for (const file of ['package.json', 'package-lock.json', 'electron-builder.config.cjs']) copyFileSync(file, join(stage, file));
  cpSync('build', join(stage, 'build'), { recursive: true });
  symlinkSync(resolve('node_modules'), join(stage, 'node_modules'), process.platform === 'win32' ? 'junction' : 'dir');
  run([resolve('node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', out, '--logLevel', 'warn']);
}, 180_000);

afterAll(() => rmSync(stage, { recursive: true, force: true }));

const read = (path: string) => readFileSync(join(out, path), 'utf8');
/** Every module specifier a bundle loads: import statements, import() and require(). */
const specifiers = (code: string) =>
  [
    ...code.matchAll(/^\s*(?:import|export)\b[^;'"`]*?\bfrom\s*["']([^"']+)["']/gm),
    ...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
    ...code.matchAll(/\b(?:import|require)\(\s*["']([^"']+)["']\s*\)/g),
  ].map((match) => match[1] as string);
const isBuiltin = (name: string) => name.startsWith('node:') || builtinModules.includes(name);
const packageOf = (name: string) => (name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : (name.split('/')[0] as string));

describe('electron-vite production build', () => {
  it('writes the three entry points electron and package.json expect', () => {
    for (const file of ['main/index.js', 'preload/index.cjs', 'renderer/index.html']) expect(existsSync(join(out, file)), file).toBe(true);
  });

  it('ships a self-contained CommonJS preload: a sandboxed preload can require electron and nothing else', () => {
    const preload = read('preload/index.cjs');
    expect(preload).not.toMatch(/^\s*(import\s|export\s)/m);
    expect([...new Set(specifiers(preload))]).toEqual(['electron']);
  });

  it('leaves only Node built-ins, electron, its own chunks and production dependencies to the main bundle', () => {
    const files = ['main/index.js', ...readdirSync(join(out, 'main/chunks')).map((chunk) => `main/chunks/${chunk}`)];
    const foreign = files.flatMap((file) =>
      specifiers(read(file)).filter((name) => !name.startsWith('.') && !isBuiltin(name) && name !== 'electron' && !(packageOf(name) in pkg.dependencies)),
    );
    expect(foreign).toEqual([]);
    // Dev-only packages would be missing from the installed app.
    const devOnly = files.flatMap((file) => specifiers(read(file)).filter((name) => packageOf(name) in pkg.devDependencies && name !== 'electron'));
    expect(devOnly).toEqual([]);
  });

  it('links the renderer assets relatively, so the page loads from app.asar', () => {
    const html = read('renderer/index.html');
    const assets = [...html.matchAll(/(?:src|href)="(\.\/assets\/[^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(1);
    for (const asset of assets) expect(existsSync(join(out, 'renderer', asset)), asset).toBe(true);
    expect(html).not.toMatch(/(?:src|href)="\/(?!\/)/);
  });

  it("keeps the strict CSP in the built page, and needs no inline script or style to live with it", () => {
    const html = read('renderer/index.html');
    expect(html).toContain("script-src 'self'");
    expect(html).toContain("style-src 'self';");
    // The dev server's relaxations (electron.vite.config.ts) stay in dev.
    expect(html).not.toContain('unsafe-inline');
    expect(html).not.toContain('ws://localhost');
    for (const script of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      expect(script[1]).toMatch(/\bsrc=/);
      expect(script[2]?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });
});

// electron-builder packs a Linux app on Linux without extra tools; the
// workflow packs Windows and macOS on their own runners.
describe.skipIf(process.platform !== 'linux')('packed by electron-builder (Linux, stand-in Electron binary)', () => {
  const FUSES = [
    'runAsNode',
    'enableCookieEncryption',
    'enableNodeOptionsEnvironmentVariable',
    'enableNodeCliInspectArguments',
    'enableEmbeddedAsarIntegrityValidation',
    'onlyLoadAppFromAsar',
    'loadBrowserProcessSpecificV8Snapshot',
    'grantFileProtocolExtraPrivileges',
  ] as const; // FuseV1Options order: the byte positions in the wire
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  const config = require(resolve('electron-builder.config.cjs')) as { electronFuses: Record<(typeof FUSES)[number], boolean> };
  const appDir = join(stage, 'release', 'linux-unpacked');
  let asarFiles: string[] = [];
  let log = '';

  beforeAll(() => {
    // Every fuse starts opposite to what we configure, so each one must be flipped.
    const electronDist = join(stage, 'electron-dist');
    mkdirSync(join(electronDist, 'resources'), { recursive: true });
    const wire = FUSES.map((fuse) => (config.electronFuses[fuse] ? '0' : '1')).join('');
    writeFileSync(join(electronDist, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), Buffer.from(SENTINEL), Buffer.from([1, FUSES.length]), Buffer.from(wire)]), { mode: 0o755 });
    writeFileSync(join(electronDist, 'LICENSE'), 'stand-in');
    const env: NodeJS.ProcessEnv = { ...process.env, ARI_CONSOLE_UPDATE_PROVIDER: 'generic', ARI_CONSOLE_UPDATE_URL: 'https://updates.example.com/console', CSC_IDENTITY_AUTO_DISCOVERY: 'false' };
    // No signing or publishing credentials; and no VITEST, which silences electron-builder's log.
    for (const name of Object.keys(env)) if (/^(CSC_LINK|WIN_CSC_LINK|GH_TOKEN|GITHUB_TOKEN|VITEST.*)$/.test(name)) delete env[name];
    log = run(
      [resolve('node_modules/electron-builder/cli.js'), '--linux', 'dir', '--projectDir', stage, '--config', 'electron-builder.config.cjs', '--publish', 'never', `-c.electronDist=${electronDist}`],
      env,
    );
    const asar = require('@electron/asar') as { listPackage(archive: string, options: { isPack: boolean }): string[] };
    asarFiles = asar.listPackage(join(appDir, 'resources', 'app.asar'), { isPack: false }).map((file) => file.replaceAll('\\', '/'));
  }, 180_000);

  it('burns every configured fuse into the binary it packed', () => {
    const binary = readFileSync(join(appDir, 'ari-console'));
    const at = binary.indexOf(SENTINEL) + SENTINEL.length;
    expect(binary[at]).toBe(1);
    const burned = Object.fromEntries(FUSES.map((fuse, index) => [fuse, binary[at + 2 + index] === 0x31]));
    expect(burned).toEqual(config.electronFuses);
    expect(log).toMatch(/executing @electron\/fuses/);
  });

  it('puts only package.json, the build output and production node_modules into app.asar', () => {
    const top = new Set(asarFiles.map((file) => file.split('/')[1]));
    expect([...top].sort()).toEqual(['node_modules', 'out', 'package.json']);
    const outDirs = new Set(asarFiles.filter((file) => file.startsWith('/out/')).map((file) => file.split('/')[2]));
    expect([...outDirs].sort()).toEqual(['main', 'preload', 'renderer']);
    for (const file of ['/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html']) expect(asarFiles).toContain(file);
    const ours = asarFiles.filter((file) => file.startsWith('/out/'));
    expect(ours.filter((file) => file.endsWith('.map') || file.endsWith('browser-host.js') || /\.(ts|svelte)$/.test(file))).toEqual([]);
  });

  it('ships every production dependency and no dev one, Electron least of all', () => {
    const packaged = new Set(asarFiles.map((file) => /^\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1]).filter(Boolean));
    for (const dependency of Object.keys(pkg.dependencies)) expect(packaged.has(dependency), dependency).toBe(true);
    for (const dependency of Object.keys(pkg.devDependencies)) expect(packaged.has(dependency), dependency).toBe(false);
    expect(asarFiles.some((file) => file.startsWith('/node_modules/electron/'))).toBe(false);
  });

  it('packs a package.json that starts the main bundle, without scripts or dev dependencies', () => {
    const asar = require('@electron/asar') as { extractFile(archive: string, file: string): Buffer };
    const packed = JSON.parse(asar.extractFile(join(appDir, 'resources', 'app.asar'), 'package.json').toString('utf8')) as Record<string, unknown>;
    expect(packed['main']).toBe('out/main/index.js');
    expect(packed['type']).toBe('module');
    expect(packed['devDependencies']).toBeUndefined();
    expect(packed['scripts']).toBeUndefined();
  });

  it('writes the update feed the build was given next to app.asar', () => {
    const feed = readFileSync(join(appDir, 'resources', 'app-update.yml'), 'utf8');
    expect(feed).toMatch(/^provider: generic$/m);
    expect(feed).toMatch(/^url: https:\/\/updates\.example\.com\/console$/m);
  });
});
