import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleError } from '../../common/errors.js';
import { connectRest } from '../../main/engine/ari-rest.js';
import { CA_FILE_MAX_BYTES, loadCaFile } from '../../main/engine/ca-file.js';
import { openEventSocket, type EventSocketClose } from '../../main/engine/event-socket.js';

// The CA file's path comes from a profile the page can save: these are the
// shapes a hostile or mistaken path takes, and what the console does with each.
let dir: string;
let ca: string;
let caPem: string;
const SECRET = 'root:$6$do-not-echo-me';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ca-file-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Unit CA'], { cwd: dir, stdio: 'ignore' });
  ca = join(dir, 'ca.pem');
  caPem = readFileSync(ca, 'utf8');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function failure(path: string, url = 'https://pbx.example:8089'): Promise<ConsoleError> {
  const error = await loadCaFile(path, url).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConsoleError);
  const consoleError = error as ConsoleError;
  expect(consoleError.code).toBe('invalid_request');
  expect(consoleError.message).toMatch(/^The CA file could not be used: /);
  expect(consoleError.message).not.toContain(SECRET);
  return consoleError;
}

describe('loadCaFile', () => {
  it('reads a PEM CA for https and wss links and hands TLS only the certificates', async () => {
    const bundle = file('bundle.pem', `${caPem}${readFileSync(join(dir, 'ca.key'), 'utf8')}`);
    for (const url of ['https://pbx.example:8089/ari', 'wss://pbx.example:8089/ari/events']) {
      const loaded = await loadCaFile(bundle, url);
      expect(loaded?.toString()).toContain('-----BEGIN CERTIFICATE-----');
      expect(loaded?.toString()).not.toContain('PRIVATE KEY');
    }
  });

  it('never touches the file for a plain http or ws link, nor without a path', async () => {
    const missing = join(dir, 'nowhere.pem');
    await expect(loadCaFile(missing, 'http://pbx.example:8088')).resolves.toBeUndefined();
    await expect(loadCaFile(missing, 'ws://pbx.example:8088/ari/events')).resolves.toBeUndefined();
    await expect(loadCaFile('/dev/zero', 'http://pbx.example:8088')).resolves.toBeUndefined();
    await expect(loadCaFile(undefined, 'https://pbx.example:8089')).resolves.toBeUndefined();
  });

  it('refuses a missing file, naming the path and not the OS error', async () => {
    const error = await failure(join(dir, 'missing.pem'));
    expect(error.message).toBe(`The CA file could not be used: there is no file at that path (${join(dir, 'missing.pem')}).`);
  });

  it('refuses what is not a regular file: a directory, a device, a FIFO (without hanging on it)', async () => {
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    const fifo = join(dir, 'fifo.pem');
    execFileSync('mkfifo', [fifo]);
    for (const path of [sub, '/dev/zero', '/dev/urandom', fifo]) {
      expect((await failure(path)).message).toContain('it is not a regular file');
    }
  });

  it('refuses a file over 256 KB before reading it', async () => {
    const big = file('big.pem', Buffer.alloc(CA_FILE_MAX_BYTES + 1, 'A'));
    expect((await failure(big)).message).toContain('it is larger than 256 KB');
    const exact = file('exact.pem', `${caPem}${' '.repeat(CA_FILE_MAX_BYTES - caPem.length)}`);
    await expect(loadCaFile(exact, 'https://pbx.example')).resolves.toBeInstanceOf(Buffer);
  });

  it('refuses a file that is not PEM or whose certificate does not parse, without echoing its contents', async () => {
    const secret = file('shadow', `${SECRET}:19000:0:99999:7:::\n`);
    expect((await failure(secret)).message).toContain('it holds no PEM certificate');
    const forged = file('forged.pem', `-----BEGIN CERTIFICATE-----\n${Buffer.from(SECRET).toString('base64')}\n-----END CERTIFICATE-----\n`);
    expect((await failure(forged)).message).toContain('a certificate in it does not parse');
  });
});

describe('the REST client and the events socket use it', () => {
  it('connectRest: a plain http profile ignores a stale CA path, an https one refuses a bad file before any network', async () => {
    const plain = await connectRest({ baseUrl: 'http://127.0.0.1:1', username: 'u', password: 'p', timeoutMs: 2000, caFile: join(dir, 'missing.pem') }).catch((error: unknown) => error);
    expect(plain).toBeInstanceOf(ConsoleError);
    expect((plain as ConsoleError).code).toBe('unavailable');
    const tls = await connectRest({ baseUrl: 'https://127.0.0.1:1', username: 'u', password: 'p', timeoutMs: 2000, caFile: file('notes.txt', SECRET) }).catch((error: unknown) => error);
    expect(tls).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/^The CA file could not be used: it holds no PEM certificate/) });
    expect((tls as ConsoleError).message).not.toContain(SECRET);
  });

  it('openEventSocket: an https link with a FIFO as CA ends with the generic error, after returning the handle', async () => {
    let closed!: (reason: EventSocketClose) => void;
    const reason = new Promise<EventSocketClose>((resolve) => (closed = resolve));
    const fifo = join(dir, 'socket-fifo.pem');
    execFileSync('mkfifo', [fifo]);
    const closes: EventSocketClose[] = [];
    const socket = openEventSocket({
      baseUrl: 'https://127.0.0.1:1',
      username: 'u',
      password: 'p',
      app: 'console',
      subscribeAll: false,
      pingIntervalMs: 1000,
      pongTimeoutMs: 1000,
      connectTimeoutMs: 10_000,
      caFile: fifo,
      onEvent: () => undefined,
      onClose: (why) => {
        closes.push(why);
        closed(why);
      },
    });
    expect(closes).toEqual([]);
    expect(await reason).toEqual({ code: 'error', message: `The CA file could not be used: it is not a regular file (${fifo}).` });
    await expect(socket.ready).rejects.toMatchObject({ code: 'unavailable' });
  });
});
