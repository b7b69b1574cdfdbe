import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { timeoutOptions } from './limits.js';
import { answerAndClose } from './raw-answer.js';

// The listening endpoint: plain HTTP or HTTPS, with the connection limits of limits.ts, and an
// AWS-style JSON answer for requests the HTTP parser rejects before any handler sees them.

export type Endpoint = HttpServer | HttpsServer;

export interface EndpointOptions {
  maxConnections: number;
  /**
   * PEM certificate (chain) and private key: the endpoint speaks HTTPS. `'later'` binds an HTTPS
   * endpoint before its certificate is loaded; setSecureContext gives it the certificate then.
   */
  tls?: { cert: string | Buffer; key: string | Buffer } | 'later';
}

export function createEndpoint(opts: EndpointOptions, handler: (req: IncomingMessage, res: ServerResponse) => void): Endpoint {
  const server: Endpoint = opts.tls
    ? createHttpsServer({ ...timeoutOptions(), ...(opts.tls === 'later' ? {} : { cert: opts.tls.cert, key: opts.tls.key }) }, handler)
    : createHttpServer(timeoutOptions(), handler);
  server.maxConnections = opts.maxConnections;
  server.on('clientError', answerClientError);
  return server;
}

interface ClientErrorAnswer {
  status: number;
  type: string;
  message: string;
}

// S3 is the AWS service that names these failures; AWS KMS's front end has no recorded answer of
// its own, and an AWS client shows any `__type` with its message.
const HEADERS_TOO_LARGE: ClientErrorAnswer = {
  status: 431,
  type: 'RequestHeaderSectionTooLarge',
  message: 'Your request header section exceeds the maximum allowed size.',
};
const TIMED_OUT: ClientErrorAnswer = {
  status: 408,
  type: 'RequestTimeout',
  message: 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.',
};
const NOT_HTTP: ClientErrorAnswer = { status: 400, type: 'SerializationException', message: 'The request is not valid HTTP/1.1.' };

const answered = new WeakSet<Duplex>();

/** Node emits this for a request its parser rejects (and again for bytes that follow): answered once, then closed. */
function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  // A reset needs no answer, and an answer already under way cannot be replaced.
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return void socket.destroy();
  const answer = err.code === 'HPE_HEADER_OVERFLOW' ? HEADERS_TOO_LARGE : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? TIMED_OUT : NOT_HTTP;
  answerAndClose(socket, {
    status: answer.status,
    requestId: randomUUID(),
    type: answer.type,
    body: JSON.stringify({ __type: answer.type, message: answer.message }),
  });
}
