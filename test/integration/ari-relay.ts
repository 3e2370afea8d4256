import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/**
 * An HTTP relay in front of the real Asterisk: REST is passed through
 * untouched and the events socket is carried to Asterisk's own, so real calls
 * keep flowing through it. What it adds is what Asterisk cannot be made to
 * do: send a frame it never would (inject), drop the events link without
 * stopping the PBX (cutEvents), or hold back answers Asterisk has already
 * given (hold/release), so a race that is otherwise a matter of luck happens
 * every time.
 */
export interface AriRelay {
  /** http://127.0.0.1:<port>: the console's profile points here. */
  readonly baseUrl: string;
  /** Every events frame carried to the console, in order, as Asterisk sent it. */
  readonly frames: readonly string[];
  /** Answers Asterisk gave (or requests) that the relay has not passed on yet. */
  readonly held: number;
  /**
   * From now on, answers to requests `match` accepts wait for release(); with
   * `{ before: true }` the requests themselves do, so Asterisk answers them
   * only after what happens meanwhile.
   */
  hold(match: (method: string, path: string) => boolean, options?: { before?: boolean }): void;
  /** Passes on every held answer (or request), in the order they came, and holds no more. */
  release(): void;
  /** Sends a frame to the console as if Asterisk had. */
  inject(data: string | Buffer, binary?: boolean): void;
  /** From now on, events frames wait (in order) for resumeEvents(), as on a slow link. */
  pauseEvents(): void;
  /** Passes on every paused frame, in order, and pauses no more. */
  resumeEvents(): void;
  /** Cuts the console's events socket, as a network blip would; Asterisk runs on. */
  cutEvents(): void;
  close(): Promise<void>;
}

export async function startAriRelay(target: string): Promise<AriRelay> {
  const upstream = new URL(target);
  const downstreams = new Set<WebSocket>();
  const frames: string[] = [];
  const waiting: Array<() => void> = [];
  let holding: ((method: string, path: string) => boolean) | null = null;
  let holdRequests = false;
  let paused: Array<() => void> | null = null;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const hold = holding?.(req.method ?? '', (req.url ?? '').split('?')[0] ?? '') ?? false;
    const holdAnswer = hold && !holdRequests;
    const send = (): void => {
      // Host is kept: Asterisk builds its swagger basePath from it, so REST comes back here too.
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        // A held answer is already decided by Asterisk; the console hears it on release.
        const pass = (): void => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        if (holdAnswer) waiting.push(pass);
        else pass();
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    };
    if (hold && holdRequests) waiting.push(send);
    else send();
  });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const real = new WebSocket(`ws://${upstream.host}${req.url ?? ''}`, { headers: { Authorization: req.headers.authorization ?? '' } });
    real.on('unexpected-response', (_req, response) => {
      socket.end(`HTTP/1.1 ${response.statusCode ?? 502} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    real.on('error', () => socket.destroy());
    real.once('open', () => {
      wss.handleUpgrade(req, socket, head, (client) => {
        downstreams.add(client);
        real.on('message', (data, isBinary) => {
          frames.push(String(data));
          const send = (): void => client.send(data, { binary: isBinary });
          if (paused) paused.push(send);
          else send();
        });
        real.on('close', () => client.terminate());
        client.on('close', () => {
          downstreams.delete(client);
          real.terminate();
        });
      });
    });
  });
  const release = (): void => {
    holding = null;
    for (const pass of waiting.splice(0)) pass();
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    frames,
    get held() {
      return waiting.length;
    },
    hold(match, options) {
      holding = match;
      holdRequests = options?.before === true;
    },
    release,
    inject(data, binary = false) {
      for (const client of downstreams) client.send(data, { binary });
    },
    pauseEvents: () => void (paused ??= []),
    resumeEvents() {
      const frames = paused ?? [];
      paused = null;
      for (const send of frames) send();
    },
    cutEvents() {
      for (const client of downstreams) client.terminate();
    },
    async close() {
      release();
      paused = null;
      for (const client of downstreams) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
