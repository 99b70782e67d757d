import { createServer } from 'node:net';

/** Fails fast with a clear message rather than letting a server die later. */
export async function assertPortFree(host: string, port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`${what} port ${host}:${port} is not available (${err.code ?? err.message})`)),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** A port that was free a moment ago (bind port 0, read it, release it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
