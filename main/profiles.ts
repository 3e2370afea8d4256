import { randomUUID } from 'node:crypto';
import { profileInputSchema, type ProfileInput, type ProfileSummary } from '../common/contract.js';
import { ConsoleError } from '../common/errors.js';
import { keepAside, readJsonList, writeFileAtomically } from './store-file.js';
import type { EngineProfile } from './engine/engine.js';

/**
 * Where passwords rest. The Electron shell supplies one backed by
 * `safeStorage` (the OS keychain); the browser host, which has no keychain,
 * has none: there a save asks the user (through a refusal the page turns into
 * a question) whether to store the password unencrypted or for this run only.
 */
export interface CredentialVault {
  readonly kind: 'os-keychain' | 'plaintext' | 'memory-only';
  /** False where nothing may be written to disk (the caller must ask the user first). */
  readonly canPersist: boolean;
  /** Where canPersist is false: why, in words, for the question put to the user. */
  readonly unavailable?: string;
  seal(password: string): string;
  open(sealed: string): string;
}

export const memoryOnlyVault: CredentialVault = {
  kind: 'memory-only',
  canPersist: false,
  unavailable: 'this console has no keychain to encrypt it with',
  seal: (password) => password,
  open: (sealed) => sealed,
};

/**
 * The password as typed, in the profiles file (mode 0600). Used only for a
 * profile whose save carried `allowPlaintext: true`: the UI asked the user
 * after main refused the save with `keychain_unavailable`.
 */
export const plaintextVault: CredentialVault = {
  kind: 'plaintext',
  canPersist: true,
  seal: (password) => password,
  open: (sealed) => sealed,
};

interface StoredProfile {
  id: string;
  name: string;
  baseUrl: string;
  username: string;
  app: string;
  subscribeAll: boolean;
  caFile?: string;
  reconnectMaxMs?: number;
  /** Sealed by the vault; absent for profiles whose password lives only in memory. */
  sealedPassword?: string;
  vault?: CredentialVault['kind'];
}

interface ProfileFile {
  version: 1;
  profiles: StoredProfile[];
}

export class ProfileStore {
  private readonly profiles = new Map<string, StoredProfile>();
  /** Passwords that may not be written to disk, kept for this run only. */
  private readonly memoryPasswords = new Map<string, string>();
  private readonly builtIn = new Set<string>();
  private readonly loadProblems: string[] = [];
  /**
   * Set when the file could not be fully read and no copy of it could be made:
   * a save would replace the only original, so every change is refused with
   * this sentence for the rest of the run (as the phonebook does).
   */
  private writeBlocked: string | null = null;

  constructor(
    private readonly file: string | null,
    private readonly vault: CredentialVault,
  ) {}

  /** Adds a profile that comes with the app (the Asterisk sandbox); never written to disk. */
  addBuiltIn(profile: EngineProfile): void {
    const { password, ...rest } = profile;
    this.profiles.set(profile.id, { ...rest });
    this.memoryPasswords.set(profile.id, password);
    this.builtIn.add(profile.id);
  }

  /**
   * Reads the profiles file. A file that cannot be understood (hand-edited,
   * truncated by a full disk, from a newer version) must not stop the console
   * from starting, and must not be overwritten by the next save either: it is
   * copied aside first, the readable profiles are kept, and each problem is
   * reported through `problems()` for the UI to show.
   */
  async load(): Promise<void> {
    if (!this.file) return;
    const read = await readJsonList(this.file, 'profiles');
    if (read.kind === 'missing') return;
    if (read.kind === 'unreadable') {
      // Not even a copy can be made of what cannot be read: the next save must not replace it.
      this.writeBlocked = `The profiles file ${this.file} could not be read (${read.message}); no profile can be saved or removed in this run so that the ones in it are not lost. Fix or move the file aside, then restart the console.`;
      this.loadProblems.push(`The profiles file ${this.file} could not be read (${read.message}); starting without saved profiles, and profiles cannot be changed in this run so the file is not overwritten.`);
      return;
    }
    const problems: string[] = read.problem === null ? [] : [read.problem];
    for (const [index, entry] of read.items.entries()) {
      const stored = readStoredProfile(entry);
      if (typeof stored === 'string') problems.push(`profile #${index + 1} was skipped: ${stored}`);
      else if (!this.builtIn.has(stored.id)) this.profiles.set(stored.id, stored);
    }
    if (problems.length === 0) return;
    const aside = await keepAside(this.file);
    if (aside.ok) {
      this.loadProblems.push(`Some saved profiles could not be read; the original file is kept as ${aside.copy}: ${problems.join('; ')}.`);
      return;
    }
    // No copy: a save would replace the only original, unreadable profiles and all.
    this.writeBlocked = `The profiles file ${this.file} could not be fully read and no copy of it could be made (${aside.error}); no profile can be saved or removed in this run so that the ones in it are not lost. Free some space or move the file aside, then restart the console.`;
    this.loadProblems.push(
      `Some saved profiles could not be read (${problems.join('; ')}) and no backup could be written (${aside.error}); profiles cannot be changed in this run so the file is not overwritten.`,
    );
  }

