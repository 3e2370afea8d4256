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
import { connectionForms, NOT_SAVED, saveFromForm, saveWithConsent, type PlaintextAnswer } from '../../renderer/src/lib/people/wizard.js';

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

describe('a save pending on the question while the person opens another profile (the connections panel)', () => {
  /** The panel's question and forms: opening a form cancels a question still showing, as its edit() does. */
  function panel() {
    const forms = connectionForms();
    let pending: ((answer: PlaintextAnswer) => void) | null = null;
    const asked: string[] = [];
    return {
      asked,
      ask: (reason: string) =>
        new Promise<PlaintextAnswer>((resolve) => {
          asked.push(reason);
          pending = resolve;
        }),
      answer(answer: PlaintextAnswer) {
        pending?.(answer);
        pending = null;
      },
      edit() {
        forms.open();
        this.answer('cancel');
      },
      forms,
    };
  }

  it('drops the cancelled save\'s "Not saved" instead of writing it on the newly opened form; on its own form it still says so', async () => {
    const page = panel();
    const saving = saveFromForm(save, input, page.ask, page.forms.ticket());
    await expect.poll(() => page.asked.length).toBe(1);
    page.edit();
    expect(await saving).toEqual({ kind: 'form-gone', message: null });
    expect(profiles.list()).toEqual([]);
    // The same cancel answered on the form itself is shown there.
    const again = saveFromForm(save, input, page.ask, page.forms.ticket());
    await expect.poll(() => page.asked.length).toBe(2);
    page.answer('cancel');
    expect(await again).toEqual({ kind: 'form-error', message: NOT_SAVED });
  });

  it('a failure of a save whose form was replaced is told, naming the profile, not written on the next form', async () => {
    const page = panel();
    const refused = saveFromForm(
      async (candidate) => {
        page.edit();
        return save({ ...candidate, baseUrl: 'not a url' });
      },
      input,
      page.ask,
      page.forms.ticket(),
    );
    expect(await refused).toMatchObject({ kind: 'form-gone', message: expect.stringMatching(/^Could not save “Front desk”: /) });
    expect(page.asked).toEqual([]);
  });

  it('a save that goes through reports its profile whether or not its form is still shown', async () => {
    const page = panel();
    const saving = saveFromForm(save, input, page.ask, page.forms.ticket());
    await expect.poll(() => page.asked.length).toBe(1);
    page.answer('this-run');
    expect(await saving).toMatchObject({ kind: 'saved', profile: { name: 'Front desk', vault: 'memory-only' } });
  });
});
