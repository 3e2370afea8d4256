import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResponseOf } from '../../common/contract.js';
import type { HistoryRecord } from '../../common/history/types.js';
import { createBackend } from '../../main/backend-node.js';
import { silentLogger } from '../../main/log.js';
import { historyRecord } from './history-fixtures.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'history-loading-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// A call of today: the backend's default retention (365 days) keeps it.
const call: HistoryRecord = historyRecord(1, { startedAt: Date.now() - 60_000 });

describe('reading the history at start', () => {
  it('never holds up the backend: queries say "loading" until the read ends, then history.added asks again', async () => {
    // The history file is a FIFO: reading it blocks until this test writes — a disk as slow as we like, no timing involved.
    const history = join(dir, 'history');
    await mkdir(history);
    const fifo = join(history, 'calls-000001.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);

    const node = await createBackend({ dataDir: dir, log: silentLogger });
    const added: unknown[] = [];
    node.backend.subscribe((channel, payload) => {
      if (channel === 'history.added') added.push(payload);
    });
    try {
      const during = await node.backend.dispatch('history.query', {});
      expect(during).toEqual({ ok: true, value: { total: 0, items: [], loading: true } });
      // Other requests are answered meanwhile too.
      expect(await node.backend.dispatch('phonebook.search', { text: '' })).toEqual({ ok: true, value: { total: 0, items: [] } });

      // The disk answers at last.
      await writeFile(fifo, `${JSON.stringify(call)}\n`);
      await node.history.ready();
      await new Promise((resolve) => setImmediate(resolve));
      expect(added).toEqual([{ count: 1, total: 1 }]);
      const after = (await node.backend.dispatch('history.query', {})) as { ok: true; value: ResponseOf<'history.query'> };
      expect(after.value).toEqual({ total: 1, items: [call] });
    } finally {
      await node.dispose();
    }
  });
});
