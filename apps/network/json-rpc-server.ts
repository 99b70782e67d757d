import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { frameText } from '../shared/ws-frame.js';
import { rpcError, type JsonRpcRequest, type JsonRpcResponse } from './json-rpc.js';

/** A WebSocket client of the server: it can be sent notifications until it closes. */
export interface JsonRpcConnection {
  notify(method: string, params: unknown): void;
  onClose(listener: () => void): void;
}

/** Answers one request; `connection` is set when it came over a WebSocket (subscriptions need one). */
export type JsonRpcHandler = (req: JsonRpcRequest, connection?: JsonRpcConnection) => Promise<JsonRpcResponse>;

export interface JsonRpcServer {
  close(): Promise<void>;
}

/** Serves JSON-RPC over HTTP POST and over WebSocket on the same port, single and batch requests alike. */
export async function serveJsonRpc(host: string, port: number, handle: JsonRpcHandler): Promise<JsonRpcServer> {
  const server = createServer((req, res) => void answer(req, res, handle));
  const sockets = new WebSocketServer({ server, maxPayload: 1024 * 1024 });
  sockets.on('connection', (socket) => serveSocket(socket, handle));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`JSON-RPC port ${host}:${port} is not available (${err.code ?? err.message})`)),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets.clients) socket.terminate();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, handle: JsonRpcHandler): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const result = await reply(Buffer.concat(chunks).toString('utf8'), handle);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(result));
}

function serveSocket(socket: WebSocket, handle: JsonRpcHandler): void {
  const connection: JsonRpcConnection = {
    notify: (method, params) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ jsonrpc: '2.0', method, params }));
    },
    onClose: (listener) => socket.once('close', listener),
  };
  socket.on('message', (data) => {
    void reply(frameText(data), handle, connection).then((r) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(r));
    });
  });
}

async function reply(
  text: string,
  handle: JsonRpcHandler,
  connection?: JsonRpcConnection,
): Promise<JsonRpcResponse | JsonRpcResponse[]> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return rpcError(null, -32700, 'Parse error');
  }
  if (Array.isArray(body)) return Promise.all(body.map((r) => handle(r as JsonRpcRequest, connection)));
  return handle(body as JsonRpcRequest, connection);
}
