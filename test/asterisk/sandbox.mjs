#!/usr/bin/env node
// Real Asterisk 22 sandbox for integration tests: Debian sid unpacked with debootstrap into a
// folder outside the repo, run with chroot, ARI on 127.0.0.1 only. See test/asterisk/README.md.
//
// CLI:    node test/asterisk/sandbox.mjs <ensure|start|stop|restart [downMs]|freeze|thaw|status|cli <command...>>
// Module: import { ensureSandbox, startAsterisk, stopAsterisk, ... } from './sandbox.mjs'
//
// Plain Node ESM, no dependencies. Needs root (debootstrap, chroot, mount).

import { spawn, spawnSync, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PORT = Number(process.env.ARI_SANDBOX_PORT || 8088);
const SIP_PORT = Number(process.env.ARI_SANDBOX_SIP_PORT || 5060);
const USERNAME = 'console';
// Sandbox only: ARI is bound to 127.0.0.1.
const PASSWORD = 'sandbox-secret';
const APP = 'console';
const PHONES = ['101', '102', '103', '104'];
const MIRROR = process.env.ARI_SANDBOX_MIRROR || '';
const ASTERISK_OWNED_DIRS = [
  'etc/asterisk',
  'var/lib/asterisk',
  'var/log/asterisk',
  'var/spool/asterisk',
  'usr/share/asterisk',
];

/** @type {{ baseUrl: string, username: string, password: string, app: string }} */
export const sandboxDefaults = Object.freeze({
  baseUrl: `http://127.0.0.1:${PORT}`,
  username: USERNAME,
  password: PASSWORD,
  app: APP,
});

/**
 * Where everything lives. The root is outside the repo: ARI_SANDBOX_ROOT or
 * ${XDG_CACHE_HOME:-~/.cache}/ari-console/asterisk-root. State files sit next to it.
 */
export function sandboxPaths() {
  const cacheBase = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const root = path.resolve(process.env.ARI_SANDBOX_ROOT || path.join(cacheBase, 'ari-console', 'asterisk-root'));
  return {
    root,
    partial: `${root}.partial`,
    cacheDir: path.dirname(root),
    pidFile: `${root}.pid`,
    logFile: `${root}.asterisk.log`,
    debootstrapLog: `${root}.debootstrap.log`,
    lockDir: `${root}.lock`,
    runLockDir: `${root}.run.lock`,
    messagesLog: path.join(root, 'var/log/asterisk/messages'),
  };
}

/** @param {string} msg */
function log(msg) {
  if (process.env.ARI_SANDBOX_QUIET) return;
  process.stderr.write(`[sandbox] ${msg}\n`);
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** @param {string} what */
function requireRoot(what) {
  if (!isRoot()) {
    throw new Error(
      `sandbox: ${what} needs root (debootstrap, chroot and mount need it); run as root, ` +
        'or set ARI_TEST_URL to use an external PBX instead of the sandbox.',
    );
  }
}

/** @param {string} cmd */
function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * Run a command synchronously, inherit nothing, throw with its output on failure.
 * @param {string} cmd @param {string[]} args @param {{ print?: boolean }} [o]
 */
function run(cmd, args, o = {}) {
  if (o.print) log(`$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`sandbox: ${cmd} failed to run: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout || ''}${r.stderr || ''}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`sandbox: \`${[cmd, ...args].join(' ')}\` exited ${r.status}:\n${out}`);
  }
  return r.stdout;
}

/** @param {string} file @param {number} [lines] */
function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/* ------------------------------------------------------------------------------------------ */
/* ensure                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** A finished debootstrap removes <target>/debootstrap; asterisk must be installed. @param {string} dir */
function isCompleteRoot(dir) {
  if (fs.existsSync(path.join(dir, 'debootstrap'))) return false;
  if (!fs.existsSync(path.join(dir, 'usr/sbin/asterisk'))) return false;
  try {
    const status = fs.readFileSync(path.join(dir, 'var/lib/dpkg/status'), 'utf8');
    return /^Package: asterisk\nStatus: install ok installed$/m.test(status);
  } catch {
    return false;
  }
}

/** PIDs of debootstrap processes whose command line names `target` (read-only scan). @param {string} target */
function debootstrapPidsFor(target) {
  /** @type {number[]} */
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.includes('debootstrap')) && argv.includes(target)) pids.push(Number(entry));
    } catch {
      // process went away
    }
  }
  return pids;
}

/**
 * Run fn while holding a mkdir lock (stale locks of dead PIDs are broken).
 * @template T @param {string} lockDir @param {() => Promise<T>} fn @returns {Promise<T>}
 */
