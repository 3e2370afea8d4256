import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Node 20 cannot run TypeScript and the repo has no tsx/ts-node: the benches
// are bundled by the vite already in devDependencies into out/bench and run
// with plain `node`, so profiles (--cpu-prof) show the real, un-instrumented
// code of the engine and the model. Every bench/*.ts file is an entry point
// (the runner starts some of them as child processes).
const entries = Object.fromEntries(
  readdirSync(resolve(import.meta.dirname, '.'))
    .filter((file) => file.endsWith('.ts') && file !== 'vite.config.ts')
    .map((file) => [file.slice(0, -3), resolve(import.meta.dirname, file)]),
);

export default defineConfig({
  logLevel: 'warn',
  build: {
    ssr: true,
    target: 'node20',
    outDir: resolve(import.meta.dirname, '../out/bench'),
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    rollupOptions: {
      input: entries,
      // Loaded from its own file: bundled, its CLI guard (argv[1] === this
      // module's URL) would match the bench entry and run the sandbox CLI.
      external: (id) => id.endsWith('/test/asterisk/sandbox.mjs'),
      makeAbsoluteExternalsRelative: false,
      output: { format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'shared-[name]-[hash].js' },
    },
  },
});
