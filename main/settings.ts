import { readFile } from 'node:fs/promises';
import { applySettingsPatch, DEFAULT_SETTINGS, settingsFromUnknown, type Settings, type SettingsPatch } from '../common/settings.js';
import { ConsoleError } from '../common/errors.js';
import { writeFileAtomically } from './store-file.js';

/**
 * The receptionist's settings (common/settings.ts) in one JSON file, written
 * atomically. A damaged or partial file loads field by field, each bad field
 * falling back to its default, and the problem is reported, never fatal.
 */
export class SettingsStore {
  private current: Settings = DEFAULT_SETTINGS;
  private readonly listeners = new Set<(settings: Settings) => void>();
  private queue: Promise<void> = Promise.resolve();
  private problem: string | null = null;

  /** `file` null: settings for this run only; `initial` overrides the defaults (tests, the sandbox). */
  constructor(
    private readonly file: string | null,
    initial: SettingsPatch = {},
  ) {
    this.current = applySettingsPatch(DEFAULT_SETTINGS, initial);
  }

  async load(): Promise<void> {
    if (!this.file) return;
    try {
      this.current = settingsFromUnknown(JSON.parse(await readFile(this.file, 'utf8')) as unknown);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.problem = `The settings file ${this.file} could not be read (${(error as Error).message}); defaults are used.`;
    }
  }

  problems(): string[] {
    return this.problem ? [this.problem] : [];
  }

  get(): Settings {
    return this.current;
  }

  async set(patch: SettingsPatch): Promise<Settings> {
    let next: Settings;
    try {
      next = applySettingsPatch(this.current, patch);
    } catch (error) {
      throw new ConsoleError('invalid_request', `Those settings do not fit together: ${(error as Error).message.slice(0, 200)}`);
    }
    this.current = next;
    const file = this.file;
    if (file) {
      const write = this.queue.then(async () => {
        await writeFileAtomically(file, `${JSON.stringify(next, null, 2)}\n`);
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
}
