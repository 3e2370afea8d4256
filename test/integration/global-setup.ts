// vitest globalSetup for the integration project: provides the ARI target as inject('ari').
// - ARI_TEST_URL set: an external PBX (ARI_TEST_USER / ARI_TEST_PASSWORD / ARI_TEST_APP); nothing is
//   started or stopped.
// - otherwise: the Asterisk sandbox (test/asterisk/sandbox.mjs, needs root); it is stopped at the end
//   only if this setup started it.
import type { TestProject } from 'vitest/node';
import { ensureSandbox, sandboxDefaults, startAsterisk, stopAsterisk } from '../asterisk/sandbox.mjs';

export interface AriTestTarget {
  /** e.g. http://127.0.0.1:8088 (without /ari) */
  baseUrl: string;
  username: string;
  password: string;
  app: string;
  /** true: the local sandbox, which tests may restart/freeze through sandbox.mjs */
  sandbox: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    ari: AriTestTarget;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const externalUrl = process.env['ARI_TEST_URL'];
  if (externalUrl) {
    project.provide('ari', {
      baseUrl: externalUrl.replace(/\/+$/, '').replace(/\/ari$/, ''),
      username: process.env['ARI_TEST_USER'] ?? sandboxDefaults.username,
      password: process.env['ARI_TEST_PASSWORD'] ?? '',
      app: process.env['ARI_TEST_APP'] ?? sandboxDefaults.app,
      sandbox: false,
    });
    return async () => {};
  }

  await ensureSandbox();
  const started = await startAsterisk();
  project.provide('ari', {
    baseUrl: started.baseUrl,
    username: started.username,
    password: started.password,
    app: started.app,
    sandbox: true,
  });
  return async () => {
    if (!started.alreadyRunning) await stopAsterisk();
  };
}
