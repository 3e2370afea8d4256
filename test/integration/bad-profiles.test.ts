import { afterEach, describe, expect, inject, it } from 'vitest';
import { createBackend, type NodeBackend } from '../../main/backend-node.js';
import type { EngineProfile } from '../../main/engine/engine.js';
import type { EngineTuning } from '../../main/engine/manager.js';
import { createLogger } from '../../main/log.js';
import { attemptConnect, expectPlainMessage, lastError, sandboxProfile, sleep } from './harness.js';
import { freePort } from '../free-port.js';

/**
 * Profiles that cannot work, against the real Asterisk: each must end in a
 * supervisor state whose lastError (what the UI prints) says what is wrong in
 * words a receptionist can act on, never a stack trace or a password, and
 * nothing the engine logs on the way may carry the password either.
 */

const opened: NodeBackend[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((node) => node.dispose()));
});

async function attempt(profile: EngineProfile, tuning: EngineTuning = {}) {
  const result = await attemptConnect(profile, tuning);
  opened.push(result.node);
  return result;
}

describe('profiles that cannot connect', () => {
  it('a wrong password stops at once with a plain message, never retries, never logs the password', async () => {
    const password = `wrong-${Math.random().toString(36).slice(2)}-pw`;
    const { node, state, lines } = await attempt(sandboxProfile({ password }));
    expect(state).toMatchObject({ status: 'stopped', reason: 'unauthorized' });
    expect(lastError(state)).toMatch(/wrong ARI username or password|refused the ARI username or password/);
    expectPlainMessage(lastError(state), password);

    // Wrong credentials do not fix themselves; retrying would only lock the account.
    const statusesBefore = lines.filter((line) => line.includes('supervisor')).length;
    await sleep(2500);
    expect(lines.filter((line) => line.includes('supervisor')).length).toBe(statusesBefore);
    const command = await node.backend.dispatch('call.answer', { profileId: 'sandbox', channelId: 'x' });
    expect(command).toMatchObject({ ok: false, error: { code: 'not_connected' } });

    const logged = lines.join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(logged).not.toContain(password);
    expect(logged).not.toContain(Buffer.from(`console:${password}`).toString('base64'));
  });

  it.runIf(inject('ari').sandbox)("the right password from a computer the ARI user's permit/deny excludes: stops, and says so rather than blaming the password", async () => {
    // [outsider] in the sandbox's ari.conf admits only 192.0.2.0/24; Asterisk answers 403 "Access denied by ACL".
    const { state } = await attempt(sandboxProfile({ username: 'outsider' }));
    expect(state).toMatchObject({ status: 'stopped', reason: 'unauthorized' });
    expect(lastError(state)).toMatch(/permit\/deny in ari\.conf/);
    expect(lastError(state)).not.toMatch(/wrong ARI username or password|refused the ARI username or password/);
    expectPlainMessage(lastError(state), inject('ari').password);
  });

  it('nothing listening: keeps retrying, and says the PBX cannot be reached', async () => {
    const port = await freePort();
    const { state } = await attempt(sandboxProfile({ baseUrl: `http://127.0.0.1:${port}` }));
    expect(state.status).toBe('backoff');
    expect(lastError(state)).toMatch(/cannot reach the PBX \(connection refused\)/);
    expectPlainMessage(lastError(state), inject('ari').password);
  });

  it('a host name that does not resolve: says so', async () => {
    const { state } = await attempt(sandboxProfile({ baseUrl: 'http://ari-console-nowhere.invalid:8088' }));
    expect(state.status).toBe('backoff');
    expect(lastError(state)).toMatch(/cannot reach the PBX \(host name (not found|lookup failed)\)/);
    expectPlainMessage(lastError(state), inject('ari').password);
  });

  it('something that is not ARI on that port: says what answered', async () => {
    const { state } = await attempt(sandboxProfile({ baseUrl: `${inject('ari').baseUrl}/not-ari-here` }), {});
    // The events path is built from the prefix; Asterisk answers 404 there.
    expect(state.status).toBe('backoff');
    expectPlainMessage(lastError(state), inject('ari').password);
    console.info(`[bad-profiles] not ARI: ${lastError(state)}`);
    expect(lastError(state)).toMatch(/HTTP 404|not found/i);
  });

  it('wrong schemes and credentials in the address are refused when the profile is saved, saying why', async () => {
    const node = await createBackend({ log: createLogger('t', { level: 'error', write: () => undefined }) });
    opened.push(node);
    const base = { name: 'PBX', username: 'console', password: 'pw-123456', app: 'console', subscribeAll: true };
    for (const baseUrl of ['ftp://pbx:8088', 'ws://pbx:8088', 'wss://pbx:8089', 'pbx:8088', 'file:///etc/passwd', 'http://console:pw-123456@pbx:8088', 'javascript:alert(1)']) {
      const result = await node.backend.dispatch('profiles.save', { ...base, baseUrl });
      expect(result, baseUrl).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      const message = result.ok ? '' : result.error.message;
      expect(message).toBe('Invalid profiles.save request: baseUrl: must be an http:// or https:// URL without credentials in it');
      expect(message).not.toContain('pw-123456');
    }
  });
});
