import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { rpcError, type JsonRpcRequest, type JsonRpcResponse } from './json-rpc.js';

export type JsonRpcHandler = (req: JsonRpcRequest) => Promise<JsonRpcResponse>;

export interface JsonRpcServer {
  close(): Promise<void>;
}

/** Serves JSON-RPC over HTTP POST, single and batch requests alike. */
export async function serveJsonRpc(host: string, port: number, handle: JsonRpcHandler): Promise<JsonRpcServer> {
  const server = createServer((req, res) => void answer(req, res, handle));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`JSON-RPC port ${host}:${port} is not available (${err.code ?? err.message})`)),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, handle: JsonRpcHandler): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: unknown;
  let reply: JsonRpcResponse | JsonRpcResponse[];
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    body = undefined;
  }
  if (body === undefined) reply = rpcError(null, -32700, 'Parse error');
  else if (Array.isArray(body)) reply = await Promise.all(body.map((r) => handle(r as JsonRpcRequest)));
  else reply = await handle(body as JsonRpcRequest);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(reply));
}
