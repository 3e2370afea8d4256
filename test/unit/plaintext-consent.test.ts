import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConsoleClient, type ConsoleClient } from '../../common/client.js';
import type { ProfileInput } from '../../common/contract.js';
import { EngineManager } from '../../main/engine/manager.js';
import { createDispatcher, createHandlers } from '../../main/handlers.js';
import { silentLogger } from '../../main/log.js';
import { memoryOnlyVault, ProfileStore } from '../../main/profiles.js';
import { saveWithConsent, type PlaintextAnswer } from '../../renderer/src/lib/people/wizard.js';

/**
 * The page's side of a save on a computer without a keychain: main refuses
 * with keychain_unavailable, the page asks the person with main's reason, and
 * saves again with the answer. Main here is the real profile store and
 * handler table, reached through the same client the page uses.
 */

const PASSWORD = 'consent-pass-5521';
const input: ProfileInput = { name: 'Front desk', baseUrl: 'http://pbx:8088', username: 'console', password: PASSWORD, app: 'console', subscribeAll: true };

let dir: string;
let file: string;
let profiles: ProfileStore;
let engines: EngineManager;
let client: ConsoleClient;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'plaintext-consent-'));
  file = join(dir, 'profiles.json');
  profiles = new ProfileStore(file, memoryOnlyVault);
  engines = new EngineManager(profiles, { status() {}, batch() {} }, silentLogger);
  const dispatch = createDispatcher(createHandlers({ profiles, engines }), silentLogger);
  client = createConsoleClient({ invoke: (channel, payload) => dispatch(channel, payload), on: () => () => undefined });
});
afterEach(async () => {
  engines.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** A person who answers `answer`, noting each question's reason. */
function person(answer: PlaintextAnswer): { asked: string[]; ask: (reason: string) => Promise<PlaintextAnswer> } {
  const asked: string[] = [];
  return { asked, ask: async (reason) => (asked.push(reason), answer) };
}

const save = (candidate: ProfileInput) => client.request('profiles.save', candidate);

describe('saving a profile where the password cannot be encrypted', () => {
  it('asks once, with main\'s reason, and on yes stores the password unencrypted', async () => {
    const yes = person('plaintext');
    const saved = await saveWithConsent(save, input, yes.ask);
    expect(yes.asked).toEqual([expect.stringMatching(/^Nothing was saved: the password of "Front desk" cannot be encrypted on this computer \(this console has no keychain/)]);
    expect(saved).toMatchObject({ vault: 'plaintext', hasPassword: true });
    expect(await readFile(file, 'utf8')).toContain(PASSWORD);
  });

  it('on "only for this run" keeps it in memory: the file never holds it', async () => {
    const thisRun = person('this-run');
    expect(await saveWithConsent(save, input, thisRun.ask)).toMatchObject({ vault: 'memory-only', hasPassword: true });
    expect(thisRun.asked).toHaveLength(1);
    expect(await readFile(file, 'utf8')).not.toContain(PASSWORD);
  });

  it('on cancel saves nothing at all', async () => {
    expect(await saveWithConsent(save, input, person('cancel').ask)).toBeNull();
    expect(profiles.list()).toEqual([]);
    await expect(readFile(file, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('asks nothing for an edit that keeps the stored password, nor where nothing is written to disk', async () => {
    const first = await saveWithConsent(save, input, person('this-run').ask);
    const { password: _kept, ...edit } = input;
    const never = person('cancel');
    expect(await saveWithConsent(save, { ...edit, id: first?.id as string, name: 'Front desk 2' }, never.ask)).toMatchObject({ name: 'Front desk 2', vault: 'memory-only' });

    const runOnly = new ProfileStore(null, memoryOnlyVault);
    const direct = (candidate: ProfileInput) => runOnly.save(candidate);
    expect(await saveWithConsent(direct, input, never.ask)).toMatchObject({ vault: 'memory-only' });
    expect(never.asked).toEqual([]);
  });

  it('passes any other refusal on untouched, without asking', async () => {
    const never = person('plaintext');
    await expect(saveWithConsent(save, { ...input, id: 'p-gone' }, never.ask)).rejects.toMatchObject({ code: 'no_profile' });
    expect(never.asked).toEqual([]);
  });
});
