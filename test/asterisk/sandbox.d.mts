// Types for test/asterisk/sandbox.mjs (plain Node ESM, see README.md next to it).

export interface SandboxDefaults {
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly app: string;
}

export interface SandboxPaths {
  root: string;
  partial: string;
  cacheDir: string;
  pidFile: string;
  logFile: string;
  debootstrapLog: string;
  lockDir: string;
  runLockDir: string;
  messagesLog: string;
}

export interface StartResult {
  pid: number;
  baseUrl: string;
  username: string;
  password: string;
  app: string;
  /** true when an already running sandbox asterisk was reused (nothing was started). */
  alreadyRunning: boolean;
  version: string;
  /** ms until ARI answered GET /ari/asterisk/info and an app could open its events link */
  startMs: number;
}

export interface StopResult {
  wasRunning: boolean;
  pid: number | null;
  /** true when `core stop now` did not end it and the recorded PID got SIGKILL */
  killed: boolean;
  stopMs: number;
}

export interface SandboxStatus {
  running: boolean;
  pid: number | null;
  frozen: boolean;
  ariUp: boolean;
  version: string | null;
  baseUrl: string;
  root: string;
  rootReady: boolean;
}

/** Asterisk's GET /ari/asterisk/info body (only the fields the sandbox reads are typed). */
export interface AsteriskInfo {
  system?: { version?: string; entity_id?: string };
  [key: string]: unknown;
}

export const sandboxDefaults: SandboxDefaults;
export function sandboxPaths(): SandboxPaths;
export function ensureSandbox(): Promise<{ root: string; created: boolean }>;
export function startAsterisk(opts?: { timeoutMs?: number }): Promise<StartResult>;
export function stopAsterisk(opts?: { timeoutMs?: number }): Promise<StopResult>;
export function restartAsterisk(opts?: {
  downMs?: number;
  timeoutMs?: number;
}): Promise<StartResult & { stopMs: number; downMs: number }>;
/** SIGKILL by recorded PID: the PBX vanishes without hanging anything up. */
export function crashAsterisk(): Promise<{ pid: number }>;
export function freezeAsterisk(): number;
export function thawAsterisk(): number;
export function sandboxStatus(): Promise<SandboxStatus>;
export function asteriskCli(cmd: string, opts?: { timeoutMs?: number }): Promise<string>;
export function getAsteriskPid(): number | null;
/** ARI over TLS as well, on 127.0.0.1:port, with this PEM certificate and key; reloads HTTP in place. */
export function enableTls(opts: { certFile: string; keyFile: string; port: number; timeoutMs?: number }): Promise<{ baseUrl: string }>;
export function disableTls(): Promise<void>;
export function waitForAri(opts?: { timeoutMs?: number; pid?: number }): Promise<AsteriskInfo>;
/** Can an ARI app open its events WebSocket right now (REST answering is not enough)? */
export function probeEvents(timeoutMs?: number): Promise<{ ok: true; ms: number } | { ok: false; ms: number; error: string }>;