async function withLock(lockDir, fn) {
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
      } catch {
        // being written or removed
      }
      if (owner && !pidAlive(owner)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (!announced) log(`waiting for another sandbox process (pid ${owner || '?'}) holding ${lockDir}`);
      announced = true;
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

function ensureDebootstrap() {
  if (which('debootstrap')) return;
  if (!isRoot()) throw new Error('sandbox: debootstrap is not installed and we are not root to install it');
  if (!which('apt-get')) throw new Error('sandbox: debootstrap is not installed and there is no apt-get to install it');
  log('debootstrap is missing: installing it with apt-get');
  run('apt-get', ['update'], { print: true });
  run('apt-get', ['install', '-y', 'debootstrap'], { print: true });
  if (!which('debootstrap')) throw new Error('sandbox: apt-get install debootstrap did not provide a debootstrap command');
}

/** @param {string} partial @param {string} logFile */
async function runDebootstrap(partial, logFile) {
  const args = [
    '--variant=minbase',
    '--include=asterisk,asterisk-modules,asterisk-core-sounds-en',
    'sid',
    partial,
  ];
  if (MIRROR) args.push(MIRROR);
  log(`$ debootstrap ${args.join(' ')}   (about 75 s, 500 MB; log: ${logFile})`);
  const out = fs.openSync(logFile, 'w');
  const started = Date.now();
  const child = spawn('debootstrap', args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const timer = setInterval(() => log(`debootstrap running for ${Math.round((Date.now() - started) / 1000)} s...`), 20_000);
  const code = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c, sig) => resolve(c ?? sig));
  }).finally(() => clearInterval(timer));
  if (code !== 0) {
    throw new Error(`sandbox: debootstrap failed (${code}); last lines of ${logFile}:\n${tail(logFile)}`);
  }
  log(`debootstrap finished in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** chown/mkdir steps: root has no DAC override here, files unpacked for the asterisk user are unreadable. */
function fixOwnership(/** @type {string} */ root) {
  const marker = path.join(root, '.ari-sandbox-owned');
  const allRootOwned = ASTERISK_OWNED_DIRS.every((d) => {
    try {
      const st = fs.statSync(path.join(root, d));
      return st.uid === 0 && st.gid === 0;
    } catch {
      return true;
    }
  });
  if (!fs.existsSync(marker) || !allRootOwned) {
    const dirs = ASTERISK_OWNED_DIRS.map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
    run('chown', ['-R', 'root:root', ...dirs], { print: true });
    fs.writeFileSync(marker, 'chown -R root:root done\n');
  }
  fs.mkdirSync(path.join(root, 'run/asterisk'), { recursive: true });
  fs.mkdirSync(path.join(root, 'var/lib/asterisk/moh'), { recursive: true });
}

/**
 * Idempotent: make sure the Asterisk root exists (debootstrap if needed, adopting a finished
 * `<root>.partial`), with the ownership fixes applied.
 * @returns {Promise<{ root: string, created: boolean }>}
 */
export async function ensureSandbox() {
  const p = sandboxPaths();
  requireRoot('ensure');
  if (isCompleteRoot(p.root)) {
    fixOwnership(p.root);
    return { root: p.root, created: false };
  }
  if (fs.existsSync(p.root)) {
    throw new Error(
      `sandbox: ${p.root} exists but is not a complete Asterisk root (no usr/sbin/asterisk or dpkg says ` +
        `asterisk is not installed). Remove it (umount ${p.root}/proc first if mounted) and run ensure again.`,
    );
  }
  fs.mkdirSync(p.cacheDir, { recursive: true });
  return withLock(p.lockDir, async () => {
    if (isCompleteRoot(p.root)) {
      fixOwnership(p.root);
      return { root: p.root, created: false };
    }
    let running = debootstrapPidsFor(p.partial);
    if (running.length) {
      log(`a debootstrap into ${p.partial} is already running (pid ${running.join(', ')}): waiting for it`);
      while ((running = debootstrapPidsFor(p.partial)).length) await sleep(3000);
    }
    if (fs.existsSync(p.partial) && isCompleteRoot(p.partial)) {
      log(`adopting finished debootstrap ${p.partial}`);
    } else {
      if (fs.existsSync(p.partial)) {
        log(`removing unfinished ${p.partial}`);
        if (spawnSync('mountpoint', ['-q', path.join(p.partial, 'proc')]).status === 0) {
          run('umount', [path.join(p.partial, 'proc')], { print: true });
        }
        fs.rmSync(p.partial, { recursive: true, force: true });
      }
      ensureDebootstrap();
      await runDebootstrap(p.partial, p.debootstrapLog);
      if (!isCompleteRoot(p.partial)) {
        throw new Error(`sandbox: debootstrap succeeded but ${p.partial} has no installed asterisk; see ${p.debootstrapLog}`);
      }
    }
    fs.renameSync(p.partial, p.root);
    log(`asterisk root ready at ${p.root}`);
    fixOwnership(p.root);
    return { root: p.root, created: true };
  });
}

/* ------------------------------------------------------------------------------------------ */
/* configuration                                                                              */
/* ------------------------------------------------------------------------------------------ */

const MODULES = [
  // core helpers
  'res_timing_timerfd.so',
  'pbx_config.so',
  'func_channel.so',
  'func_callerid.so',
  'func_strings.so',
  'func_logic.so',
  'func_global.so',
  'func_cut.so',
  'func_devstate.so',
  'func_hangupcause.so',
  // dialplan applications used by extensions.conf
  'app_stasis.so',
  'app_echo.so',
  'app_playback.so',
  'app_dial.so',
  'app_verbose.so',
  'app_userevent.so',
  // codecs and file formats (demo-congrats is .gsm)
  'codec_ulaw.so',
  'codec_alaw.so',
  'codec_a_mu.so',
  'codec_gsm.so',
  'codec_resample.so',
  'format_gsm.so',
  'format_wav.so',
  'format_wav_gsm.so',
  'format_pcm.so',
  'format_sln.so',
  // bridging
  'bridge_simple.so',
  'bridge_softmix.so',
  'bridge_native_rtp.so',
  'bridge_holding.so',
  'bridge_builtin_features.so',
  'chan_bridge_media.so',
  'res_musiconhold.so',
  // HTTP + ARI + Stasis (res_ari needs res_websocket_client in Asterisk 22)
  'res_http_websocket.so',
  'res_websocket_client.so',
  'res_stasis.so',
  'res_stasis_answer.so',
  'res_stasis_playback.so',
  'res_stasis_recording.so',
  'res_stasis_snoop.so',
  'res_stasis_device_state.so',
  'res_ari.so',
  'res_ari_model.so',
  'res_ari_applications.so',
  'res_ari_asterisk.so',
  'res_ari_bridges.so',
  'res_ari_channels.so',
  'res_ari_device_states.so',
  'res_ari_endpoints.so',
  'res_ari_events.so',
  'res_ari_playbacks.so',
  'res_ari_recordings.so',
  'res_ari_sounds.so',
  // PJSIP for the baresip tests
  'res_sorcery_config.so',
  'res_sorcery_memory.so',
  'res_sorcery_astdb.so',
  'res_rtp_asterisk.so',
  'res_pjproject.so',
  'res_pjsip.so',
  'res_pjsip_session.so',
  'chan_pjsip.so',
  'res_pjsip_authenticator_digest.so',
  'res_pjsip_outbound_authenticator_digest.so',
  'res_pjsip_endpoint_identifier_user.so',
  'res_pjsip_registrar.so',
  'res_pjsip_sdp_rtp.so',
  'res_pjsip_caller_id.so',
  'res_pjsip_nat.so',
  'res_pjsip_rfc3326.so',
  'res_pjsip_dtmf_info.so',
  'res_pjsip_pubsub.so',
  'res_pjsip_outbound_publish.so',
  'res_pjsip_refer.so',
  'res_pjsip_exten_state.so',
  'res_pjsip_pidf_body_generator.so',
  'res_pjsip_dialog_info_body_generator.so',
  'res_pjsip_logger.so',
  'func_pjsip_endpoint.so',
  'func_pjsip_contact.so',
];

/* TLS (opt-in, for tests of https/wss): off unless enableTls() turned it on in this process. */

const TLS_CERT = '/etc/asterisk/keys/sandbox-tls.crt';
const TLS_KEY = '/etc/asterisk/keys/sandbox-tls.key';
/** @type {{ port: number } | null} */
let tls = null;

function httpConf() {
  const lines = ['; written by test/asterisk/sandbox.mjs on every start', '[general]', 'enabled = yes', 'bindaddr = 127.0.0.1', `bindport = ${PORT}`];
  if (tls) lines.push('tlsenable = yes', `tlsbindaddr = 127.0.0.1:${tls.port}`, `tlscertfile = ${TLS_CERT}`, `tlsprivatekey = ${TLS_KEY}`);
  else lines.push('tlsenable = no');
  return `${lines.join('\n')}\n`;
}

/** Rewrites http.conf and reloads Asterisk's HTTP server in place: no restart, calls stay up. */
async function applyHttpConf() {
  fs.writeFileSync(path.join(sandboxPaths().root, 'etc/asterisk/http.conf'), httpConf());
  if (getAsteriskPid()) await asteriskCli('module reload http');
}

/**
 * Serve ARI over TLS too, on 127.0.0.1:<port>, with the given PEM certificate
 * and key (copied into the chroot, where Asterisk can read them). Plain HTTP on
 * the usual port stays. Lasts until disableTls() or the end of this process;
 * later starts by this process keep it.
 * @param {{ certFile: string, keyFile: string, port: number, timeoutMs?: number }} o
 * @returns {Promise<{ baseUrl: string }>}
 */
export async function enableTls(o) {
  requireRoot('enableTls');
  const keys = path.join(sandboxPaths().root, 'etc/asterisk/keys');
  fs.mkdirSync(keys, { recursive: true });
  fs.copyFileSync(o.certFile, path.join(sandboxPaths().root, TLS_CERT));
  fs.copyFileSync(o.keyFile, path.join(sandboxPaths().root, TLS_KEY));
  fs.chmodSync(path.join(sandboxPaths().root, TLS_KEY), 0o600);
  tls = { port: o.port };
  await applyHttpConf();
  // The reload returns before the TLS listener is up.
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  while (!(await portBusy(o.port))) {
    if (Date.now() > deadline) throw new Error(`sandbox: TLS did not come up on 127.0.0.1:${o.port}; see ${sandboxPaths().messagesLog}`);
    await sleep(100);
  }
  return { baseUrl: `https://127.0.0.1:${o.port}` };
}

