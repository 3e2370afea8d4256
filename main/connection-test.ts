import { randomUUID } from 'node:crypto';
import { stepOfRestError, type ConnectionStepResult, type ConnectionTest } from '../common/connection-help.js';
import { ConsoleError, toErrorShape } from '../common/errors.js';
import type { AriRest, RestOptions } from './engine/ari-rest.js';
import { connectRest } from './engine/ari-rest.js';
import { openEventSocket } from './engine/event-socket.js';

export interface TestTarget {
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly app: string;
  readonly caFile?: string;
}

export interface TestDeps {
  readonly connect?: (options: RestOptions) => Promise<AriRest>;
  readonly openEvents?: typeof openEventSocket;
  readonly timeoutMs?: number;
}

/**
 * Tries a profile the way the engine will use it, one step at a time, and
 * keeps nothing: the REST login (which also proves the HTTP server is up) and
 * then the events WebSocket. The socket uses a throwaway application name so
 * testing a profile never takes the app away from a console already running
 * on it (a second socket with the same name would replace the first).
 */
export async function testConnection(target: TestTarget, deps: TestDeps = {}): Promise<ConnectionTest> {
  const connect = deps.connect ?? connectRest;
  const openEvents = deps.openEvents ?? openEventSocket;
  const timeoutMs = deps.timeoutMs ?? 5000;
  const steps: ConnectionStepResult[] = [];
  const caFile = target.caFile ? { caFile: target.caFile } : {};

  let rest: AriRest | null = null;
  let pbx: ConnectionTest['pbx'] = null;
  try {
    rest = await connect({ baseUrl: target.baseUrl, username: target.username, password: target.password, timeoutMs, ...caFile });
    const info = await rest.info();
    pbx = { version: info.system?.version ?? 'unknown', systemName: info.config?.name ?? '' };
    steps.push({ step: 'http', ok: true, code: null, message: 'The HTTP server answered.' });
    steps.push({ step: 'ari', ok: true, code: null, message: `Logged in to Asterisk ${pbx.version}.` });
  } catch (error) {
    const shape = toErrorShape(error);
    const step = stepOfRestError(shape.code);
    if (step === 'ari') steps.push({ step: 'http', ok: true, code: null, message: 'The HTTP server answered.' });
    steps.push({ step, ok: false, code: shape.code, message: shape.message });
    if (step === 'http') steps.push({ step: 'ari', ok: null, code: null, message: 'Not tried.' });
    steps.push({ step: 'events', ok: null, code: null, message: 'Not tried.' });
    return { ok: false, pbx: null, steps };
  } finally {
    rest?.close();
  }

  const socket = openEvents({
    baseUrl: target.baseUrl,
    username: target.username,
    password: target.password,
    app: `${target.app}-test-${randomUUID().slice(0, 8)}`,
    subscribeAll: false,
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    connectTimeoutMs: timeoutMs,
    ...caFile,
    onEvent: () => undefined,
    onClose: () => undefined,
  });
  try {
    await socket.ready;
    steps.push({ step: 'events', ok: true, code: null, message: 'The events WebSocket opened.' });
  } catch (error) {
    const shape = error instanceof ConsoleError ? error.toJSON() : toErrorShape(error);
    steps.push({ step: 'events', ok: false, code: shape.code, message: shape.message });
    return { ok: false, pbx, steps };
  } finally {
    socket.close();
  }
  return { ok: true, pbx, steps };
}
