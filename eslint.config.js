// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './renderer/svelte.config.js';

const NODE_BUILTINS = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net', 'tls', 'url', 'util', 'stream', 'events', 'buffer', 'worker_threads', 'process'];

/** Layer rules (VS Code style): each folder may only import what its runtime has. */
const layer = (/** @type {{group: string[], message: string}[]} */ patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

/**
 * no-restricted-imports sees only static imports; `await import('node:fs')`
 * would slip past it. The same layers, for dynamic imports of a literal name
 * (esquery regexes cannot hold a '/', hence \u002F).
 */
const NODE_NAMES = `node:|(${NODE_BUILTINS.filter((name) => !name.includes('*')).join('|')})($|\\u002F)`;
const dynamic = (/** @type {{pattern: string, message: string}[]} */ rules) => ({
  'no-restricted-syntax': ['error', ...rules.map(({ pattern, message }) => ({ selector: `ImportExpression[source.value=/${pattern}/]`, message }))],
});
const dynElectron = { pattern: '^electron($|\\u002F)', message: 'Only the Electron shell files may import electron, dynamically or not.' };
const dynNode = { pattern: `^(${NODE_NAMES}|ws$|ari-client)`, message: 'common/ and renderer/ run without Node: no Node built-ins or Node-only packages, dynamically or not.' };
const dynMain = { pattern: '\\u002Fmain\\u002F', message: 'Import shared code from common/, never from main/, dynamically or not.' };

const noElectron = { group: ['electron', 'electron/*'], message: 'Only the Electron shell files (main/index.ts, main/ipc.ts, main/shell/*, preload/) may import electron.' };
const noNode = { group: NODE_BUILTINS, message: 'common/ and renderer/ run without Node: no Node built-ins.' };
const noNodeDeps = { group: ['ws', 'ari-client'], message: 'Node-only packages belong in main/.' };
const noMain = { group: ['**/main/**', '../main', '../../main'], message: 'Import shared code from common/, never from main/.' };
const noRenderer = { group: ['**/renderer/**'], message: 'Nothing imports the renderer.' };
const noUi = { group: ['svelte', 'svelte/*', 'zustand', 'zustand/*'], message: 'common/ is framework-free.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'test/fixtures/lint/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig } },
  },
  {
    files: ['common/**/*.ts'],
    languageOptions: { globals: {} },
    rules: { ...layer([noElectron, noNode, noNodeDeps, noMain, noRenderer, noUi]), ...dynamic([dynElectron, dynNode, dynMain]) },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { ...layer([noElectron, noNode, noNodeDeps, noMain]), ...dynamic([dynElectron, dynNode, dynMain]) },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/index.ts', 'main/ipc.ts', 'main/shell/**'],
    rules: { ...layer([noElectron, noRenderer]), ...dynamic([dynElectron]) },
  },
  {
    files: ['main/index.ts', 'main/ipc.ts', 'main/shell/**/*.ts'],
    rules: layer([noRenderer]),
  },
  {
    files: ['preload/**/*.ts'],
    rules: layer([noMain, noRenderer, noNodeDeps]),
  },
);
