import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../common/errors.js';
import { UPDATE_DISABLED_MESSAGES } from '../../common/update.js';

/**
 * The user documents follow the code they describe: every error code and
 * every update message the console can show is explained in
 * TROUBLESHOOTING.md, and the documents' links lead somewhere.
 */

const DOCS = ['docs/INSTALL.md', 'docs/ASTERISK-SETUP.md', 'docs/TROUBLESHOOTING.md'];
const read = (file: string) => readFileSync(file, 'utf8');

describe('docs/TROUBLESHOOTING.md', () => {
  const text = read('docs/TROUBLESHOOTING.md');

  it.each(ERROR_CODES)('explains the error code %s', (code) => {
    expect(text).toContain(`| ${code} |`);
  });

  it('explains each way a connection can stop', () => {
    for (const label of ['**Disconnected**', '**Stopped: login refused**', '**Stopped: taken over**']) expect(text).toContain(label);
    // The supervisor's own sentence for a take-over, word for word.
    expect(text).toContain('Another console connected with the same application name and took over its calls.');
  });

  it.each(Object.entries(UPDATE_DISABLED_MESSAGES))('explains the update message for %s', (_reason, message) => {
    expect(text).toContain(message.split(';')[0]);
  });
});

describe('user documents', () => {
  it.each(DOCS)('%s links only to files that exist', (file) => {
    const links = [...read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((match) => match[1] as string).filter((link) => !/^[a-z]+:/.test(link));
    for (const link of links) expect(existsSync(join(dirname(file), link)), `${file} → ${link}`).toBe(true);
  });

  it('tell the PBX administrator the settings the console needs', () => {
    const setup = read('docs/ASTERISK-SETUP.md');
    for (const setting of ['tlsenable', 'tlsbindaddr', 'tlscertfile', 'tlsprivatekey', 'read_only = no', 'password_format', 'allowed_origins', 'Stasis(console)', 'STASISSTATUS', '/ari/asterisk/info']) {
      expect(setup, setting).toContain(setting);
    }
  });

  it('name the installers the build produces', () => {
    const install = read('docs/INSTALL.md');
    for (const file of ['win-x64.exe', 'mac-arm64.dmg', 'mac-x64.dmg', 'linux-amd64.deb', 'linux-x86_64.AppImage']) expect(install).toContain(file);
  });
});
