// Electron (>= 45) no longer downloads its binary at install time; it fetches
// it on first use. We fetch it here so a workstation's `npm run dev` opens the
// app straight away, but a machine that cannot reach Electron's download host
// (CI sandboxes, air-gapped builds) must still finish `npm install`: the
// browser host and the whole test suite run without the binary.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('[fetch-electron] ELECTRON_SKIP_BINARY_DOWNLOAD is set: not fetching the Electron binary.');
  process.exit(0);
}

let installScript;
try {
  installScript = require.resolve('electron/install.js');
} catch {
  // Production install (`npm install --omit=dev`): Electron is not there at all.
  process.exit(0);
}

const result = spawnSync(process.execPath, [installScript], { stdio: 'pipe', timeout: 300_000, encoding: 'utf8' });
if (result.status === 0) {
  console.log('[fetch-electron] Electron binary is ready.');
} else {
  const firstLine = `${result.stderr ?? ''}${result.stdout ?? ''}`.split('\n').find((line) => line.trim()) ?? 'unknown error';
  console.warn(
    `[fetch-electron] Could not fetch the Electron binary (${firstLine.trim()}).\n` +
      '[fetch-electron] Everything else is installed: `npm test` and `npm start` (browser host) work without it.\n' +
      '[fetch-electron] To get the desktop app later, run `npx install-electron` on a machine that reaches the download host.',
  );
}
