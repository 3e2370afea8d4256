import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ProfileInput, ProfileSummary } from '../common/contract.js';
import { ConsoleError } from '../common/errors.js';
import type { EngineProfile } from './engine/engine.js';

/**
 * Where passwords rest. The Electron shell supplies one backed by
 * `safeStorage` (the OS keychain); the browser host, which has no keychain,
 * keeps them in memory unless the user explicitly allowed plain text.
 */
export interface CredentialVault {
  readonly kind: 'os-keychain' | 'plaintext' | 'memory-only';
  /** False where nothing may be written to disk (the caller must ask the user first). */
  readonly canPersist: boolean;
  seal(password: string): string;
  open(sealed: string): string;
}

export const memoryOnlyVault: CredentialVault = {
  kind: 'memory-only',
  canPersist: false,
  seal: (password) => password,
  open: (sealed) => sealed,
};

/**
 * The password as typed, in the profiles file (mode 0600). Used only for a
 * profile whose save carried `allowPlaintext: true`: the UI asked the user
 * after being told the keychain is unavailable.
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

  async load(): Promise<void> {
    if (!this.file) return;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const parsed = JSON.parse(text) as Partial<ProfileFile>;
    for (const stored of parsed.profiles ?? []) {
      if (typeof stored?.id === 'string' && !this.builtIn.has(stored.id)) this.profiles.set(stored.id, stored);
    }
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
    const { id: storedId, name, baseUrl, username, app, subscribeAll, caFile } = stored;
    return { id: storedId, name, baseUrl, username, password, app, subscribeAll, ...(caFile ? { caFile } : {}) };
  }

  async save(input: ProfileInput): Promise<ProfileSummary> {
    const id = input.id ?? `p-${randomUUID().slice(0, 8)}`;
    if (this.builtIn.has(id)) throw new ConsoleError('bad_request', 'The built-in sandbox profile cannot be changed; create a new profile instead.');
    const previous = this.profiles.get(id);
    if (input.id && !previous) throw new ConsoleError('no_profile', `There is no connection profile "${input.id}".`);
    const next: StoredProfile = { id, name: input.name, baseUrl: input.baseUrl, username: input.username, app: input.app, subscribeAll: input.subscribeAll };
    if (input.caFile !== undefined) next.caFile = input.caFile;
    if (input.password !== undefined) {
      // Encrypted where the OS can; in the clear only when the user said so.
      const vault = this.vault.canPersist ? this.vault : input.allowPlaintext === true ? plaintextVault : null;
      if (vault) {
        next.sealedPassword = vault.seal(input.password);
        next.vault = vault.kind;
        this.memoryPasswords.delete(id);
      } else {
        this.memoryPasswords.set(id, input.password);
      }
    } else if (previous?.sealedPassword !== undefined) {
      next.sealedPassword = previous.sealedPassword;
      if (previous.vault) next.vault = previous.vault;
    }
    this.profiles.set(id, next);
    await this.persist();
    return this.summary(next);
  }

  async remove(id: string): Promise<void> {
    if (this.builtIn.has(id)) throw new ConsoleError('bad_request', 'The built-in sandbox profile cannot be removed.');
    if (!this.profiles.delete(id)) throw new ConsoleError('no_profile', `There is no connection profile "${id}".`);
    this.memoryPasswords.delete(id);
    await this.persist();
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
      hasPassword: this.memoryPasswords.has(stored.id) || stored.sealedPassword !== undefined,
      vault: this.memoryPasswords.has(stored.id) ? 'memory-only' : stored.sealedPassword !== undefined ? (stored.vault ?? null) : null,
      builtIn: this.builtIn.has(stored.id),
    };
  }

  private async persist(): Promise<void> {
    if (!this.file) return;
    const data: ProfileFile = { version: 1, profiles: [...this.profiles.values()].filter((profile) => !this.builtIn.has(profile.id)) };
    await mkdir(dirname(this.file), { recursive: true });
    // Write-then-rename: a crash mid-write must not lose every profile.
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, this.file);
  }
}
