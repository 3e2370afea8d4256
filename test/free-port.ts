import { createServer, type AddressInfo } from 'node:net';

/** A local port that was free a moment ago and has nothing listening on it now: for refused connections, or to hand to a server that starts next. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
