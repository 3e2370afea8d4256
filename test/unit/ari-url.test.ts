import { describe, expect, it } from 'vitest';
import { ariUrl, basicAuthHeader, eventsUrl } from '../../main/engine/event-socket.js';
import { isConsoleError } from '../../common/errors.js';

describe('ariUrl', () => {
  it.each([
    'http://pbx:8088',
    'http://pbx:8088/',
    'http://pbx:8088/ari',
    'http://pbx:8088/ari/',
    'http://pbx:8088//ari//',
    '  http://pbx:8088/ari  ',
  ])('normalizes %j to one API root', (base) => {
    expect(ariUrl(base, '/channels')).toBe('http://pbx:8088/ari/channels');
    expect(ariUrl(base, 'channels')).toBe('http://pbx:8088/ari/channels');
    expect(ariUrl(base, '')).toBe('http://pbx:8088/ari');
  });

  it('keeps a reverse-proxy prefix and https', () => {
    expect(ariUrl('https://pbx.example.com/asterisk/ari/', 'asterisk/info')).toBe(
      'https://pbx.example.com/asterisk/ari/asterisk/info',
    );
    expect(ariUrl('https://pbx.example.com/asterisk', 'events')).toBe('https://pbx.example.com/asterisk/ari/events');
  });

  it('drops credentials, query and fragment from the base', () => {
    const url = ariUrl('http://console:secret@pbx:8088/ari?api_key=a:b#x', 'channels');
    expect(url).toBe('http://pbx:8088/ari/channels');
    expect(url).not.toContain('secret');
  });

  it.each(['pbx:8088', 'not a url', 'ftp://pbx/ari', 'ws://pbx:8088'])('rejects %j as invalid_request', (base) => {
    let thrown: unknown;
    try {
      ariUrl(base, 'channels');
    } catch (error) {
      thrown = error;
    }
    expect(isConsoleError(thrown) && thrown.code).toBe('invalid_request');
  });
});

describe('eventsUrl', () => {
  it('maps http to ws and https to wss with app and subscribeAll', () => {
    expect(eventsUrl('http://127.0.0.1:8088', 'console', false)).toBe(
      'ws://127.0.0.1:8088/ari/events?app=console&subscribeAll=false',
    );
    expect(eventsUrl('https://pbx/ari/', 'console', true)).toBe('wss://pbx/ari/events?app=console&subscribeAll=true');
  });

  it('encodes the app name and never carries credentials', () => {
    const url = eventsUrl('http://u:p4ss@pbx:8088', 'my app&x=1', true);
    expect(url).toBe('ws://pbx:8088/ari/events?app=my%20app%26x%3D1&subscribeAll=true');
    expect(url).not.toContain('p4ss');
    expect(url).not.toContain('api_key');
  });
});

describe('basicAuthHeader', () => {
  it('encodes user:password as UTF-8 base64', () => {
    expect(basicAuthHeader('console', 'sandbox-secret')).toBe(
      `Basic ${Buffer.from('console:sandbox-secret').toString('base64')}`,
    );
    expect(basicAuthHeader('ü', 'p:w')).toBe(`Basic ${Buffer.from('ü:p:w', 'utf8').toString('base64')}`);
  });
});
