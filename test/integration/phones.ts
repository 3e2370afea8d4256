import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real SIP phones for the tests: one `baresip` (Debian's baresip-core) per
 * sandbox endpoint 101..104, registered over UDP on loopback to the sandbox's
 * PJSIP transport (ARI_SANDBOX_SIP_PORT, default 5060). Each phone gets a
 * folder of its own (config + accounts) and its own SIP port derived from the
 * sandbox's, so two sandboxes on one machine never share a phone port. Audio
 * is a sine tone in and /dev/null out: no sound card needed. Stopped by its
 * PID only.
 */

export const BARESIP = '/usr/bin/baresip';
export const baresipAvailable = (): boolean => existsSync(BARESIP);

export const SIP_PORT = Number(process.env['ARI_SANDBOX_SIP_PORT'] || 5060);

export interface Phone {
  readonly extension: number;
  /** Everything baresip printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface PhoneOptions {
  /** auto: answers every call at once; manual: rings until the caller gives up. */
  readonly answer: 'auto' | 'manual';
}

export async function startPhone(extension: number, { answer }: PhoneOptions): Promise<Phone> {
  if (extension < 101 || extension > 104) throw new Error('the sandbox has phones 101..104');
  const dir = await mkdtemp(join(tmpdir(), `baresip-${extension}-`));
  // A block of ten ports per sandbox SIP port (5060 → 30602..30609), so two sandboxes never share one;
  // two per phone, because baresip takes the next port for SIP over TLS.
  const localPort = 30_000 + (SIP_PORT % 1000) * 10 + (extension - 100) * 2;
  await writeFile(
    join(dir, 'config'),
    [
      `sip_listen 127.0.0.1:${localPort}`,
      // Without it, media binds to the machine's other address: keep all traffic on loopback.
      'net_interface 127.0.0.1',
      'audio_source ausine,440',
      'audio_player aufile,/dev/null',
      'audio_alert aufile,/dev/null',
      'ausrc_srate 48000',
      'auplay_srate 48000',
      'ausrc_channels 2',
      'auplay_channels 2',
      // Media on loopback only, in a range of its own per phone.
      `rtp_ports ${20000 + (SIP_PORT % 100) * 100 + (extension - 100) * 10}-${20009 + (SIP_PORT % 100) * 100 + (extension - 100) * 10}`,
      'module_path /usr/lib/baresip/modules',
      'module stdio.so',
      'module g711.so',
      'module aufile.so',
      'module ausine.so',
      'module_app account.so',
      'module_app menu.so',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'accounts'),
    `<sip:${extension}@127.0.0.1:${SIP_PORT}>;auth_pass=sip-${extension};answermode=${answer === 'auto' ? 'auto' : 'manual'};regint=60\n`,
  );
  let output = '';
  const child: ChildProcess = spawn(BARESIP, ['-f', dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    extension,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        // "q" quits cleanly (it unregisters); SIGKILL by PID if it does not.
        child.stdin?.write('q\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
