/**
 * The console's main side for the Chromium rows (a child process, so the
 * replay server and Playwright in the parent never share its event loop):
 * the real backend with one built-in profile pointed at the replay server,
 * and the browser host serving the production renderer build. Says "ready"
 * with the page's address, then runs until the parent disconnects.
 *
 *   node out/bench/ui-host.js <baseUrl> <rendererDir>
 */
import { createBackend } from '../main/backend-node.js';
import { startBrowserHost } from '../main/browser-host/server.js';
import { silentLogger } from '../main/log.js';
import { tell } from './lib/harness.js';
import { REPLAY_PASSWORD, REPLAY_USER } from './lib/replay-server.js';

const UI_APP = 'console';

async function main(): Promise<void> {
  const [baseUrl = '', rendererDir = ''] = process.argv.slice(2);
  const node = await createBackend({
    builtInProfiles: [{ id: 'bench', name: 'Bench replay', baseUrl, username: REPLAY_USER, password: REPLAY_PASSWORD, app: UI_APP, subscribeAll: true }],
    log: silentLogger,
    recordingsDir: null,
  });
  const host = await startBrowserHost({ backend: node.backend, rendererDir, logger: silentLogger });
  tell({ type: 'ready', url: host.url });
  process.on('disconnect', () => {
    void (async () => {
      await host.close().catch(() => undefined);
      await node.dispose().catch(() => undefined);
      process.exit(0);
    })();
  });
}

main().catch((error: unknown) => {
  tell({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
