import { JsonRpcProvider, makeError, type JsonRpcPayload, type JsonRpcResult } from 'ethers';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * ethers' JSON-RPC provider with the text of each request and answer coded
 * by the runtime rather than by ethers' JavaScript UTF-8 coder: decoding the
 * `eth_getLogs` answer of a rebuild from block 0 took ethers longer than
 * recording its pins. The transport is ethers' own (its URL and credentials,
 * timeout, retries on 429).
 *
 * @example
 * const provider = new NativeTextJsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
 */
export class NativeTextJsonRpcProvider extends JsonRpcProvider {
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    const request = this._getConnection();
    request.body = encoder.encode(JSON.stringify(payload));
    request.setHeader('content-type', 'application/json');
    const response = await request.send();
    response.assertOk();
    let answer: unknown;
    try {
      answer = JSON.parse(decoder.decode(response.body ?? new Uint8Array()));
    } catch (err) {
      throw makeError('response body is not valid JSON', 'UNSUPPORTED_OPERATION', {
        operation: 'bodyJson',
        info: { response, error: String(err) },
      });
    }
    return (Array.isArray(answer) ? answer : [answer]) as JsonRpcResult[];
  }
}
