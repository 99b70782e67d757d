/** Minimal JSON-RPC 2.0 shapes and an HTTP client for talking to the node. */
export interface JsonRpcRequest {
  jsonrpc?: string;
  id?: string | number | null;
  method: string;
  params?: unknown[];
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export function rpcError(id: JsonRpcResponse['id'], code: number, message: string): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

export function rpcResult(id: JsonRpcResponse['id'], result: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}

/** Posts one request as-is and returns the node's response object. */
export async function forward(url: string, req: JsonRpcRequest): Promise<JsonRpcResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: req.id ?? null,
      method: req.method,
      params: req.params ?? [],
    }),
  });
  return (await res.json()) as JsonRpcResponse;
}

/** Calls a method and returns its result, throwing on a JSON-RPC error. */
export async function call<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await forward(url, { id: 1, method, params });
  if (res.error) throw new Error(`${method} failed: ${res.error.message}`);
  return res.result as T;
}
