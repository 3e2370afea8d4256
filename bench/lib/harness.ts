/**
 * What every bench row shares: statistics, the shape of a row's result, the
 * machine description, and child processes (each measured client runs in a
 * fresh V8 of its own, so one variant's JIT and heap never colour another's).
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { resolve } from 'node:path';
import { ROOT } from './fixture.js';

export interface Summary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly n: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? NaN, median: quantile(sorted, 0.5), max: sorted[sorted.length - 1] ?? NaN, n: sorted.length };
}

/** Linear interpolation between closest ranks; `sorted` ascending. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (b - a) * (position - low);
}

export interface Figure {
  readonly label: string;
  readonly unit: string;
  /** One value per counted run. */
  readonly values: readonly number[];
  readonly digits?: number;
}

export type RowStatus = 'met' | 'missed' | 'pending' | 'failed' | 'partial';

export interface RowResult {
  readonly id: string;
  readonly status: RowStatus;
  /** One line for the results table: the figure that decides the goal. */
  readonly headline: string;
  readonly figures: readonly Figure[];
  readonly notes: readonly string[];
  readonly ranAt: string;
  readonly seconds: number;
  readonly machine: Machine;
}

export interface RowContext {
  /** Counted runs requested (each row has its own default). */
  readonly runs: number | undefined;
  /** Start measured child processes with --cpu-prof into this folder. */
  readonly cpuProfDir: string | undefined;
  log(message: string): void;
}

export interface BenchRow {
  readonly id: string;
  readonly measure: string;
  readonly comparedWith: string;
  readonly goal: string;
  readonly needsSandbox: boolean;
  /** Rows whose harness is not written yet: the runner records them as pending. */
  readonly pending?: string;
  run(context: RowContext): Promise<Omit<RowResult, 'id' | 'ranAt' | 'seconds' | 'machine'>>;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kernel: string;
  readonly loadAverage: string;
}

export function machine(): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((load) => load.toFixed(2)).join(' '),
  };
}

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : value < 0 ? '−∞' : 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function describe(figure: Figure): string {
  const s = summarize(figure.values);
  const digits = figure.digits ?? 0;
  return `${fmt(s.min, digits)} / ${fmt(s.median, digits)} / ${fmt(s.max, digits)} ${figure.unit}`;
}

export const BENCH_OUT = resolve(ROOT, 'out', 'bench');

export interface Child {
  readonly process: ChildProcess;
  /** The next IPC message of this `type` (rejects if the child exits first). */
  message<T = Record<string, unknown>>(type: string, timeoutMs?: number): Promise<T>;
  exited: Promise<number | null>;
}

/**
 * Starts out/bench/<entry>.js with an IPC channel. BENCH_NODE_ARGS_<ENTRY> (e.g.
 * BENCH_NODE_ARGS_UI_HOST="--trace-gc") adds Node flags to that child only:
 * V8 flags such as --trace-gc are refused in NODE_OPTIONS.
 */
export function spawnChild(entry: string, args: readonly string[], options: { cpuProfDir?: string | undefined; execArgv?: readonly string[] } = {}): Child {
  const extra = process.env[`BENCH_NODE_ARGS_${entry.toUpperCase().replace(/\W/g, '_')}`]?.split(' ').filter(Boolean) ?? [];
  const execArgv = [...(options.execArgv ?? []), ...extra];
  if (options.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=${entry}-${(args[0] ?? '').replace(/[^\w.-]+/g, '_').slice(0, 40)}-${Date.now()}.cpuprofile`);
  const child = fork(resolve(BENCH_OUT, `${entry}.js`), [...args], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: Record<string, unknown>[] = [];
  const wanted: Array<{ type: string; resolve: (message: Record<string, unknown>) => void }> = [];
  child.on('message', (raw) => {
    const message = raw as Record<string, unknown>;
    const index = wanted.findIndex((want) => want.type === message['type']);
    if (index >= 0) wanted.splice(index, 1)[0]?.resolve(message);
    else inbox.push(message);
  });
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  return {
    process: child,
    exited,
    message: <T>(type: string, timeoutMs = 600_000) =>
      new Promise<T>((resolveMessage, reject) => {
        const queued = inbox.findIndex((message) => message['type'] === type);
        if (queued >= 0) return resolveMessage(inbox.splice(queued, 1)[0] as T);
        const timer = setTimeout(() => reject(new Error(`${entry}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
        wanted.push({ type, resolve: (message) => (clearTimeout(timer), resolveMessage(message as T)) });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${entry} exited (${code}) before sending "${type}"`));
        });
      }),
  };
}

/** For child entries: one message to the parent. */
export function tell(message: Record<string, unknown>): void {
  process.send?.(message);
}

/** For child entries: run `main`, report a failure to the parent, exit when done. */
export function childMain(main: () => Promise<void>): void {
  main().then(
    () => process.disconnect?.(),
    (error: unknown) => {
      tell({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      process.exitCode = 1;
      process.disconnect?.();
    },
  );
}
