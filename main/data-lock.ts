import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * One console per data folder. Two backends appending to the same history
 * files would interleave their lines, and two phonebook writers would undo
 * each other's saves; so the first takes `console.lock` (created with O_EXCL,
 * holding its pid) and a second one runs read-only and says so. A lock whose
 * process is gone (a crash, a kill -9) is stale and taken over; on another
 * host the pid means nothing, so such a lock is respected.
 */

export const LOCK_FILE = 'console.lock';

interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly since: number;
}

export interface DataLock {
  /** Null: this backend owns the folder. Otherwise why it is read-only, in a sentence. */
  readonly readOnly: string | null;
  release(): Promise<void>;
}

/** Locks of this process still held, by token: the same pid in a lock file is alive only if its token is one of them. */
const heldHere = new Set<string>();

/** A lock file younger than this that cannot be read is being written by its owner right now. */
const FRESH_MS = 10_000;

export interface LockOptions {
  /** Whether a pid is a running process (tests); default: signal 0. */
  readonly isAlive?: (pid: number) => boolean;
}

export async function lockDataDir(dir: string, options: LockOptions = {}): Promise<DataLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const isAlive = options.isAlive ?? processAlive;
  const mine: LockContent = { pid: process.pid, host: hostname(), token: randomUUID(), since: Date.now() };
  // Twice at most: a stale lock is removed once, then another starting console may have won the race.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(mine)}\n`);
      } finally {
        await handle.close();
      }
      heldHere.add(mine.token);
      return { readOnly: null, release: () => release(path, mine.token) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(path);
    if (holder === 'fresh') break;
    if (holder !== null && (holder.host !== mine.host || (holder.pid === process.pid ? heldHere.has(holder.token) : isAlive(holder.pid)))) {
      return { readOnly: heldMessage(dir, holder), release: async () => undefined };
    }
    await unlink(path).catch(() => undefined);
  }
  return { readOnly: `Another ARI Console is starting with the data folder ${dir}; settings, call history and the phonebook are read-only in this one.`, release: async () => undefined };
}

function heldMessage(dir: string, holder: LockContent): string {
  const where = holder.host === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
  return `Another ARI Console (${where}) is using the data folder ${dir}; settings, call history and the phonebook are read-only in this one.`;
}

/** The lock's owner; null when the file is unreadable and old (stale), 'fresh' when it is being written. */
async function readHolder(path: string): Promise<LockContent | null | 'fresh'> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockContent>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string') return parsed as LockContent;
  } catch {
    // Unreadable: decided by its age below.
  }
  const age = await stat(path).then((info) => Date.now() - info.mtimeMs, () => Number.POSITIVE_INFINITY);
  return age < FRESH_MS ? 'fresh' : null;
}

async function release(path: string, token: string): Promise<void> {
  if (!heldHere.delete(token)) return;
  // Only our own lock: a folder taken over after a (wrongly) stale verdict keeps its new owner's lock.
  const holder = await readHolder(path);
  if (holder !== null && holder !== 'fresh' && holder.token === token) await unlink(path).catch(() => undefined);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
