import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, utimes } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryRecord } from '../../common/history/types.js';
import { createBackend } from '../../main/backend-node.js';
import { LOCK_FILE, lockDataDir } from '../../main/data-lock.js';
import { createLogger } from '../../main/log.js';
import { historyRecord } from './history-fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'data-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has just exited: a real dead pid, as a crash leaves in a lock file. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid as number;

// Calls of today: the backend's default retention (365 days) keeps them.
const call = (i: number): HistoryRecord => historyRecord(i, { startedAt: Date.now() - 60_000 + i });

describe('one console per data folder', () => {
  it('gives the folder to the first backend; a second reads it but writes nothing, and says why', async () => {
    const errors: string[] = [];
    const first = await createBackend({ dataDir: dir, log: createLogger('first', { level: 'error', write: () => undefined }) });
    const second = await createBackend({ dataDir: dir, log: createLogger('second', { level: 'error', write: (line) => errors.push(line) }) });
    try {
      expect(first.history.readOnly).toBeNull();
      expect(second.history.readOnly).toMatch(new RegExp(`^Another ARI Console \\(process ${process.pid}\\) is using the data folder .*read-only in this one\\.$`));
      expect(errors.join('\n')).toContain('is using the data folder');

      await first.history.add([call(1)]);
      await second.history.add([call(2)]);
      // The second keeps its call for this run, but only the owner's reaches the file: no interleaved appends.
      expect(second.history.get(call(2).id)).toBeDefined();
      const files = await readdir(join(dir, 'history'));
      const lines = (await readFile(join(dir, 'history', files[0] as string), 'utf8')).trimEnd().split('\n');
      expect(lines.map((line) => (JSON.parse(line) as HistoryRecord).id)).toEqual([call(1).id]);

      const refused = await second.backend.dispatch('phonebook.save', { name: 'Bob', company: '', numbers: [{ label: '', number: '102' }] });
      expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/read-only in this one/) } });
      expect(await first.backend.dispatch('phonebook.save', { name: 'Bob', company: '', numbers: [{ label: '', number: '102' }] })).toMatchObject({ ok: true });

      // Settings too: the second may not write the owner's settings.json.
      expect(await second.backend.dispatch('settings.set', { transferTimeoutSec: 40 })).toMatchObject({
        ok: false,
        error: { code: 'unavailable', message: expect.stringMatching(/read-only in this one\. Settings cannot be changed here\.$/) },
      });
      expect(second.settings.get().transferTimeoutSec).not.toBe(40);
      expect(await readdir(dir)).not.toContain('settings.json');
      expect(await first.backend.dispatch('settings.set', { transferTimeoutSec: 40 })).toMatchObject({ ok: true });
    } finally {
      await second.dispose();
      await first.dispose();
    }
    // The owner gone, the next console owns the folder again.
    const third = await createBackend({ dataDir: dir, log: createLogger('third', { level: 'error', write: () => undefined }) });
    expect(third.history.readOnly).toBeNull();
    await third.dispose();
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
  });

  it('takes over a lock whose process is gone, and respects one whose process runs', async () => {
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), token: 'crashed', since: 0 }));
    const lock = await lockDataDir(dir);
    expect(lock.readOnly).toBeNull();
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();

    // pid 1 is always running.
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), token: 'init', since: 0 }));
    expect((await lockDataDir(dir)).readOnly).toMatch(/process 1\)/);
    // On another host a pid says nothing about liveness: the lock stands.
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'elsewhere', token: 'nfs', since: 0 }));
    expect((await lockDataDir(dir)).readOnly).toMatch(/on elsewhere\)/);
  });

  it('treats an unreadable lock as being written while fresh, and as stale once old', async () => {
    const path = join(dir, LOCK_FILE);
    await writeFile(path, '');
    expect((await lockDataDir(dir)).readOnly).toMatch(/is starting with the data folder/);
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const lock = await lockDataDir(dir);
    expect(lock.readOnly).toBeNull();
    await lock.release();
  });
});