  /** What went wrong reading the profiles file, in plain words; empty when nothing did. */
  problems(): readonly string[] {
    return this.loadProblems;
  }

  list(): ProfileSummary[] {
    return [...this.profiles.values()].map((profile) => this.summary(profile));
  }

  /** The full profile, password included: for the engine only, never for a response. */
  resolve(id: string): EngineProfile {
    const stored = this.profiles.get(id);
    if (!stored) throw new ConsoleError('no_profile', `There is no connection profile "${id}".`);
    const password = this.passwordOf(stored);
    if (password === null) throw new ConsoleError('bad_request', `Profile "${stored.name}" has no password stored; edit it and enter the password.`);
    const { id: storedId, name, baseUrl, username, app, subscribeAll, caFile, reconnectMaxMs } = stored;
    return {
      id: storedId,
      name,
      baseUrl,
      username,
      password,
      app,
      subscribeAll,
      ...(caFile ? { caFile } : {}),
      ...(reconnectMaxMs === undefined ? {} : { reconnectMaxMs }),
    };
  }

  async save(input: ProfileInput): Promise<ProfileSummary> {
    this.writable();
    const id = input.id ?? `p-${randomUUID().slice(0, 8)}`;
    if (this.builtIn.has(id)) throw new ConsoleError('bad_request', 'The built-in sandbox profile cannot be changed; create a new profile instead.');
    const previous = this.profiles.get(id);
    if (input.id && !previous) throw new ConsoleError('no_profile', `There is no connection profile "${input.id}".`);
    const next: StoredProfile = { id, name: input.name, baseUrl: input.baseUrl, username: input.username, app: input.app, subscribeAll: input.subscribeAll };
    if (input.caFile !== undefined) next.caFile = input.caFile;
    if (input.reconnectMaxMs !== undefined) next.reconnectMaxMs = input.reconnectMaxMs;
    let memoryPassword: string | null = null;
    if (input.password !== undefined) {
      const sealed = this.seal(input.name, input.password, input.allowPlaintext);
      if (sealed === null) {
        memoryPassword = input.password;
      } else {
        next.sealedPassword = sealed.sealedPassword;
        next.vault = sealed.vault;
      }
    } else if (previous && (previous.sealedPassword !== undefined || this.memoryPasswords.has(id))) {
      // The stored password goes only where it was meant to go: a page must
      // not be able to point a profile at its own server and have main
      // deliver the password there on the next connect.
      if (!sameDestination(previous, next)) {
        throw new ConsoleError('invalid_request', `The address or user of "${previous.name}" changed: enter the ARI password again.`);
      }
      if (previous.sealedPassword !== undefined) next.sealedPassword = previous.sealedPassword;
      if (previous.vault) next.vault = previous.vault;
    }
    this.profiles.set(id, next);
    if (input.password !== undefined) {
      if (memoryPassword === null) this.memoryPasswords.delete(id);
      else this.memoryPasswords.set(id, memoryPassword);
    }
    await this.persist();
    return this.summary(next);
  }

  /**
   * The password sealed for the file: by the keychain where it works, in the
   * clear where the user said so; null keeps it in memory for this run (the
   * user said so, or this store writes no file). Where the keychain cannot
   * encrypt it and the user has not answered yet, the save is refused with
   * `keychain_unavailable`, saying why, and nothing is changed: the page asks
   * then ("Store the password unencrypted on this computer?") and saves again.
   */
  private seal(name: string, password: string, allowPlaintext: boolean | undefined): { sealedPassword: string; vault: CredentialVault['kind'] } | null {
    let reason = this.vault.unavailable ?? 'this computer has no keychain to encrypt it with';
    if (this.vault.canPersist) {
      try {
        return { sealedPassword: this.vault.seal(password), vault: this.vault.kind };
      } catch (error) {
        // A keychain that is there but refuses (locked, its service gone): the same question.
        reason = `the keychain could not encrypt it (${(error as Error).message})`;
      }
    }
    if (this.file === null || allowPlaintext === false) return null;
    if (allowPlaintext === true) return { sealedPassword: plaintextVault.seal(password), vault: plaintextVault.kind };
    throw new ConsoleError(
      'keychain_unavailable',
      `Nothing was saved: the password of "${name}" cannot be encrypted on this computer (${reason}). It can be stored unencrypted in the profiles file, or kept for this run only.`,
    );
  }

