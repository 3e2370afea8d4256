/** How the console's small JSON stores (settings, update settings, profiles, phonebook) read and save their files. */

import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
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

export type JsonListRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly message: string }
  /** `problem` says in plain words why the list could not be found; then `items` is empty. */
  | { readonly kind: 'read'; readonly items: readonly unknown[]; readonly problem: string | null };

/** The `key` list of a store's JSON file, as read; each store checks the items itself. */
export async function readJsonList(file: string, key: string): Promise<JsonListRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', message: (error as Error).message };
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const list = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[key] : undefined;
    return Array.isArray(list) ? { kind: 'read', items: list, problem: null } : { kind: 'read', items: [], problem: `it has no "${key}" list` };
  } catch (error) {
    return { kind: 'read', items: [], problem: `it is not valid JSON (${(error as Error).message})` };
  }
}

/** Where an unreadable file was copied; or, when no copy could be made, why: a failed copy never has a name to show. */
export type AsideCopy = { readonly ok: true; readonly copy: string } | { readonly ok: false; readonly error: string };

/**
 * Copies a file the console could not fully read beside itself, before the
 * next save replaces it. A copy that failed is removed again (a full disk may
 * leave half of one), so a message never names a file that is not a whole copy.
 */
export async function keepAside(file: string): Promise<AsideCopy> {
  const copy = `${file}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    await copyFile(file, copy, constants.COPYFILE_EXCL);
    return { ok: true, copy };
  } catch (error) {
    // EEXIST: the name is someone else's file, not ours to remove.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await rm(copy, { force: true }).catch(() => undefined);
    // Node's message ends with the two paths ("ENOSPC: no space left on device, copyfile 'a' -> 'b'"): the reason alone.
    return { ok: false, error: (error as Error).message.split(', copyfile ')[0] ?? 'the copy failed' };
  }
}
