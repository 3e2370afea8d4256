/**
 * How much CPU a thread got and how long it sat runnable waiting for one
 * (Linux /proc/<pid>/task/<tid>/schedstat: ns on a CPU, ns on a run queue).
 * On a machine shared with other work a late event is either work or a wait
 * for a core; this says which.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Sched {
  /** ms on a CPU so far. */
  readonly runMs: number;
  /** ms runnable but waiting for a CPU so far. */
  readonly waitMs: number;
}

/** The thread's counters (its process's main thread when tid is left out), or null where /proc cannot say. */
export function schedOf(pid: number, tid = pid): Sched | null {
  try {
    const [run = NaN, wait = NaN] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? { runMs: run / 1e6, waitMs: wait / 1e6 } : null;
  } catch {
    return null;
  }
}

/** This process's descendants (children, their children, ...), with their command lines. */
export function descendants(root = process.pid): { pid: number; args: string }[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] ?? '' }));
  const ours = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of table) {
      if (ours.has(row.ppid) && !ours.has(row.pid)) {
        ours.add(row.pid);
        grew = true;
      }
    }
  }
  return table.filter((row) => ours.has(row.pid) && row.pid !== root).map(({ pid, args }) => ({ pid, args }));
}

/** Renderer processes of the Chromium this process launched (descendants with --type=renderer). */
export function chromiumRenderers(root = process.pid): number[] {
  return descendants(root)
    .filter((row) => /--type=renderer/.test(row.args))
    .map((row) => row.pid);
}

/** Counters of several processes' main threads now, to subtract later with `since`. */
export function sample(pids: readonly number[]): Map<number, Sched> {
  const samples = new Map<number, Sched>();
  for (const pid of pids) {
    const sched = schedOf(pid);
    if (sched) samples.set(pid, sched);
  }
  return samples;
}

/** Per process: ms on a CPU and ms waiting for one between two samples. */
export function since(before: Map<number, Sched>, after: Map<number, Sched>): Map<number, Sched> {
  const deltas = new Map<number, Sched>();
  for (const [pid, end] of after) {
    const start = before.get(pid);
    if (start) deltas.set(pid, { runMs: end.runMs - start.runMs, waitMs: end.waitMs - start.waitMs });
  }
  return deltas;
}
