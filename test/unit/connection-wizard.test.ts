import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plaintextVault, ProfileStore } from '../../main/profiles.js';
import { connectionDraft, draftToInput } from '../../renderer/src/lib/people/wizard.js';

/** The connection form edits what it shows and keeps what it does not. */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'connection-wizard-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('editing a saved profile in the Connections panel', () => {
  it("keeps its CA file, which the form does not show, when only the reconnect cap is changed", async () => {
    const profiles = new ProfileStore(join(dir, 'profiles.json'), plaintextVault);
    const caFile = join(dir, 'private-ca.pem');
    const saved = await profiles.save({ name: 'HQ', baseUrl: 'https://pbx.example:8089', username: 'console', password: 'pw', app: 'console', subscribeAll: true, caFile });

    const [summary] = profiles.list();
    expect(summary?.caFile).toBe(caFile);
    const checked = draftToInput({ ...connectionDraft(summary ?? null), reconnectMaxMs: '5000' });
    if (!checked.ok) throw new Error(checked.error);
    await profiles.save(checked.input);

    expect(profiles.resolve(saved.id)).toMatchObject({ caFile, reconnectMaxMs: 5000, password: 'pw' });
    // A new profile has none.
    expect(connectionDraft(null).caFile).toBeNull();
  });
});
