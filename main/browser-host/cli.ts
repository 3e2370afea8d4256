import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend, profileFromEnv, tuningFromEnv } from '../backend-node.js';
import { createLogger } from '../log.js';
import { startBrowserHost } from './server.js';

/**
 * `node out/main/browser-host.js [--profiles FILE] [--recordings DIR] [--data DIR]`: the console without
 * Electron. Serves out/renderer next to this file; PORT picks the port
 * (default: any free one); ARI_URL/ARI_USER/ARI_PASSWORD add a built-in
 * profile exactly as for the Electron shell. Without --profiles, saved
 * profiles last for this run only; --data keeps call history and the phonebook
 * (without it they last for this run only). Session recordings go to --recordings, or
 * CONSOLE_RECORDINGS_DIR, or ${XDG_CACHE_HOME:-~/.cache}/ari-console/recordings.
 * Prints the address to open, token included.
 */

function recordingsDir(option: string | undefined): string {
  const chosen = option ?? process.env['CONSOLE_RECORDINGS_DIR'];
  if (chosen) return resolve(chosen);
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'ari-console', 'recordings');
}

const logger = createLogger('browser-host');

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number, not "${value}".`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profiles: { type: 'string' },
      recordings: { type: 'string' },
      data: { type: 'string' },
    },
    strict: true,
  });
  const port = parsePort(process.env['PORT']);
  const here = dirname(fileURLToPath(import.meta.url));
  const rendererDir = process.env['CONSOLE_RENDERER_DIR'] ?? resolve(here, '../renderer');

  const builtIn = profileFromEnv(process.env);
  const { backend, dispose } = await createBackend({
    profilesFile: values.profiles === undefined ? null : resolve(values.profiles),
    builtInProfiles: builtIn ? [builtIn] : [],
    tuning: tuningFromEnv(process.env),
    log: logger,
    recordingsDir: recordingsDir(values.recordings),
    // History and phonebook live as long as the folder does; without --data, for this run only (like profiles).
    dataDir: values.data === undefined ? null : resolve(values.data),
  });
  const host = await startBrowserHost({ backend, rendererDir, port, logger }).catch(async (error: unknown) => {
    await dispose();
    throw error;
  });
  process.stdout.write(`Session recordings go to ${recordingsDir(values.recordings)}\n`);
  process.stdout.write(`Console ready at ${host.url}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // A second Ctrl-C means "now".
      process.exit(130);
    }
    stopping = true;
    logger.info('Shutting down', { signal });
    // Calls live on the PBX, not here: stopping must never hang on a slow PBX.
    setTimeout(() => process.exit(1), 5_000).unref();
    void (async () => {
      try {
        await host.close();
        await dispose();
      } catch (error) {
        logger.error('Shutdown failed', { error });
        process.exitCode = 1;
      }
      // Whatever the backend left scheduled, the host's work is done.
      process.exit();
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  logger.error('Browser host failed to start', { error });
  process.exit(1);
});
