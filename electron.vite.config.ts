import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// One build for the three Electron targets. The browser host serves the same
// renderer bundle (out/renderer), so there is exactly one renderer build.
export default defineConfig({
  main: {
    build: {
      lib: { entry: resolve('main/index.ts') },
      rollupOptions: {
        input: {
          index: resolve('main/index.ts'),
          'browser-host': resolve('main/browser-host/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      lib: { entry: resolve('preload/index.ts') },
      rollupOptions: {
        // A sandboxed preload cannot use ESM imports: ship one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('renderer'),
    build: {
      rollupOptions: { input: resolve('renderer/index.html') },
    },
    plugins: [svelte()],
  },
});
