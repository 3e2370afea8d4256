import { beforeAll, describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

/**
 * The layer rules live in eslint.config.js; these tests lint deliberate bad
 * imports at paths in each layer (the files need not exist) so a config edit
 * that silently drops a rule fails here. One ESLint instance for all of them.
 */
const eslint = new ESLint({ cwd: process.cwd() });

interface Finding {
  ruleId: string | null;
  message: string;
}

async function lint(filePath: string, code: string): Promise<Finding[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (!result) throw new Error(`no lint result for ${filePath}`);
  return result.messages.map(({ ruleId, message }) => ({ ruleId, message }));
}

// The first lint loads the config, its plugins and the TypeScript parser: seconds on a busy 2-core machine.
// Paid here, under a budget of its own, so each case below only lints its few lines.
beforeAll(async () => {
  await lint('common/layer-warm-up.ts', 'export const warm = 1;\n');
}, 60_000);

const restricted = (findings: Finding[]) => findings.filter((finding) => finding.ruleId === 'no-restricted-imports');

describe('imports that cross a layer fail lint', () => {
  it.each([
    ['common/model/layer-probe.ts', "import fs from 'node:fs';\nexport const probe = fs;\n", 'no Node built-ins'],
    ['common/layer-probe.ts', "import { readFileSync } from 'fs';\nexport const probe = readFileSync;\n", 'no Node built-ins'],
    ['common/layer-probe.ts', "import { app } from 'electron';\nexport const probe = app;\n", 'may import electron'],
    ['common/layer-probe.ts', "import WebSocket from 'ws';\nexport const probe = WebSocket;\n", 'Node-only packages belong in main/'],
    ['common/layer-probe.ts', "import { writable } from 'svelte/store';\nexport const probe = writable;\n", 'framework-free'],
    ['common/layer-probe.ts', "import { createEngine } from '../main/engine/engine';\nexport const probe = createEngine;\n", 'never from main/'],
    ['main/engine/layer-probe.ts', "import { app } from 'electron';\nexport const probe = app;\n", 'may import electron'],
    ['main/engine/layer-probe.ts', "import { BrowserWindow } from 'electron/main';\nexport const probe = BrowserWindow;\n", 'may import electron'],
    ['renderer/src/layer-probe.ts', "import { app } from 'electron';\nexport const probe = app;\n", 'may import electron'],
    ['renderer/src/layer-probe.ts', "import engine from '../../main/engine/engine';\nexport const probe = engine;\n", 'never from main/'],
    ['renderer/src/lib/layer-probe.ts', "import engine from '../../../main/engine/engine';\nexport const probe = engine;\n", 'never from main/'],
    ['renderer/src/layer-probe.ts', "import WebSocket from 'ws';\nexport const probe = WebSocket;\n", 'Node-only packages belong in main/'],
    ['renderer/src/layer-probe.ts', "import path from 'node:path';\nexport const probe = path;\n", 'no Node built-ins'],
  ])('%s: %s', async (filePath, code, why) => {
    const findings = restricted(await lint(filePath, code));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toContain(why);
  });
});

describe('dynamic imports that cross a layer fail lint too', () => {
  it.each([
    ['common/layer-probe.ts', "export const probe = () => import('node:fs');\n", 'no Node built-ins'],
    ['common/layer-probe.ts', "export const probe = () => import('path');\n", 'no Node built-ins'],
    ['common/layer-probe.ts', "export const probe = () => import('ws');\n", 'Node-only packages'],
    ['common/layer-probe.ts', "export const probe = () => import('electron');\n", 'may import electron'],
    ['common/layer-probe.ts', "export const probe = () => import('../main/engine/engine.js');\n", 'never from main/'],
    ['renderer/src/layer-probe.ts', "export const probe = () => import('node:child_process');\n", 'no Node built-ins'],
    ['renderer/src/layer-probe.ts', "export const probe = () => import('../../main/handlers.js');\n", 'never from main/'],
    ['main/engine/layer-probe.ts', "export const probe = () => import('electron/main');\n", 'may import electron'],
  ])('%s: %s', async (filePath, code, why) => {
    const findings = (await lint(filePath, code)).filter((finding) => finding.ruleId === 'no-restricted-syntax');
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toContain(why);
  });

  it.each([
    ['common/layer-probe.ts', "export const probe = () => import('./model/index.js');\n"],
    ['renderer/src/layer-probe.ts', "export const probe = () => import('../../common/contract.js');\n"],
    ['renderer/src/layer-probe.ts', "export const probe = () => import('./lib/domain-path.js');\n"],
    ['main/engine/layer-probe.ts', "export const probe = () => import('node:fs');\n"],
  ])('%s may: %s', async (filePath, code) => {
    expect(await lint(filePath, code)).toEqual([]);
  });
});

describe('imports each layer is allowed', () => {
  it.each([
    ['main/index.ts', "import { app } from 'electron';\nexport const ready = app.whenReady();\n"],
    ['main/shell/layer-probe.ts', "import { BrowserWindow } from 'electron';\nexport const probe = BrowserWindow;\n"],
    ['common/layer-probe.ts', "import { z } from 'zod';\nexport const probe = z.string();\n"],
    ['common/model/layer-probe.ts', "import { applyEvents } from './reducer.js';\nexport const probe = applyEvents;\n"],
    ['renderer/src/layer-probe.ts', "import { createConsoleClient } from '../../common/client.js';\nexport const probe = createConsoleClient;\n"],
    ['main/engine/layer-probe.ts', "import WebSocket from 'ws';\nimport { readFile } from 'node:fs/promises';\nexport const probe = [WebSocket, readFile];\n"],
  ])('%s: %s', async (filePath, code) => {
    // Clean code, so any finding at all would be a regression, not only the layer rule.
    expect(await lint(filePath, code)).toEqual([]);
  });
});
