import { readFile } from 'node:fs/promises';
import { applySettingsPatch, DEFAULT_SETTINGS, settingsFromUnknown, unknownSettingsFields, type Settings, type SettingsPatch } from '../common/settings.js';
import { ConsoleError } from '../common/errors.js';
import { keepAside, writeFileAtomically } from './store-file.js';

export interface SettingsStoreOptions {
  /**
   * Overrides for this run only (tests, the browser host, the sandbox): applied
   * on top of the saved settings, never written. A later change by the user is
   * saved on top of what the file holds, so the overrides do not leak into it.
   */
  readonly runOnly?: SettingsPatch;
  /**
   * Another console owns the data folder (main/data-lock.ts): the settings are
   * read, and every change is refused with this sentence rather than written
   * over that console's file.
   */
  readonly readOnly?: string | null;
}

/**
 * The receptionist's settings (common/settings.ts) in one JSON file, written
 * atomically. A damaged or partial file loads field by field, each bad field
 * falling back to its default, and the problem is reported, never fatal.
 */
export class SettingsStore {
  /** What the file holds (defaults where it has nothing): the only thing ever written. */
  private saved: Settings = DEFAULT_SETTINGS;
  /** Top-level fields of the file this version does not know: kept out of `saved`, written back as found. */
  private unknown: Record<string, unknown> = {};
  /** `saved` with the run-only overrides on top: what the console uses. */
  private current: Settings;
  private readonly runOnly: SettingsPatch;
  private readOnly: string | null;
  private readonly listeners = new Set<(settings: Settings) => void>();
  private queue: Promise<void> = Promise.resolve();
  private problem: string | null = null;

  /** `file` null: settings for this run only. */
  constructor(
    private readonly file: string | null,
    options: SettingsStoreOptions = {},
  ) {
    this.runOnly = options.runOnly ?? {};
    this.readOnly = options.readOnly ?? null;
    this.current = this.withRunOnly(this.saved);
  }

  async load(): Promise<void> {
    if (!this.file) return;
    try {
      const found = JSON.parse(await readFile(this.file, 'utf8')) as unknown;
      this.saved = settingsFromUnknown(found);
      this.unknown = unknownSettingsFields(found);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') await this.unreadable(this.file, (error as Error).message);
    }
    this.current = this.withRunOnly(this.saved);
  }

  /**
   * A file that is there but could not be read (truncated by a full disk,
   * edited by hand) must not be replaced by the next change: it is copied
   * aside first, and where no copy can be made the settings cannot be
   * changed in this run, saying why (as the phonebook and the profiles do).
   */
  private async unreadable(file: string, why: string): Promise<void> {
    const aside = await keepAside(file);
    if (aside.ok) {
      this.problem = `The settings file ${file} could not be read (${why}); defaults are used, and the original is kept as ${aside.copy}.`;
      return;
    }
    this.problem = `The settings file ${file} could not be read (${why}) and no copy of it could be made (${aside.error}); defaults are used, and settings cannot be changed in this run so the file is not overwritten.`;
    this.readOnly ??= `The settings file ${file} could not be read and no copy of it could be made (${aside.error}), so it is not overwritten. Fix or move it aside, then restart the console.`;
  }

  problems(): string[] {
    return this.problem ? [this.problem] : [];
  }

  get(): Settings {
    return this.current;
  }

  /** Throws the typed refusal every change gets here (another console owns the folder, an unreadable file kept). */
  assertWritable(): void {
    if (this.readOnly) throw new ConsoleError('unavailable', `${this.readOnly} Settings cannot be changed here.`);
  }

  async set(patch: SettingsPatch): Promise<Settings> {
    this.assertWritable();
    let next: Settings;
    let nextSaved: Settings;
    try {
      next = applySettingsPatch(this.current, patch);
      // Only what the user changed goes to the file: the run-only overrides stay out of it.
      nextSaved = applySettingsPatch(this.saved, patch);
    } catch (error) {
      throw new ConsoleError('invalid_request', `Those settings do not fit together: ${(error as Error).message.slice(0, 200)}`);
    }
    this.current = next;
    this.saved = nextSaved;
    const file = this.file;
    if (file) {
      // What this version knows comes last, so an unknown field can never stand in for a known one.
      const body = { ...this.unknown, ...nextSaved };
      const write = this.queue.then(async () => {
        await writeFileAtomically(file, `${JSON.stringify(body, null, 2)}\n`);
      });
      this.queue = write.catch(() => undefined);
      try {
        await write;
      } catch (error) {
        throw new ConsoleError('internal', `The settings apply now but could not be saved: ${(error as Error).message}`);
      }
    }
    for (const listener of this.listeners) listener(next);
    return next;
  }

  subscribe(listener: (settings: Settings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private withRunOnly(saved: Settings): Settings {
    try {
      return applySettingsPatch(saved, this.runOnly);
    } catch (error) {
      throw new ConsoleError('invalid_request', `The settings given for this run do not fit: ${(error as Error).message.slice(0, 200)}`);
    }
  }
}