  async remove(id: string): Promise<void> {
    this.writable();
    if (this.builtIn.has(id)) throw new ConsoleError('bad_request', 'The built-in sandbox profile cannot be removed.');
    if (!this.profiles.delete(id)) throw new ConsoleError('no_profile', `There is no connection profile "${id}".`);
    this.memoryPasswords.delete(id);
    await this.persist();
  }

  private writable(): void {
    if (this.writeBlocked) throw new ConsoleError('unavailable', this.writeBlocked);
  }

  private passwordOf(stored: StoredProfile): string | null {
    const inMemory = this.memoryPasswords.get(stored.id);
    if (inMemory !== undefined) return inMemory;
    if (stored.sealedPassword === undefined) return null;
    if (stored.vault === plaintextVault.kind) return plaintextVault.open(stored.sealedPassword);
    if (stored.vault !== this.vault.kind) {
      throw new ConsoleError('bad_request', `The password of "${stored.name}" was stored with ${stored.vault ?? 'another store'}, which is not available here; enter it again.`);
    }
    return this.vault.open(stored.sealedPassword);
  }

  private summary(stored: StoredProfile): ProfileSummary {
    return {
      id: stored.id,
      name: stored.name,
      baseUrl: stored.baseUrl,
      username: stored.username,
      app: stored.app,
      subscribeAll: stored.subscribeAll,
      caFile: stored.caFile ?? null,
      reconnectMaxMs: stored.reconnectMaxMs ?? null,
      hasPassword: this.memoryPasswords.has(stored.id) || stored.sealedPassword !== undefined,
      vault: this.memoryPasswords.has(stored.id) ? 'memory-only' : stored.sealedPassword !== undefined ? (stored.vault ?? null) : null,
      builtIn: this.builtIn.has(stored.id),
    };
  }

  private async persist(): Promise<void> {
    if (!this.file) return;
    const data: ProfileFile = { version: 1, profiles: [...this.profiles.values()].filter((profile) => !this.builtIn.has(profile.id)) };
    // Owner-only: the file holds sealed passwords.
    await writeFileAtomically(this.file, `${JSON.stringify(data, null, 2)}\n`, 0o600);
  }
}

/**
 * Whether a password kept for `stored` may be sent to `candidate`: same origin
 * (scheme, host, port) and user. A changed CA file alone does not count: the
 * page can name a file but not write one, and the host stays the same.
 */
export function sameDestination(stored: { baseUrl: string; username: string }, candidate: { baseUrl: string; username: string }): boolean {
  return new URL(stored.baseUrl).origin === new URL(candidate.baseUrl).origin && stored.username === candidate.username;
}

const VAULT_KINDS: readonly string[] = ['os-keychain', 'plaintext', 'memory-only'];

/** One entry of the profiles file, checked with the same rules as a profile typed in the UI; a string says why not. */
function readStoredProfile(entry: unknown): StoredProfile | string {
  if (typeof entry !== 'object' || entry === null) return 'it is not an object';
  // Fields a newer version may add are ignored, not fatal: only the ones this version uses are checked.
  const {
    id,
    sealedPassword,
    vault,
    caFile,
    reconnectMaxMs,
    name: typedName,
    baseUrl: typedUrl,
    username: typedUser,
    app: typedApp,
    subscribeAll: typedAll,
  } = entry as Record<string, unknown>;
  const checked = profileInputSchema.safeParse({
    id,
    name: typedName,
    baseUrl: typedUrl,
    username: typedUser,
    app: typedApp,
    subscribeAll: typedAll,
    ...(caFile === undefined ? {} : { caFile }),
    ...(reconnectMaxMs === undefined ? {} : { reconnectMaxMs }),
  });
  if (!checked.success || typeof id !== 'string') {
    const issue = checked.error?.issues[0];
    return `"${typeof typedName === 'string' ? typedName : String(id)}": ${issue ? `${issue.path.join('.') || 'profile'} ${issue.message}` : 'it has no id'}`;
  }
  if (sealedPassword !== undefined && typeof sealedPassword !== 'string') return `"${checked.data.name}": its stored password is unreadable`;
  if (vault !== undefined && (typeof vault !== 'string' || !VAULT_KINDS.includes(vault))) return `"${checked.data.name}": unknown password store`;
  const { name, baseUrl, username, app, subscribeAll } = checked.data;
  const stored: StoredProfile = { id, name, baseUrl, username, app, subscribeAll };
  if (checked.data.caFile !== undefined) stored.caFile = checked.data.caFile;
  if (checked.data.reconnectMaxMs !== undefined) stored.reconnectMaxMs = checked.data.reconnectMaxMs;
  if (typeof sealedPassword === 'string') stored.sealedPassword = sealedPassword;
  if (typeof vault === 'string') stored.vault = vault as CredentialVault['kind'];
  return stored;
}
