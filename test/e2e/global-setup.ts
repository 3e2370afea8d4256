// vitest globalSetup for the e2e project: the same PBX target as the integration project
// (test/integration/global-setup.ts: ARI_TEST_URL, or the sandbox under ARI_SANDBOX_*), plus one
// production build of the app into a scratch folder, provided as inject('consoleBuild').
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import setupPbx from '../integration/global-setup.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** out/ of a fresh `electron-vite build`: main/, preload/, renderer/. */
    consoleBuild: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const out = mkdtempSync(join(tmpdir(), 'ari-console-e2e-'));
  // The page under test is the one users get: the production build, never a dev server.
  const result = spawnSync(process.execPath, [resolve('node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', out, '--logLevel', 'warn'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (result.status !== 0) throw new Error(`electron-vite build failed (${result.status ?? result.signal}):\n${`${result.stdout}\n${result.stderr}`.slice(-4000)}`);
  project.provide('consoleBuild', out);
  const stopPbx = await setupPbx(project);
  return async () => {
    await stopPbx();
    rmSync(out, { recursive: true, force: true });
  };
}
