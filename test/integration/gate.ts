import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP gate between the console and the real Asterisk: it forwards bytes
 * untouched while open, and while closed nothing listens on its port, exactly
 * as if the PBX were down. What it adds over stopping Asterisk: the PBX can
 * keep running (and calls can begin and end on it) while the console is cut
 * off, and the moment the console can reach it again is known to the
 * millisecond. It never reads or rewrites ARI; Asterisk answers everything.
 */
export interface Gate {
  /** http://127.0.0.1:<port>: the console's profile points here. */
  readonly baseUrl: string;
  readonly isOpen: boolean;
  /** TCP connections the gate has accepted while open. */
  readonly accepted: number;
  /** Listens again on the same port. */
  open(): Promise<void>;
  /** Stops listening and resets every connection through it. */
  close(): Promise<void>;
  /** Closes for good. */
  dispose(): Promise<void>;
}

export async function startGate(target: string): Promise<Gate> {
  const { hostname, port: targetPort } = new URL(target);
  const targetHost = hostname.replace(/^\[|\]$/g, '');
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  let server: Server | null = null;
  let port = 0;

  const onConnection = (client: Socket): void => {
    accepted += 1;
    const upstream = connect({ host: targetHost, port: Number(targetPort) });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const next = createServer(onConnection);
      next.once('error', reject);
      next.listen({ host: '127.0.0.1', port }, () => {
        next.off('error', reject);
        port = (next.address() as AddressInfo).port;
        server = next;
        resolve();
      });
    });

  const close = async (): Promise<void> => {
    const current = server;
    server = null;
    for (const [client, upstream] of pairs) {
      // resetAndDestroy: an RST like a dead host's, not a polite FIN.
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    get isOpen() {
      return server !== null;
    },
    get accepted() {
      return accepted;
    },
    open: async () => {
      if (!server) await listen();
    },
    close,
    dispose: close,
  };
}
