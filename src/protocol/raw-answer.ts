import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

// An answer written straight to the connection, which is then closed: for a request the service
// will not read to its end (a body beyond the limit, bytes the HTTP parser refused). Closing a
// connection that still has unread bytes makes the system reset it, and a reset can overtake the
// answer (a client that is still sending sees its write fail and never reads it). So the answer
// is followed by a half-close, the rest of the request is left unread (the client is held back by
// TCP, not reset), and the connection is destroyed once the client has had time to read.

const LINGER_MS = 5_000;

export interface RawAnswer {
  status: number;
  requestId: string;
  /** The AWS error name: `__type` and x-amzn-ErrorType. */
  type: string;
  /** The JSON body. */
  body: string;
}

export function answerAndClose(socket: Duplex, a: RawAnswer): void {
  socket.end(
    `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ''}\r\n` +
      'Content-Type: application/x-amz-json-1.1\r\n' +
      `Content-Length: ${Buffer.byteLength(a.body)}\r\n` +
      `x-amzn-RequestId: ${a.requestId}\r\n` +
      `x-amzn-ErrorType: ${a.type}:\r\n` +
      `Date: ${new Date().toUTCString()}\r\n` +
      'Connection: close\r\n\r\n' +
      a.body,
  );
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
