import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** What Node's HTTP parser reports for a request it cannot read, as the API's status, code and message. */
export function clientErrorAnswer(code: string | undefined): { status: number; code: string; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW')
    return { status: 431, code: 'headers-too-large', message: 'the request line and headers exceed 16 KiB' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { status: 408, code: 'request-timeout', message: 'the request did not arrive in time' };
  return { status: 400, code: 'malformed-request', message: 'the request is not valid HTTP/1.1' };
}

/**
 * Node answers a request its parser refuses (bad framing, headers over
 * 16 KiB) by itself, with an empty body: answer it as every other error is,
 * `{ error: { code, message } }`, and close the connection as Node would.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, code, message } = clientErrorAnswer(err.code);
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}