/** Back to plain HTTP only. */
export async function disableTls() {
  tls = null;
  await applyHttpConf();
}

function configFiles() {
  const phones = PHONES.map(
    (n) => `
[${n}]
type = endpoint
context = from-phones
disallow = all
allow = ulaw
auth = ${n}
aors = ${n}
callerid = "Phone ${n}" <${n}>
direct_media = no
rtp_symmetric = yes
media_address = 127.0.0.1
bind_rtp_to_media_address = yes

[${n}]
type = auth
auth_type = userpass
username = ${n}
password = sip-${n}

[${n}]
type = aor
max_contacts = 1
remove_existing = yes
qualify_frequency = 0
`,
  ).join('');

  return {
    'asterisk.conf': `; written by test/asterisk/sandbox.mjs on every start
[directories](!)
astcachedir => /var/cache/asterisk
astetcdir => /etc/asterisk
astmoddir => /usr/lib/x86_64-linux-gnu/asterisk/modules
astvarlibdir => /var/lib/asterisk
astdbdir => /var/lib/asterisk
astkeydir => /var/lib/asterisk
astdatadir => /usr/share/asterisk
astagidir => /usr/share/asterisk/agi-bin
astspooldir => /var/spool/asterisk
astrundir => /var/run/asterisk
astlogdir => /var/log/asterisk
astsbindir => /usr/sbin

[options]
verbose = 3
debug = 0
hideconnect = yes
defaultlanguage = en
documentation_language = en_US
systemname = ari-sandbox
`,
    'modules.conf': `; written by test/asterisk/sandbox.mjs on every start: only what the console tests need
[modules]
autoload = no
${MODULES.map((m) => `load = ${m}`).join('\n')}
`,
    'logger.conf': `; written by test/asterisk/sandbox.mjs on every start
[general]
dateformat = %F %T.%3q

[logfiles]
; <root>/var/log/asterisk/messages (the previous run's file is kept as messages.old)
messages => notice,warning,error,verbose(3)
console => warning,error
`,
    'http.conf': httpConf(),
    'ari.conf': `; written by test/asterisk/sandbox.mjs on every start. Sandbox only: loopback, fixed password.
[general]
enabled = yes
pretty = no
; Origins are matched exactly (or '*'). ARI listens on 127.0.0.1 only, so any local page may use it.
allowed_origins = *
websocket_write_timeout = 1000

[${USERNAME}]
type = user
read_only = no
password = ${PASSWORD}
password_format = plain

; The right password from the wrong computer: its permit/deny (as docs/ASTERISK-SETUP.md
; writes it) admits only 192.0.2.0/24, so Asterisk answers 403 "Access denied by ACL".
[outsider]
type = user
read_only = no
password = ${PASSWORD}
password_format = plain
deny = 0.0.0.0/0
permit = 192.0.2.0/24
`,
    'pjsip.conf': `; written by test/asterisk/sandbox.mjs on every start. Phones 101..104, password sip-<n>.
[global]
type = global
user_agent = ari-console-sandbox

[transport-udp]
type = transport
protocol = udp
bind = 127.0.0.1:${SIP_PORT}
${phones}`,
    'rtp.conf': `; written by test/asterisk/sandbox.mjs on every start
[general]
rtpstart = 16000
rtpend = 16999
`,
    'musiconhold.conf': `; written by test/asterisk/sandbox.mjs on every start
[general]

[default]
mode = files
directory = /var/lib/asterisk/moh
`,
    'cdr.conf': `; written by test/asterisk/sandbox.mjs on every start
[general]
enable = no
`,
    'cel.conf': `; written by test/asterisk/sandbox.mjs on every start
[general]
enable = no
`,
    'features.conf': `; written by test/asterisk/sandbox.mjs on every start
[general]
`,
    'manager.conf': `; written by test/asterisk/sandbox.mjs on every start
[general]
enabled = no
`,
    'extensions.conf': fs.readFileSync(path.join(HERE, 'extensions.conf'), 'utf8'),
  };
}

