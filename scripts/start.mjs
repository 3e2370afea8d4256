// `npm start`: the console against the Asterisk sandbox, on any machine.
// 1. brings up the sandbox PBX where it can (root + debootstrap), unless
//    ARI_URL points at a PBX of your own;
// 2. builds the app if needed;
// 3. opens the Electron app where its binary exists, otherwise the browser
//    host, whose URL (with its per-run token) it prints.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
let stopSandbox = async () => {};

if (!env.ARI_URL) {
  try {
    const sandbox = await import('../test/asterisk/sandbox.mjs');
    await sandbox.ensureSandbox();
    const started = await sandbox.startAsterisk();
    Object.assign(env, { ARI_URL: started.baseUrl, ARI_USER: started.username, ARI_PASSWORD: started.password, ARI_APP: started.app });
    console.log(`[start] Asterisk sandbox ${started.alreadyRunning ? 'already running' : 'started'} at ${started.baseUrl}`);
    if (!started.alreadyRunning) stopSandbox = () => sandbox.stopAsterisk();
  } catch (error) {
    console.warn(`[start] The Asterisk sandbox could not start (${error instanceof Error ? error.message : error}).`);
    console.warn('[start] Set ARI_URL, ARI_USER, ARI_PASSWORD and ARI_APP to use your own PBX; continuing without a profile.');
  }
}

const built = ['out/main/index.js', 'out/main/browser-host.js', 'out/renderer/index.html'].every((file) => existsSync(join(root, file)));
if (!built || env.CONSOLE_REBUILD === '1') {
  const build = spawnSync(process.execPath, [join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

function electronBinary() {
  const dir = join(root, 'node_modules/electron');
  try {
    const relative = readFileSync(join(dir, 'path.txt'), 'utf8');
    const binary = join(dir, 'dist', relative);
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = env.CONSOLE_BROWSER === '1' ? null : electronBinary();
const child = binary
  ? spawn(binary, [root], { cwd: root, env, stdio: 'inherit' })
  : // Call history and the phonebook outlive a browser-host run, as they do in the desktop app's data folder.
    spawn(process.execPath, [join(root, 'out/main/browser-host.js'), '--data', join(env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'ari-console')], {
      cwd: root,
      env,
      stdio: 'inherit',
    });
if (!binary) console.log('[start] No Electron binary here: serving the console to your browser instead.');

let stopping = false;
const shutdown = async (code) => {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  await stopSandbox().catch(() => {});
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));
child.on('exit', (code) => void shutdown(code ?? 0));
