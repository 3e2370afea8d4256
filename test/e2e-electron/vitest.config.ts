import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// The packaged-app smoke test runs on its own (`npm run test:packaged`), after
// electron-builder, not in `npm test`: it needs installers this machine
// cannot build without the Electron binary.
export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '../..'),
    include: ['test/e2e-electron/**/*.spec.ts'],
    environment: 'node',
    // One app at a time: each instance holds the single-instance lock of its profile.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
