/**
 * `npm run bench [-- ROW ...] [--runs N] [--cpu-prof]`
 *
 * Runs the selected rows (all by default), each in a fresh process, merges
 * their results into bench/results.json and rewrites bench/RESULTS.md from
 * it, so rerunning one row keeps the others' figures (each row says when and
 * on what machine it ran).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './lib/fixture.js';
import { machine, spawnChild, tell, type RowResult } from './lib/harness.js';
import { renderResults } from './lib/report.js';
import { releaseSandbox } from './lib/sandbox.js';
import { ROWS } from './rows/index.js';

const RESULTS_JSON = resolve(ROOT, 'bench', 'results.json');
const RESULTS_MD = resolve(ROOT, 'bench', 'RESULTS.md');
const PROFILES = resolve(ROOT, 'out', 'bench-profiles');

interface Options {
  rows: string[];
  runs: number | undefined;
  cpuProf: boolean;
  child: string | null;
}

function parseArgs(argv: readonly string[]): Options {
  const options: Options = { rows: [], runs: undefined, cpuProf: false, child: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--cpu-prof') options.cpuProf = true;
    else if (arg === '--child') options.child = argv[++i] ?? null;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`usage: npm run bench [-- ROW ...] [--runs N] [--cpu-prof]\nrows: ${ROWS.map((row) => row.id + (row.pending ? ' (pending)' : '')).join(', ')}\n`);
      process.exit(0);
    } else options.rows.push(arg);
  }
  const known = new Set(ROWS.map((row) => row.id));
  for (const row of options.rows) if (!known.has(row)) throw new Error(`unknown row "${row}"; rows: ${[...known].join(', ')}`);
  return options;
}

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

/** In the child: run one row and hand its result to the parent. */
async function runChild(id: string, options: Options): Promise<void> {
  const row = ROWS.find((candidate) => candidate.id === id);
  if (!row) throw new Error(`no row ${id}`);
  const started = performance.now();
  const ranAt = new Date().toISOString();
  const host = machine();
  try {
    const result = await row.run({ runs: options.runs, cpuProfDir: options.cpuProf ? PROFILES : undefined, log });
    tell({ type: 'result', result: { ...result, id, ranAt, seconds: (performance.now() - started) / 1000, machine: host } satisfies RowResult });
  } finally {
    await releaseSandbox();
  }
}

function loadResults(): Record<string, RowResult> {
  return existsSync(RESULTS_JSON) ? (JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as Record<string, RowResult>) : {};
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.child) {
    await runChild(options.child, options);
    // Clients and timers of the row may linger: the result is sent.
    setTimeout(() => process.exit(0), 100).unref();
    return;
  }
  if (options.cpuProf) mkdirSync(PROFILES, { recursive: true });
  const selected = options.rows.length > 0 ? ROWS.filter((row) => options.rows.includes(row.id)) : ROWS;
  // Only this run's rows are ours: the file is read again before each write, so rows that other runs of the
  // bench finished meanwhile (on a shared machine, several at once) are kept instead of being overwritten
  // with the copy read at the start.
  const mine: Record<string, RowResult> = {};
  const save = (): void => {
    const results = { ...loadResults(), ...mine };
    writeFileSync(RESULTS_JSON, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(RESULTS_MD, renderResults(ROWS, results));
  };
  let failed = false;
  for (const row of selected) {
    if (row.pending) {
      log(`${row.id}: pending (${row.pending})`);
      continue;
    }
    log(`${row.id}: ${row.measure}`);
    const args = ['--child', row.id, ...(options.runs ? ['--runs', String(options.runs)] : []), ...(options.cpuProf ? ['--cpu-prof'] : [])];
    const child = spawnChild('run', args);
    try {
      const failure = child.message<{ message: string }>('error').then((error) => Promise.reject(new Error(error.message)));
      failure.catch(() => undefined);
      const { result } = await Promise.race([child.message<{ result: RowResult }>('result', 3_600_000), failure]);
      mine[row.id] = result;
      log(`${row.id}: ${result.status} - ${result.headline} (${result.seconds.toFixed(0)} s)`);
    } catch (error) {
      failed = true;
      log(`${row.id}: FAILED ${(error as Error).message}`);
      child.process.kill();
    }
    await child.exited;
    save();
  }
  save();
  log(`wrote ${RESULTS_MD}`);
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (process.send) tell({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
