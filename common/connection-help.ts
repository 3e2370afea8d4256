import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './errors.js';

/**
 * The first-run wizard's connection test and the words it shows when a step
 * fails. Main runs the steps (main/connection-test.ts) and reports each one
 * with the typed error code it met; this module turns a failed step into what
 * to check in http.conf, ari.conf or the dialplan — pure, so every code has a
 * tested explanation and the browser host and the desktop app say the same.
 */

export const CONNECTION_STEPS = ['http', 'ari', 'events'] as const;
export type ConnectionStep = (typeof CONNECTION_STEPS)[number];

export const STEP_LABELS: Record<ConnectionStep, string> = {
  http: 'Reach the PBX’s HTTP server',
  ari: 'Log in to ARI',
  events: 'Open the events WebSocket',
};

export const connectionStepResultSchema = z
  .object({
    step: z.enum(CONNECTION_STEPS),
    /** null: not tried, because an earlier step failed. */
    ok: z.boolean().nullable(),
    code: z.enum(ERROR_CODES).nullable(),
    message: z.string(),
  })
  .strict();

export const connectionTestSchema = z
  .object({
    ok: z.boolean(),
    pbx: z.object({ version: z.string(), systemName: z.string() }).strict().nullable(),
    steps: z.array(connectionStepResultSchema),
  })
  .strict();

export type ConnectionStepResult = z.output<typeof connectionStepResultSchema>;
export type ConnectionTest = z.output<typeof connectionTestSchema>;

/** Which step an error belongs to when one request covers two (the REST login reaches the server first). */
export function stepOfRestError(code: ErrorCode): ConnectionStep {
  return code === 'unavailable' || code === 'timeout' || code === 'invalid_request' ? 'http' : 'ari';
}

export interface Explanation {
  readonly title: string;
  /** What to check, in order, each a sentence. */
  readonly checks: readonly string[];
  /** The config file the fix is in, and what the relevant lines look like there. */
  readonly file: 'http.conf' | 'ari.conf' | 'extensions.conf' | null;
  readonly snippet: string;
  /** The section of docs/ASTERISK-SETUP.md that covers it. */
  readonly doc: string;
}

export interface ProfileHints {
  readonly baseUrl: string;
  readonly username: string;
  readonly app: string;
}

function portOf(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    return url.port || (url.protocol === 'https:' ? '443' : '80');
  } catch {
    return '8088';
  }
}

function httpSnippet(profile: ProfileHints): string {
  const tls = profile.baseUrl.startsWith('https:');
  return tls
    ? `[general]\nenabled = yes\ntlsenable = yes\ntlsbindaddr = 0.0.0.0:${portOf(profile.baseUrl)}\ntlscertfile = /etc/asterisk/keys/asterisk.crt\ntlsprivatekey = /etc/asterisk/keys/asterisk.key`
    : `[general]\nenabled = yes\nbindaddr = 0.0.0.0\nbindport = ${portOf(profile.baseUrl)}`;
}

function ariSnippet(profile: ProfileHints): string {
  return `[general]\nenabled = yes\n\n[${profile.username || 'console'}]\ntype = user\nread_only = no\npassword = <the password you typed here>`;
}

/** What the receptionist (or whoever set up the PBX) should check when `step` failed with `code`. */
export function explainFailure(step: ConnectionStep, code: ErrorCode | null, profile: ProfileHints): Explanation {
  if (step === 'http') {
    if (code === 'invalid_request') {
      return {
        title: 'The CA certificate file could not be used',
        checks: ['Pick the PEM file of the certificate authority that signed the PBX’s certificate, or leave the field empty for a publicly trusted one.'],
        file: null,
        snippet: '',
        doc: 'ASTERISK-SETUP.md#1-the-http-server-httpconf',
      };
    }
    const tls = profile.baseUrl.startsWith('https:');
    return {
      title: code === 'timeout' ? 'The PBX did not answer in time' : 'The PBX’s HTTP server could not be reached',
      checks: [
        `Check the address ${profile.baseUrl}: host name and port ${portOf(profile.baseUrl)}.`,
        `On the PBX, http.conf must have enabled = yes and listen on that port (${tls ? 'tlsbindaddr' : 'bindaddr/bindport'}); 127.0.0.1 accepts only connections from the PBX itself.`,
        'After editing http.conf run "asterisk -rx \'module reload http\'" and check with "asterisk -rx \'http show status\'".',
        'A firewall between here and the PBX must let this port through.',
        ...(tls ? ['For https the PBX’s certificate must be trusted here: add its CA file to the profile if it is private.'] : []),
      ],
      file: 'http.conf',
      snippet: httpSnippet(profile),
      doc: 'ASTERISK-SETUP.md#1-the-http-server-httpconf',
    };
  }
  if (step === 'ari') {
    if (code === 'unauthorized') {
      return {
        title: 'The PBX refused the ARI user name or password',
        checks: [
          `ari.conf needs a section [${profile.username}] with type = user and the same password.`,
          'read_only = no, or the console can watch calls but not control them.',
          "If the user has permit/deny lines, they must admit this computer's address (otherwise Asterisk answers 403 \"Access denied by ACL\").",
          'After editing ari.conf run "asterisk -rx \'module reload res_ari.so\'"; "asterisk -rx \'ari show users\'" lists the users.',
        ],
        file: 'ari.conf',
        snippet: ariSnippet(profile),
        doc: 'ASTERISK-SETUP.md#2-the-ari-user-ariconf',
      };
    }
    return {
      title: code === 'not_found' ? 'The HTTP server answers, but ARI is not there' : 'ARI did not answer as expected',
      checks: [
        'ari.conf must have enabled = yes in [general], and the res_ari modules must be loaded ("asterisk -rx \'module show like res_ari\'").',
        'The address is the PBX’s HTTP server (e.g. http://pbx:8088), with or without /ari; a reverse proxy must pass /ari/ through.',
        'Asterisk 16 or newer is needed.',
      ],
      file: 'ari.conf',
      snippet: ariSnippet(profile),
      doc: 'ASTERISK-SETUP.md#2-the-ari-user-ariconf',
    };
  }
  return {
    title: 'ARI answers, but its events WebSocket could not be opened',
    checks: [
      'The res_http_websocket module must be loaded ("asterisk -rx \'module show like websocket\'").',
      'A reverse proxy in front of the PBX must pass WebSocket upgrades on /ari/events.',
      'If ari.conf sets allowed_origins, it must allow this console.',
    ],
    file: 'http.conf',
    snippet: httpSnippet(profile),
    doc: 'ASTERISK-SETUP.md#1-the-http-server-httpconf',
  };
}

/** Shown once the test passes: calls reach the console only when the dialplan sends them. */
export function dialplanAdvice(app: string): Explanation {
  return {
    title: `Send calls to the console’s application “${app}”`,
    checks: [
      `In extensions.conf, the calls the receptionist handles must reach Stasis(${app}).`,
      'The application exists only while a console is connected: keep a fallback (a voicemail, a ring group) for when nobody is.',
      'Reload with "asterisk -rx \'dialplan reload\'".',
    ],
    file: 'extensions.conf',
    snippet: `[from-trunk]\nexten => _X.,1,NoOp(Inbound call for the operator)\n same => n,Stasis(${app})\n same => n,Hangup()`,
    doc: 'ASTERISK-SETUP.md#3-the-dialplan-extensionsconf',
  };
}
