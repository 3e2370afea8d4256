/**
 * The one place a profile's CA file is read, shared by the REST client and
 * the events socket. The path comes from a profile the page may have saved,
 * so it is treated as hostile: read only when the link is TLS (a plain link
 * has no use for it), without blocking main's event loop, only if it is a
 * regular file (not a FIFO that would hang a read, not /dev/zero, not a
 * directory) of bounded size, and only if it is PEM certificates. A failure
 * says which rule failed in fixed words: never the file's bytes, never the
 * OS's own message (which may quote more than we want shown in the page).
 */
import { X509Certificate } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { ConsoleError } from '../../common/errors.js';

/** A CA bundle of a few certificates is a few KB; 256 KB leaves room for a full system bundle. */
export const CA_FILE_MAX_BYTES = 256 * 1024;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END CERTIFICATE-----/g;

function unusable(path: string, reason: string): ConsoleError {
  return new ConsoleError('invalid_request', `The CA file could not be used: ${reason} (${path}).`);
}

function unreadable(path: string, error: unknown): ConsoleError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return unusable(path, 'there is no file at that path');
  if (code === 'EACCES' || code === 'EPERM') return unusable(path, 'the console is not allowed to read it');
  return unusable(path, 'it could not be read');
}

/** True for the schemes that carry TLS; any other link never touches the file. */
function isTls(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'wss:';
  } catch {
    return false;
  }
}

/**
 * The certificates to trust for `url`, or undefined when there is no CA file
 * or the link is not TLS. Rejects with an `invalid_request` ConsoleError whose
 * message starts "The CA file could not be used:".
 */
export async function loadCaFile(caFile: string | undefined, url: string): Promise<Buffer | undefined> {
  if (!caFile || !isTls(url)) return undefined;
  let before;
  try {
    before = await fs.stat(caFile);
  } catch (error) {
    throw unreadable(caFile, error);
  }
  if (!before.isFile()) throw unusable(caFile, 'it is not a regular file');
  if (before.size > CA_FILE_MAX_BYTES) throw unusable(caFile, `it is larger than ${CA_FILE_MAX_BYTES / 1024} KB`);

  // O_NONBLOCK (absent on Windows): if the path was swapped for a FIFO after
  // the stat, opening it must not park a thread of the pool waiting for a writer.
  let handle;
  try {
    handle = await fs.open(caFile, constants.O_RDONLY | ((constants as Partial<typeof constants>).O_NONBLOCK ?? 0));
  } catch (error) {
    throw unreadable(caFile, error);
  }
  let text: string;
  try {
    // Checked again on the open handle: what we read is what we checked.
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== before.ino || opened.dev !== before.dev) throw unusable(caFile, 'it changed while being opened');
    const buffer = Buffer.alloc(CA_FILE_MAX_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > CA_FILE_MAX_BYTES) throw unusable(caFile, `it is larger than ${CA_FILE_MAX_BYTES / 1024} KB`);
    }
    text = buffer.subarray(0, length).toString('latin1');
  } catch (error) {
    throw error instanceof ConsoleError ? error : unreadable(caFile, error);
  } finally {
    await handle.close().catch(() => undefined);
  }

  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw unusable(caFile, 'it holds no PEM certificate');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw unusable(caFile, 'a certificate in it does not parse');
    }
  }
  // Only the certificates go to TLS: a private key pasted into the bundle by mistake stays here.
  return Buffer.from(`${blocks.join('\n')}\n`, 'latin1');
}
