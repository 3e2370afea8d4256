import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type * as SandboxModule from '../asterisk/sandbox.mjs';
import type { NodeBackend } from '../../main/backend-node.js';
import type { AriRest } from '../../main/engine/ari-rest.js';
import { freePort } from '../free-port.js';
import {
  answeredCall,
  attemptConnect,
  expectModelMatchesPbx,
  expectPlainMessage,
  lastError,
  sandboxProfile,
  startConsole,
  world,
} from './harness.js';

/**
 * https:// and wss:// against the real Asterisk with TLS on its HTTP server,
 * using a CA and a server certificate this test makes with openssl. Trusting
 * that CA through the profile's caFile makes the console live; without it, or
 * with another CA, or with the scheme wrong, the console says what is wrong.
 */

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA and a server certificate for 127.0.0.1 signed by it, plus an unrelated CA. */
function makeCertificates(dir: string): { ca: string; otherCa: string; cert: string; key: string } {
  const days = ['-days', '2'];
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', ...days, '-subj', '/CN=ARI Console Test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other-ca.pem', ...days, '-subj', '/CN=Some Other CA', '-addext', 'basicConstraints=critical,CA:TRUE'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', ...days, '-extfile', 'ext.cnf'], dir);
  return { ca: join(dir, 'ca.pem'), otherCa: join(dir, 'other-ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

describe.runIf(inject('ari').sandbox)('TLS to the real Asterisk', () => {
  let sandbox: typeof SandboxModule;
  let dir: string;
  let files: ReturnType<typeof makeCertificates>;
  let httpsUrl: string;
  let outside: AriRest;
  const opened: NodeBackend[] = [];

  beforeAll(async () => {
    sandbox = await import('../asterisk/sandbox.mjs');
    dir = mkdtempSync(join(tmpdir(), 'ari-tls-'));
    files = makeCertificates(dir);
    ({ baseUrl: httpsUrl } = await sandbox.enableTls({ certFile: files.cert, keyFile: files.key, port: await freePort() }));
    outside = await world();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((node) => node.dispose()));
  });

  afterAll(async () => {
    outside?.close();
    await sandbox?.disableTls();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('with the CA file: live over https and wss, commands and events both work', async () => {
    const console_ = await startConsole({}, sandboxProfile({ baseUrl: httpsUrl, caFile: files.ca }));
    try {
      expect(console_.engine.status().pbx?.version).toMatch(/^22\./);
      // Placed over plain HTTP by the outside world, seen over wss, answered over https.
      const call = await answeredCall(console_, outside, 'Tess <361>');
      await expectModelMatchesPbx(console_, outside);
      await console_.request('call.hangup', { profileId: console_.engine.profile.id, channelId: call.stasisId });
    } finally {
      await console_.close();
    }
  });

  it.each([
    ['without the CA file', () => ({})],
    ['with another CA', () => ({ caFile: files.otherCa })],
  ])('%s: not live, and says the certificate is not trusted', async (_what, extra) => {
    const { node, state } = await attemptConnect(sandboxProfile({ baseUrl: httpsUrl, ...extra() }));
    opened.push(node);
    expect(state.status).toBe('backoff');
    expect(lastError(state)).toMatch(/TLS certificate is not trusted/);
    expectPlainMessage(lastError(state), inject('ari').password);
  });

  it('with a CA file that cannot be read: says which file and which rule, never its contents', async () => {
    const { node, state } = await attemptConnect(sandboxProfile({ baseUrl: httpsUrl, caFile: join(dir, 'missing.pem') }));
    opened.push(node);
    expect(lastError(state)).toMatch(/^The CA file could not be used: there is no file at that path \(.*missing\.pem\)\.$/);
    const { node: keyNode, state: keyState } = await attemptConnect(sandboxProfile({ baseUrl: httpsUrl, caFile: join(dir, 'ca.key') }));
    opened.push(keyNode);
    expect(lastError(keyState)).toMatch(/^The CA file could not be used: it holds no PEM certificate \(.*ca\.key\)\.$/);
    expect(lastError(keyState)).not.toMatch(/PRIVATE KEY|MII/);
  });

  it('https:// to the plain HTTP port: asks whether it is really https', async () => {
    const { node, state } = await attemptConnect(sandboxProfile({ baseUrl: inject('ari').baseUrl.replace('http:', 'https:'), caFile: files.ca }));
    opened.push(node);
    expect(state.status).toBe('backoff');
    expect(lastError(state)).toMatch(/TLS handshake failed, is it really https\?/);
    expectPlainMessage(lastError(state), inject('ari').password);
  });

  // Asterisk resets a plain request on its TLS port; the scheme cannot be told apart from a dying PBX.
  it('http:// to the TLS port: says the PBX dropped the connection', async () => {
    const { node, state } = await attemptConnect(sandboxProfile({ baseUrl: httpsUrl.replace('https:', 'http:') }));
    opened.push(node);
    expect(state.status).toBe('backoff');
    expect(lastError(state)).toMatch(/cannot reach the PBX \((connection reset|connection broken)\)/);
    expectPlainMessage(lastError(state), inject('ari').password);
  });
});
