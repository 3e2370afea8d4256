import { randomUUID } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Replaces `file` with `text` all at once: written beside it under a name no
 * other writer (another process, an overlapping save) can share, then renamed
 * over it. A crash or a full disk mid-write leaves the old file whole, and no
 * half-written copy is left beside it. The one way the console's small stores
 * (settings, profiles, phonebook, update settings) save.
 */
export async function writeFileAtomically(file: string, text: string, mode?: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, text, mode === undefined ? 'utf8' : { encoding: 'utf8', mode });
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
