/**
 * The Asterisk sandbox for the rows that need a real PBX (record, reconnect,
 * load). Same script as the integration tests, so ARI_SANDBOX_ROOT /
 * ARI_SANDBOX_PORT / ARI_SANDBOX_SIP_PORT pick a sandbox of the bench's own;
 * the reconnect row stops and starts Asterisk, so never share one with a
 * test run in progress.
 */
import { ensureSandbox, sandboxDefaults, startAsterisk, stopAsterisk } from '../../test/asterisk/sandbox.mjs';
import type { AriTarget } from './ari-http.js';

export interface Sandbox extends AriTarget {
  readonly version: string;
}

let started: Promise<Sandbox> | null = null;
let weStartedIt = false;

/** Ensures and starts the sandbox once per bench process. */
export function sandbox(): Promise<Sandbox> {
  started ??= (async () => {
    await ensureSandbox();
    const result = await startAsterisk();
    weStartedIt = !result.alreadyRunning;
    return { baseUrl: result.baseUrl, username: result.username, password: result.password, version: result.version };
  })();
  return started;
}

/** Stops the sandbox at the end only if this process started it. */
export async function releaseSandbox(): Promise<void> {
  if (!started) return;
  await started.catch(() => undefined);
  if (weStartedIt) await stopAsterisk();
  started = null;
}

export { sandboxDefaults, startAsterisk, stopAsterisk };
