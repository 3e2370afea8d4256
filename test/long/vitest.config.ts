import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The long fault scripts: real outages of many minutes against the Asterisk
// sandbox, run by hand (`npm run test:long`), never by `npm test`.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/long/**/*.long.test.ts'],
    environment: 'node',
    globalSetup: ['test/integration/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
  },
});