/** @param {string} root */
function writeConfig(root) {
  const dir = path.join(root, 'etc/asterisk');
  for (const [name, text] of Object.entries(configFiles())) {
    fs.writeFileSync(path.join(dir, name), text);
  }
  // pbx_config warns at every start while the deprecated users.conf exists.
  fs.rmSync(path.join(dir, 'users.conf'), { force: true });
  // Music on hold: a prompt file is enough for the hold/moh tests.
  const moh = path.join(root, 'var/lib/asterisk/moh');
  fs.mkdirSync(moh, { recursive: true });
  const src = path.join(root, 'usr/share/asterisk/sounds/en_US_f_Allison/demo-congrats.gsm');
  const dst = path.join(moh, 'sandbox-moh.gsm');
  if (!fs.existsSync(dst) && fs.existsSync(src)) fs.copyFileSync(src, dst);
}

/* ------------------------------------------------------------------------------------------ */
/* process helpers                                                                            */
/* ------------------------------------------------------------------------------------------ */

/** Process state letter from /proc/<pid>/stat, or null if gone. @param {number} pid */
function procState(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return null;
  }
}

/**
 * Alive and not a zombie. A zombie main thread with other threads still running (multithreaded
 * process exiting) counts as alive. @param {number} pid
 */
function pidAlive(pid) {
  const s = procState(pid);
  if (s === null) return false;
  if (s !== 'Z' && s !== 'X') return true;
  try {
    return fs.readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

/** Is `pid` the asterisk of our chroot (comm asterisk, /proc/pid/root = our root)? @param {number} pid */
function isOurAsterisk(pid) {
  if (!pidAlive(pid)) return false;
  try {
    const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    const procRoot = fs.readlinkSync(`/proc/${pid}/root`);
    return comm === 'asterisk' && procRoot === fs.realpathSync(sandboxPaths().root);
  } catch {
    return false;
  }
}

/** @param {string} file */
function readPid(file) {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * PID of the sandbox asterisk if it is running: our pidfile, else asterisk's own pidfile
 * inside the root (same PID namespace), each checked against /proc.
 * @returns {number | null}
 */
export function getAsteriskPid() {
  const p = sandboxPaths();
  for (const file of [p.pidFile, path.join(p.root, 'run/asterisk/asterisk.pid')]) {
    const pid = readPid(file);
    if (pid && isOurAsterisk(pid)) return pid;
  }
  return null;
}

function authHeader() {
  return `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
}

/**
 * One GET /ari/asterisk/info, or null if ARI does not answer.
 * @param {number} [timeoutMs]
 * @returns {Promise<any | null>}
 */
async function ariInfo(timeoutMs = 2000) {
  try {
    const res = await fetch(`${sandboxDefaults.baseUrl}/ari/asterisk/info`, {
      headers: { Authorization: authHeader() },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return null;
    return await res.json();
  } catch {
    return null;
  }
}

/**
 * Can an ARI application register right now? Opens the events WebSocket for a
 * throwaway app (a bare handshake over `net`: this file has no dependencies),
 * checks that ARI lists the app, and closes with a close frame.
 *
 * Why HTTP answering is not enough: Asterisk 22.10 sometimes wedges its
 * Stasis app registry when an app's WebSocket is torn down while a channel of
 * that app is leaving Stasis. REST keeps answering (`/asterisk/info`, even
 * `/channels`), but every later events WebSocket hangs in its handshake, so
 * every console connecting afterwards waits forever for "live". Seen in CI
 * after test/integration/faults.test.ts (see test/asterisk/README.md).
 * @param {number} [timeoutMs]
 * @returns {Promise<{ ok: true, ms: number } | { ok: false, ms: number, error: string }>}
 */
export async function probeEvents(timeoutMs = 5000) {
  const net = await import('node:net');
  const crypto = await import('node:crypto');
  const t0 = Date.now();
  const app = `probe${process.pid}x${crypto.randomBytes(3).toString('hex')}`;
  const socket = net.connect({ host: '127.0.0.1', port: PORT });
  const fail = (error) => ({ ok: /** @type {const} */ (false), ms: Date.now() - t0, error });
  try {
    const handshake = await new Promise((resolve) => {
      let head = '';
      const timer = setTimeout(() => resolve(fail(`no answer to the events WebSocket handshake within ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        resolve(fail(`events WebSocket: ${err.message}`));
      });
      socket.on('data', (chunk) => {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        clearTimeout(timer);
        const status = head.slice(0, head.indexOf('\r\n'));
        resolve(/ 101 /.test(status) ? { ok: true } : fail(`events WebSocket answered "${status}"`));
      });
      socket.once('connect', () => {
        const query = `app=${app}&subscribeAll=false`;
        socket.write(
          `GET /ari/events?${query} HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nAuthorization: ${authHeader()}\r\n` +
            `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
            `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n\r\n`,
        );
      });
    });
    if (!handshake.ok) return handshake;
    const left = Math.max(500, timeoutMs - (Date.now() - t0));
    const listed = await fetch(`${sandboxDefaults.baseUrl}/ari/applications/${app}`, {
      headers: { Authorization: authHeader() },
      signal: AbortSignal.timeout(left),
    }).then(
      (res) => res.status,
      (err) => `${err.message}`,
    );
    if (listed !== 200) return fail(`GET /ari/applications/${app} answered ${listed} after the WebSocket opened`);
    return { ok: true, ms: Date.now() - t0 };
  } finally {
    // A masked close frame with no payload, then the socket goes.
    if (!socket.destroyed) socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));
    setTimeout(() => socket.destroy(), 200).unref();
  }
}

/** A probe that fails once may have met a busy PBX; two in a row mean it is wedged. */
async function probeEventsTwice() {
  const first = await probeEvents();
  return first.ok ? first : probeEvents();
}

/**
 * Poll ARI until it answers. Throws after timeoutMs, or at once if `pid` dies.
 * @param {{ timeoutMs?: number, pid?: number }} [o]
 */
export async function waitForAri(o = {}) {
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const info = await ariInfo(1500);
    if (info) return info;
    if (o.pid && !pidAlive(o.pid)) {
      throw new Error(`sandbox: asterisk (pid ${o.pid}) exited before ARI answered; last lines of ${sandboxPaths().logFile}:\n${tail(sandboxPaths().logFile)}\nmessages:\n${tail(sandboxPaths().messagesLog)}`);
    }
    await sleep(200);
  }
  throw new Error(`sandbox: ARI did not answer on ${sandboxDefaults.baseUrl} within ${o.timeoutMs ?? 60_000} ms`);
}

/** @param {number} pid @param {number} timeoutMs */
async function waitExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await sleep(100);
  }
  return !pidAlive(pid);
}

/** @param {string} root */
function mountProc(root) {
  const proc = path.join(root, 'proc');
  if (spawnSync('mountpoint', ['-q', proc]).status !== 0) {
    run('mount', ['-t', 'proc', 'proc', proc], { print: true });
  }
}

/** Is something listening on 127.0.0.1:PORT? @param {number} port */
async function portBusy(port) {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

/* ------------------------------------------------------------------------------------------ */
/* start / stop / restart / freeze                                                            */
/* ------------------------------------------------------------------------------------------ */

/**
 * @typedef {{ pid: number, baseUrl: string, username: string, password: string, app: string,
 *   alreadyRunning: boolean, version: string, startMs: number }} StartResult
 */

/**
 * Start Asterisk in the chroot (config rewritten every start) and wait for ARI.
 * If our asterisk already runs and answers, return it with alreadyRunning: true.
 * @param {{ timeoutMs?: number }} [opts]
 * @returns {Promise<StartResult>}
 */
export async function startAsterisk(opts = {}) {
  const p = sandboxPaths();
  requireRoot('start');
  if (!isCompleteRoot(p.root)) {
    throw new Error(`sandbox: no Asterisk root at ${p.root}; run \`node test/asterisk/sandbox.mjs ensure\` first`);
  }
  return withLock(p.runLockDir, () => startUnlocked(opts));
}

/** @param {{ timeoutMs?: number }} opts @returns {Promise<StartResult>} */
async function startUnlocked(opts) {
  const p = sandboxPaths();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const t0 = Date.now();
  const existing = getAsteriskPid();
  if (existing) {
    if (procState(existing) === 'T') {
      log(`asterisk pid ${existing} is frozen (SIGSTOP): sending SIGCONT`);
      process.kill(existing, 'SIGCONT');
    }
    let info;
    try {
      info = await waitForAri({ timeoutMs: 20_000, pid: existing });
    } catch {
      log(`asterisk pid ${existing} is running but ARI does not answer: stopping it`);
      await stopUnlocked({});
    }
    if (info) {
      const events = await probeEventsTwice();
      if (events.ok) {
        fs.writeFileSync(p.pidFile, `${existing}\n`);
        return { pid: existing, ...sandboxDefaults, alreadyRunning: true, version: info?.system?.version ?? '', startMs: Date.now() - t0 };
      }
      // Loud on purpose: a restart hides nothing of ours (a fresh app of the
      // probe's own could not register), but the log should say it happened.
      log(`asterisk pid ${existing} answers REST but no app can open its events link (${events.error}): its Stasis app registry is wedged; restarting it. Last lines of its log:\n${tail(p.logFile)}`);
      await stopUnlocked({});
    }
  }
  if (await portBusy(PORT)) {
    throw new Error(`sandbox: 127.0.0.1:${PORT} is already in use by something that is not the sandbox asterisk; set ARI_SANDBOX_PORT`);
  }

  fixOwnership(p.root);
  mountProc(p.root);
  writeConfig(p.root);
  for (const f of [p.messagesLog]) {
    if (fs.existsSync(f)) fs.renameSync(f, `${f}.old`);
  }
  fs.rmSync(path.join(p.root, 'run/asterisk/asterisk.ctl'), { force: true });

  if (fs.existsSync(p.logFile) && fs.statSync(p.logFile).size > 5 * 1024 * 1024) fs.renameSync(p.logFile, `${p.logFile}.old`);
  const out = fs.openSync(p.logFile, 'a');
  fs.writeSync(out, `\n===== ${new Date().toISOString()} chroot ${p.root} /usr/sbin/asterisk -f\n`);
  // chroot execs asterisk, so child.pid IS the asterisk process (checked via /proc below).
  const child = spawn('chroot', [p.root, '/usr/sbin/asterisk', '-f'], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const pid = child.pid;
  if (!pid) throw new Error('sandbox: failed to spawn chroot asterisk');
  child.unref();
  fs.writeFileSync(p.pidFile, `${pid}\n`);
  log(`started asterisk pid ${pid} (log ${p.logFile}, messages ${p.messagesLog})`);
  let info;
  try {
    info = await waitForAri({ timeoutMs, pid });
  } catch (err) {
    if (pidAlive(pid)) {
      log(`ARI never answered: killing pid ${pid}`);
      process.kill(pid, 'SIGKILL');
    }
    fs.rmSync(p.pidFile, { force: true });
    throw err;
  }
  // REST answering is not enough for a console: wait until an app can also
  // open its events link (see probeEvents).
  const events = await probeEventsTwice();
  if (!events.ok) {
    process.kill(pid, 'SIGKILL');
    fs.rmSync(p.pidFile, { force: true });
    throw new Error(`sandbox: ARI answers but no app can open its events link (${events.error}); last lines of ${p.logFile}:\n${tail(p.logFile)}`);
  }
  const startMs = Date.now() - t0;
  log(`ARI answers after ${startMs} ms (Asterisk ${info?.system?.version ?? '?'})`);
  return { pid, ...sandboxDefaults, alreadyRunning: false, version: info?.system?.version ?? '', startMs };
}

/**
 * `asterisk -rx <cmd>` inside the chroot; resolves with stdout.
 * @param {string} cmd @param {{ timeoutMs?: number }} [o]
 * @returns {Promise<string>}
 */
export function asteriskCli(cmd, o = {}) {
  const { root } = sandboxPaths();
  return new Promise((resolve, reject) => {
    execFile('chroot', [root, '/usr/sbin/asterisk', '-rx', cmd], { timeout: o.timeoutMs ?? 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`sandbox: asterisk -rx '${cmd}' failed: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

/**
 * Stop the sandbox asterisk: `core stop now`, wait up to timeoutMs for the recorded PID to exit,
 * then SIGKILL that PID only. Never kills by name.
 * @param {{ timeoutMs?: number }} [opts]
 * @returns {Promise<{ wasRunning: boolean, pid: number | null, killed: boolean, stopMs: number }>}
 */
export async function stopAsterisk(opts = {}) {
  if (!getAsteriskPid()) {
    fs.rmSync(sandboxPaths().pidFile, { force: true });
    return { wasRunning: false, pid: null, killed: false, stopMs: 0 };
  }
  requireRoot('stop');
  return withLock(sandboxPaths().runLockDir, () => stopUnlocked(opts));
}

/** @param {{ timeoutMs?: number }} opts @returns {Promise<{ wasRunning: boolean, pid: number | null, killed: boolean, stopMs: number }>} */
async function stopUnlocked(opts) {
  const p = sandboxPaths();
  const t0 = Date.now();
  const pid = getAsteriskPid();
  if (!pid) {
    fs.rmSync(p.pidFile, { force: true });
    return { wasRunning: false, pid: null, killed: false, stopMs: 0 };
  }
  if (procState(pid) === 'T') process.kill(pid, 'SIGCONT');
  try {
    await asteriskCli('core stop now', { timeoutMs: 10_000 });
  } catch (err) {
    log(`core stop now failed (${/** @type {Error} */ (err).message.split('\n')[0]}); will SIGKILL pid ${pid} if it does not exit`);
  }
  let killed = false;
  if (!(await waitExit(pid, opts.timeoutMs ?? 15_000))) {
    log(`asterisk pid ${pid} did not exit: SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    killed = true;
    await waitExit(pid, 5000);
  }
  fs.rmSync(p.pidFile, { force: true });
  return { wasRunning: true, pid, killed, stopMs: Date.now() - t0 };
}

/**
 * Stop, stay down for downMs, start again.
 * @param {{ downMs?: number, timeoutMs?: number }} [opts]
 * @returns {Promise<StartResult & { stopMs: number, downMs: number }>}
 */
export async function restartAsterisk(opts = {}) {
  const stopped = await stopAsterisk();
  const downMs = opts.downMs ?? 0;
  if (downMs > 0) await sleep(downMs);
  const started = await startAsterisk(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs });
  return { ...started, stopMs: stopped.stopMs, downMs };
}

/**
 * Crash the sandbox asterisk: SIGKILL its recorded PID, so it sends nothing
 * (no hangups, no close frame) - the PBX vanishing mid-call, unlike the
 * orderly `core stop now`. By PID only, never by name.
 * @returns {Promise<{ pid: number }>}
 */
export async function crashAsterisk() {
  requireRoot('crash');
  return withLock(sandboxPaths().runLockDir, async () => {
    const pid = requirePid();
    process.kill(pid, 'SIGKILL');
    await waitExit(pid, 10_000);
    fs.rmSync(sandboxPaths().pidFile, { force: true });
    return { pid };
  });
}

function requirePid() {
  const pid = getAsteriskPid();
  if (!pid) throw new Error('sandbox: asterisk is not running');
  return pid;
}

/** SIGSTOP the asterisk process (TCP stays open, nothing answers: a half-open link). @returns {number} pid */
export function freezeAsterisk() {
  const pid = requirePid();
  process.kill(pid, 'SIGSTOP');
  return pid;
}

/** SIGCONT the asterisk process. @returns {number} pid */
export function thawAsterisk() {
  const pid = requirePid();
  process.kill(pid, 'SIGCONT');
  return pid;
}

/**
 * @returns {Promise<{ running: boolean, pid: number | null, frozen: boolean, ariUp: boolean,
 *   version: string | null, baseUrl: string, root: string, rootReady: boolean }>}
 */
export async function sandboxStatus() {
  const p = sandboxPaths();
  const pid = getAsteriskPid();
  const frozen = pid !== null && procState(pid) === 'T';
  const info = pid && !frozen ? await ariInfo(2000) : null;
  return {
    running: pid !== null,
    pid,
    frozen,
    ariUp: info !== null,
    version: info?.system?.version ?? null,
    baseUrl: sandboxDefaults.baseUrl,
    root: p.root,
    rootReady: isCompleteRoot(p.root),
  };
}

/* ------------------------------------------------------------------------------------------ */
/* CLI                                                                                        */
/* ------------------------------------------------------------------------------------------ */

const USAGE = `usage: node test/asterisk/sandbox.mjs <command>
  ensure           unpack the Debian sid + Asterisk root if missing (needs root)
  start            write config, start asterisk in the chroot, wait for ARI; prints JSON
  stop             core stop now, wait, SIGKILL the recorded pid as a fallback
  restart [downMs] stop, stay down downMs (default 0), start
  freeze | thaw    SIGSTOP / SIGCONT the asterisk process
  status           JSON: running, pid, version
  probe            JSON: can an ARI app open its events WebSocket right now?
  cli <command>    asterisk -rx <command> inside the chroot
env: ARI_SANDBOX_ROOT, ARI_SANDBOX_PORT (8088), ARI_SANDBOX_SIP_PORT (5060), ARI_SANDBOX_MIRROR, XDG_CACHE_HOME`;

/** @param {string[]} argv */
async function main(argv) {
  const [cmd, ...rest] = argv;
  /** @param {unknown} v */
  const print = (v) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  switch (cmd) {
    case 'ensure':
      print(await ensureSandbox());
      break;
    case 'start':
      print(await startAsterisk());
      break;
    case 'stop':
      print(await stopAsterisk());
      break;
    case 'restart':
      print(await restartAsterisk({ downMs: Number(rest[0] ?? 0) }));
      break;
    case 'crash':
      print(await crashAsterisk());
      break;
    case 'freeze':
      print({ frozen: freezeAsterisk() });
      break;
    case 'thaw':
      print({ thawed: thawAsterisk() });
      break;
    case 'status':
      print(await sandboxStatus());
      break;
    case 'probe':
      print(await probeEvents());
      break;
    case 'cli':
      if (!rest.length) throw new Error('usage: cli <asterisk command>');
      process.stdout.write(await asteriskCli(rest.join(' ')));
      break;
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exitCode = cmd ? 2 : 0;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
