import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { AwsError } from '../src/core/aws-error.js';
import { InvalidCiphertextException } from '../src/kms/errors.js';
import { SerializationException, UnknownOperationException } from '../src/protocol/errors.js';
import { verifySigV4 } from '../src/protocol/sigv4.js';
import { listenOnLoopback } from './listen.js';

// The floor: the least any server must do to answer Encrypt, Decrypt and GenerateDataKey as AWS
// KMS does, with nothing else. It verifies the caller's SigV4 signature (Keywarden's own
// verification), parses the JSON body, decodes and encodes the base64 members, and seals or opens
// with AES-256-GCM under one key held in memory; it has no key records, no authorization, no
// validation against the model, no audit trail, no request log and no metrics. Beside the ceiling
// (bare-server.ts, which only reads the body and answers a fixed text) it shows what the work
// itself costs; beside Keywarden, what Keywarden's own guarantees cost on top of it.
//
// Its ciphertexts are its own (a 12-byte IV, the ciphertext, a 16-byte tag, behind a 100-byte
// header standing in for the key's reference, so that they are as long as Keywarden's): Decrypt
// opens only what its Encrypt made. Run as its own process: node dist/bench/floor-server.js.

const KEY = randomBytes(32);
const KEY_ID = `arn:aws:kms:us-east-1:000000000000:key/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`;
const HEADER = Buffer.alloc(100, 7);
const SECRETS = (id: string) => (id === 'test' ? { secretAccessKey: 'test' } : undefined);
const MAX_BODY = 2 * 1024 * 1024;

function seal(plaintext: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', KEY, iv);
  cipher.setAAD(HEADER);
  const body = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([HEADER, iv, body, cipher.getAuthTag()]).toString('base64');
}

function open(blob: Buffer): Buffer {
  if (blob.length < HEADER.length + 28) throw new InvalidCiphertextException('The ciphertext is too short.');
  const iv = blob.subarray(HEADER.length, HEADER.length + 12);
  const decipher = createDecipheriv('aes-256-gcm', KEY, iv);
  decipher.setAAD(blob.subarray(0, HEADER.length));
  decipher.setAuthTag(blob.subarray(blob.length - 16));
  try {
    const plaintext = decipher.update(blob.subarray(HEADER.length + 12, blob.length - 16));
    decipher.final();
    return plaintext;
  } catch {
    throw new InvalidCiphertextException('The ciphertext does not open under the floor\'s key.');
  }
}

/** The answer's JSON text, put together around the base64 (which never needs escaping): all ASCII. */
function answer(operation: string, input: Record<string, unknown>): string {
  switch (operation) {
    case 'Encrypt':
      return `{"CiphertextBlob":"${seal(Buffer.from(String(input.Plaintext), 'base64'))}","KeyId":"${KEY_ID}","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}`;
    case 'Decrypt':
      return `{"KeyId":"${KEY_ID}","Plaintext":"${open(Buffer.from(String(input.CiphertextBlob), 'base64')).toString('base64')}","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"}`;
    case 'GenerateDataKey': {
      const dataKey = randomBytes(32);
      return `{"CiphertextBlob":"${seal(dataKey)}","Plaintext":"${dataKey.toString('base64')}","KeyId":"${KEY_ID}"}`;
    }
    default:
      throw new UnknownOperationException(`Operation ${operation} is not the floor's.`);
  }
}

function parse(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new SerializationException('The request body is not JSON.');
  }
}

function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  try {
    verifySigV4({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders, body }, SECRETS, Date.now());
    const target = String(req.headers['x-amz-target'] ?? '');
    const text = answer(target.slice(target.lastIndexOf('.') + 1), parse(body));
    res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': text.length }).end(text, 'latin1');
  } catch (err) {
    // Every failure the floor knows is one of Keywarden's AWS errors; anything else is a bug of its own.
    if (!(err instanceof AwsError)) throw err;
    const text = JSON.stringify({ __type: err.type, message: err.message });
    res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text) }).end(text);
  }
}

// Same keep-alive timeout as Keywarden and the ceiling.
const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on('end', () => {
    if (req.method !== 'POST' || size > MAX_BODY) return void res.writeHead(size > MAX_BODY ? 413 : 405).end();
    handle(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  });
});

listenOnLoopback(server, 'floor server');
