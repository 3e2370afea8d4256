import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, redact, redactText } from '../../main/log.js';

/** The logger's one promise beyond printing: no secret ever reaches a log line. */

function capture(level: 'debug' | 'info' = 'debug') {
  const lines: string[] = [];
  return { lines, log: createLogger('test', { level, write: (line) => lines.push(line) }) };
}

// What a URL's userinfo or a query value may carry unencoded (no & or =, which would end the value).
const urlSafe = fc.stringMatching(/^[A-Za-z0-9._~!$'()*+,;%-]{6,40}$/);
const anyPassword = fc.string({ minLength: 6, maxLength: 60 }).filter((value) => value.trim().length >= 6 && !/\*{3}/.test(value));

describe('redaction', () => {
  it.each(['password', 'Password', 'ARI_PASSWORD', 'passwd', 'pwd', 'sealedPassword', 'secret', 'clientSecret', 'token', 'accessToken', 'Authorization', 'authorization', 'auth', 'api_key', 'apiKey', 'credentials', 'cookie', 'Set-Cookie'])(
    'masks the value under %s',
    (key) => {
      expect(redact({ [key]: 'hunter2-value' })).toEqual({ [key]: '***' });
    },
  );

  it('masks whatever sits under a secret key: objects, arrays, numbers', () => {
    expect(redact({ password: { nested: 'x' }, token: ['a', 'b'], secret: 12_345 })).toEqual({ password: '***', token: '***', secret: '***' });
  });

  it('keeps what is not secret', () => {
    expect(redact({ profile: 'office', attempt: 3, ok: true, error: null, app: 'console' })).toEqual({ profile: 'office', attempt: 3, ok: true, error: null, app: 'console' });
    expect(redactText('The PBX refused Basic authentication for user console')).toBe('The PBX refused Basic authentication for user console');
  });

  it.each([
    ['http://console:s3cret@pbx:8088/ari', 'http://***@pbx:8088/ari'],
    ['wss://console:p@ss@pbx:8089/ari/events?app=x', 'wss://***@pbx:8089/ari/events?app=x'],
    ['connect to ws://u@host/ failed', 'connect to ws://***@host/ failed'],
    ['GET /ari/events?app=console&api_key=console:s3cret&subscribeAll=true', 'GET /ari/events?app=console&api_key=***&subscribeAll=true'],
    ['request headers {"Authorization":"Basic Y29uc29sZTpzM2NyZXQ="}', 'request headers {"Authorization":"Basic ***"}'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc123', 'Authorization: Bearer ***'],
  ])('strips credentials from text: %s', (text, expected) => {
    expect(redactText(text)).toBe(expected);
    expect(redact({ message: text })).toEqual({ message: expected });
  });

  it('masks at any depth, and never prints a structure too deep to walk', () => {
    let deep: Record<string, unknown> = { password: 'deep-secret' };
    for (let i = 0; i < 50; i += 1) deep = { level: deep };
    const text = JSON.stringify(redact(deep));
    expect(text).not.toContain('deep-secret');
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    expect(() => JSON.stringify(redact(cyclic))).not.toThrow();
  });

  it('flattens errors to their message, credentials stripped', () => {
    expect(redact({ error: new Error('connect to http://console:s3cret@pbx failed') })).toEqual({ error: 'Error: connect to http://***@pbx failed' });
  });

  it('property: a password under a secret key at any depth never survives', () => {
    const secretKey = fc.constantFrom('password', 'Password', 'secret', 'token', 'authorization', 'api_key', 'credential', 'pwd');
    const plainKey = fc.constantFrom('a', 'profile', 'details', 'list', 'fields', 'options');
    fc.assert(
      fc.property(anyPassword, secretKey, fc.array(plainKey, { maxLength: 12 }), fc.boolean(), (password, key, path, inArray) => {
        let value: unknown = { [key]: password, other: 'kept' };
        for (const step of path) value = inArray ? [{ [step]: value }] : { [step]: value };
        expect(JSON.stringify(redact(value))).not.toContain(JSON.stringify(password).slice(1, -1));
      }),
      { numRuns: 500 },
    );
  });

  it('property: a password in URL userinfo, an api_key or a Basic header never survives', () => {
    fc.assert(
      fc.property(urlSafe, fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/), fc.constantFrom('http', 'https', 'ws', 'wss'), (password, user, scheme) => {
        const basic = Buffer.from(`${user}:${password}`).toString('base64');
        for (const text of [
          `${scheme}://${user}:${password}@pbx.example:8088/ari/events`,
          `GET /ari/events?app=x&api_key=${user}:${password}&subscribeAll=true`,
          `headers: { Authorization: 'Basic ${basic}' }`,
        ]) {
          const out = redactText(text);
          expect(out).not.toContain(`${user}:${password}`);
          expect(out).not.toContain(basic);
          if (password.length >= 8) expect(out).not.toContain(password);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the logger', () => {
  it('redacts both the message and the fields of every line', () => {
    const { lines, log } = capture();
    log.warn('connect to http://console:s3cret@pbx failed', { password: 's3cret', request: { headers: { Authorization: 'Basic Y29uc29sZTpzM2NyZXQ=' } } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/s3cret|Y29uc29sZTpzM2NyZXQ=/);
    expect(lines[0]).toContain('WARN [test] connect to http://***@pbx failed');
  });

  it('honours its level', () => {
    const { lines, log } = capture('info');
    log.debug('hidden');
    log.info('shown');
    expect(lines.map((line) => line.split(' ').slice(1).join(' '))).toEqual(['INFO [test] shown']);
  });

  it('never throws, whatever it is given', () => {
    const { log } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic['again'] = cyclic;
    expect(() => log.error('odd fields', { cyclic, big: 10n ** 20n, fn: () => 1, sym: Symbol('s') })).not.toThrow();
  });
});
