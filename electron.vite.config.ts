import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { Plugin } from 'vite';

/**
 * `electron-vite dev` only: Vite's dev server injects component CSS as <style>
 * elements and talks to its own WebSocket for hot reload, both of which the
 * page's strict CSP forbids. Relax exactly those two for the dev server;
 * built pages (the app and the browser host) keep the strict policy.
 */
function devServerCsp(): Plugin {
  return {
    name: 'console-dev-server-csp',
    apply: 'serve',
    transformIndexHtml: (html) =>
      html
        .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
        .replace("connect-src 'self'", "connect-src 'self' ws://localhost:* ws://127.0.0.1:*"),
  };
}

// One build for the three Electron targets. The browser host serves the same
// renderer bundle (out/renderer), so there is exactly one renderer build.
export default defineConfig({
  main: {
    build: {
      // Two entries, so no `lib`: with vite 8 a lib build of several inputs
      // defaults to es + umd and fails for want of a UMD global name.
      rolldownOptions: {
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
      // A sandboxed preload can require() nothing but electron and a few
      // built-ins: bundle its dependencies (zod, via common/contract) into it.
      externalizeDeps: false,
      rolldownOptions: {
        // A sandboxed preload cannot use ESM imports: ship one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('renderer'),
    build: {
      rolldownOptions: { input: resolve('renderer/index.html') },
    },
    plugins: [svelte(), devServerCsp()],
  },
});
