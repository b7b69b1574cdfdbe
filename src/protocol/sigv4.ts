import { createHmac, createSecretKey, hash, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from './errors.js';
import { isKnownRegion } from './regions.js';

// AWS Signature Version 4 verification, for both the Authorization-header form that SDKs
// send and the presigned query-string form. Error types and messages follow what AWS
// endpoints answer, because SDKs and users key their handling off them.

export interface SignedRequest {
  method: string;
  /** Raw request-target including the query, e.g. '/' or '/?X-Amz-Algorithm=...'. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The headers as received, names and values alternating: shows a header sent twice, which `headers` hides. */
  rawHeaders?: readonly string[];
  body: Buffer;
}

export interface SigV4Identity {
  accessKeyId: string;
  region: string;
  service: string;
  /** The request's X-Amz-Date, in milliseconds. */
  signedAt: number;
}

/** What the service knows of an access key: its secret, and the session token it was issued with, if any. */
export interface SigningCredential {
  secretAccessKey: string;
  sessionToken?: string;
}

export type SecretLookup = (accessKeyId: string) => SigningCredential | undefined;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const TERMINATOR = 'aws4_request';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
// AWS KMS accepts a signature up to 5 minutes either side of its clock: its "Signature expired"
// errors read "(… - 5 min.)". Some other AWS services allow 15.
const MAX_SKEW_MS = 5 * 60_000;
const MAX_EXPIRES_SECONDS = 604_800;
const INVALID_TOKEN = 'The security token included in the request is invalid.';
/**
 * Headers that say who signs and when: sent twice, a proxy and the service could each read a
 * different one (the HTTP parser keeps the first Authorization and joins two X-Amz-Dates).
 */
const SINGLE_HEADERS = ['authorization', 'host', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

// Compiled once: this module runs on every request.
const AUTH_PARAM_SEPARATORS = /[\s,]+/;
const NOT_ENCODED_BY_ENCODE_URI_COMPONENT = /[!'()*]/g;
const HEADER_SPACE_RUNS = /[ \t]+/g;

type QueryParam = readonly [name: string, value: string];
const NO_PARAMS: readonly QueryParam[] = [];

interface Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  /** date/region/service/aws4_request */
  scope: string;
}

/** What either form of authentication tells us, before any cryptography. */
interface Claim {
  credential: Credential;
  signedHeaders: string;
  signedHeaderNames: string[];
  signature: string;
  amzDate: string;
  signedAt: number;
  /** Only presigned requests carry a lifetime; the rest get the clock-skew allowance. */
  expiresSeconds: number | undefined;
  presigned: boolean;
}

/** Throws one of the protocol errors; returns the verified scope. nowMs is the REAL wall clock. */
export function verifySigV4(req: SignedRequest, secretOf: SecretLookup, nowMs: number): SigV4Identity {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const params = q < 0 ? NO_PARAMS : parseQuery(req.url.slice(q + 1));
  const authorization = req.headers.authorization;
  const algorithmParam = findParam(params, 'X-Amz-Algorithm');
  if (req.rawHeaders) checkSingleHeaders(req.rawHeaders);

  let claim: Claim;
  if (authorization) {
    // Two mechanisms at once would leave it ambiguous which one the caller meant to be bound by.
    if (algorithmParam !== undefined) {
      throw new IncompleteSignatureException(
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.',
      );
    }
    claim = claimFromHeader(authorization, req.headers);
  } else if (algorithmParam !== undefined) {
    claim = claimFromQuery(algorithmParam, params);
  } else {
    throw new MissingAuthenticationTokenException('Missing Authentication Token');
  }

  checkTime(claim, nowMs);

  const { credential } = claim;
  if (!isKnownRegion(credential.region)) {
    // AWS's wording, trailing space included.
    throw new InvalidSignatureException(`Credential should be scoped to a valid region, not '${credential.region}'. `);
  }
  const known = secretOf(credential.accessKeyId);
  if (known === undefined) throw new UnrecognizedClientException(INVALID_TOKEN);
  // A token the service did not issue with this key (or any token, for a key issued without one)
  // is refused as AWS refuses a token it cannot recognise; so is a missing one.
  const token = claim.presigned ? findParam(params, 'X-Amz-Security-Token') : headerValue(req.headers, 'x-amz-security-token');
  if (!sameToken(token, known.sessionToken)) throw new UnrecognizedClientException(INVALID_TOKEN);
  const secret = known.secretAccessKey;

  const canonicalWithoutPayload =
    `${req.method}\n${canonicalUri(path)}\n${canonicalQuery(params, claim.presigned)}\n` +
    `${canonicalHeaders(req.headers, claim.signedHeaderNames)}\n${claim.signedHeaders}\n`;
  const key = signingKey(secret, credential);
  const provided = Buffer.from(claim.signature);

  for (const payloadHash of payloadHashes(req, claim.presigned)) {
    const stringToSign = `${ALGORITHM}\n${claim.amzDate}\n${credential.scope}\n${sha256Hex(canonicalWithoutPayload + payloadHash)}`;
    const expected = Buffer.from(createHmac('sha256', key).update(stringToSign).digest('hex'));
    if (expected.length === provided.length && timingSafeEqual(expected, provided)) {
      return {
        accessKeyId: credential.accessKeyId,
        region: credential.region,
        service: credential.service,
        signedAt: claim.signedAt,
      };
    }
  }
  throw new InvalidSignatureException(SIGNATURE_MISMATCH);
}

// ---------------------------------------------------------------------------------------------
// Reading the claim

function claimFromHeader(authorization: string, headers: IncomingHttpHeaders): Claim {
  // Clients differ in whether they separate parameters with ', ', ',' or ' '.
  const tokens = authorization.trim().split(AUTH_PARAM_SEPARATORS);
  const algorithm = tokens[0] ?? '';
  if (algorithm !== ALGORITHM) {
    throw new IncompleteSignatureException(`Unsupported AWS 'algorithm': '${algorithm}'. Authorization=${authorization}`);
  }
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i]!;
    const eq = token.indexOf('=');
    if (eq <= 0 || eq === token.length - 1) continue;
    const value = token.slice(eq + 1);
    switch (token.slice(0, eq)) {
      case 'Credential': credential ??= value; break;
      case 'SignedHeaders': signedHeaders ??= value; break;
      case 'Signature': signature ??= value; break;
    }
  }

  const amzDateHeader = headerValue(headers, 'x-amz-date');
  const dateHeader = amzDateHeader === undefined ? headerValue(headers, 'date') : undefined;

  // AWS reports every missing piece at once, followed by the header as received.
  let missing = '';
  if (credential === undefined) missing += "Authorization header requires 'Credential' parameter. ";
  if (signature === undefined) missing += "Authorization header requires 'Signature' parameter. ";
  if (signedHeaders === undefined) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (amzDateHeader === undefined && dateHeader === undefined) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (missing !== '') throw new IncompleteSignatureException(`${missing}Authorization=${authorization}`);

  let amzDate: string;
  let signedAt: number;
  if (amzDateHeader !== undefined) {
    amzDate = amzDateHeader;
    signedAt = parseAmzDate(amzDate);
  } else {
    // The string to sign always carries the ISO 8601 basic form, even when the client sent Date.
    signedAt = Date.parse(dateHeader!);
    if (Number.isNaN(signedAt)) throw new IncompleteSignatureException(`Invalid 'Date' header: '${dateHeader}'.`);
    signedAt -= signedAt % 1000;
    amzDate = formatAmzDate(signedAt);
  }
  return finishClaim(credential!, signedHeaders!, signature!, amzDate, signedAt, undefined, false);
}

function claimFromQuery(algorithm: string, params: readonly QueryParam[]): Claim {
  if (algorithm !== ALGORITHM) {
    throw new IncompleteSignatureException(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  }
  const credential = findParam(params, 'X-Amz-Credential');
  const signature = findParam(params, 'X-Amz-Signature');
  const signedHeaders = findParam(params, 'X-Amz-SignedHeaders');
  const amzDate = findParam(params, 'X-Amz-Date');
  const expires = findParam(params, 'X-Amz-Expires');

  let missing = '';
  if (!credential) missing += "AWS query-string parameters must include 'X-Amz-Credential'. ";
  if (!signature) missing += "AWS query-string parameters must include 'X-Amz-Signature'. ";
  if (!signedHeaders) missing += "AWS query-string parameters must include 'X-Amz-SignedHeaders'. ";
  if (!amzDate) missing += "AWS query-string parameters must include 'X-Amz-Date'. ";
  if (missing !== '') throw new IncompleteSignatureException(`${missing}Re-examine the query-string parameters.`);

  let expiresSeconds: number | undefined;
  if (expires !== undefined) {
    if (!isDigits(expires)) throw new IncompleteSignatureException('X-Amz-Expires should be a number');
    expiresSeconds = Number(expires);
    if (expiresSeconds > MAX_EXPIRES_SECONDS) {
      throw new IncompleteSignatureException(
        `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES_SECONDS}`,
      );
    }
  }
  return finishClaim(credential!, signedHeaders!, signature!, amzDate!, parseAmzDate(amzDate!), expiresSeconds, true);
}

/** The checks both forms share. */
function finishClaim(
  credentialText: string,
  signedHeaders: string,
  signature: string,
  amzDate: string,
  signedAt: number,
  expiresSeconds: number | undefined,
  presigned: boolean,
): Claim {
  const credential = parseCredential(credentialText);
  if (credential.date !== amzDate.slice(0, 8)) {
    throw new IncompleteSignatureException(
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
        `'${credential.date}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  // Without a signed host a signature could be replayed against any endpoint sharing the key.
  const signedHeaderNames = signedHeaders.split(';');
  if (!signedHeaderNames.includes('host')) {
    throw new IncompleteSignatureException("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return { credential, signedHeaders, signedHeaderNames, signature, amzDate, signedAt, expiresSeconds, presigned };
}

function parseCredential(text: string): Credential {
  const parts = text.split('/');
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    throw new IncompleteSignatureException(
      `Credential should be of the form '<access key>/<YYYYMMDD>/<region>/<service>/${TERMINATOR}', not '${text}'.`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (terminator !== TERMINATOR) {
    throw new IncompleteSignatureException(
      `Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${terminator}'.`,
    );
  }
  return { accessKeyId, date, region, service, scope: `${date}/${region}/${service}/${TERMINATOR}` };
}

function checkTime(claim: Claim, nowMs: number): void {
  // X-Amz-Date has whole seconds; comparing whole seconds keeps the message's numbers consistent.
  const now = nowMs - (nowMs % 1000);
  if (claim.signedAt - now > MAX_SKEW_MS) {
    throw new InvalidSignatureException(
      `Signature not yet current: ${claim.amzDate} is still later than ${formatAmzDate(now + MAX_SKEW_MS)} ` +
        `(${formatAmzDate(now)} + ${span(MAX_SKEW_MS)})`,
    );
  }
  const lifetimeMs = claim.expiresSeconds === undefined ? MAX_SKEW_MS : claim.expiresSeconds * 1000;
  if (now - claim.signedAt > lifetimeMs) {
    throw new InvalidSignatureException(
      `Signature expired: ${claim.amzDate} is now earlier than ${formatAmzDate(now - lifetimeMs)} ` +
        `(${formatAmzDate(now)} - ${span(lifetimeMs)})`,
    );
  }
}

const span = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min.` : `${ms / 1000} sec.`);

function checkSingleHeaders(raw: readonly string[]): void {
  for (const name of SINGLE_HEADERS) {
    let seen = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i]!;
      if (n.length === name.length && n.toLowerCase() === name && ++seen > 1) {
        throw new IncompleteSignatureException(`The request has more than one '${n}' header; send it once.`);
      }
    }
  }
}

/** Compares in constant time, as a token is a secret too. */
function sameToken(sent: string | undefined, issued: string | undefined): boolean {
  if (sent === undefined || issued === undefined) return sent === issued;
  return timingSafeEqual(hash('sha256', sent, 'buffer'), hash('sha256', issued, 'buffer'));
}

// ---------------------------------------------------------------------------------------------
// Canonical request

function canonicalUri(path: string): string {
  if (path === '/' || path === '') return '/';
  // Services other than S3 sign the normalised path with each segment encoded once more.
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  if (segments.length === 0) return '/';
  return `/${segments.join('/')}${path.endsWith('/') ? '/' : ''}`;
}

function canonicalQuery(params: readonly QueryParam[], presigned: boolean): string {
  if (params.length === 0) return '';
  const encoded: [string, string][] = [];
  for (const [name, value] of params) {
    // A presigned request cannot have signed its own signature.
    if (presigned && name === 'X-Amz-Signature') continue;
    encoded.push([uriEncode(name), uriEncode(value)]);
  }
  // Sort by name, then value; sorting the joined 'name=value' would misorder 'a' and 'a-b'.
  encoded.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  let out = '';
  for (const [name, value] of encoded) out += (out === '' ? '' : '&') + name + '=' + value;
  return out;
}

function canonicalHeaders(headers: IncomingHttpHeaders, names: readonly string[]): string {
  let out = '';
  for (const name of names) {
    const value = Object.hasOwn(headers, name) ? headers[name] : undefined;
    const text =
      value === undefined ? '' : typeof value === 'string' ? normalizeSpace(value) : value.map(normalizeSpace).join(',');
    out += `${name}:${text}\n`;
  }
  return out;
}

function normalizeSpace(value: string): string {
  const trimmed = value.trim();
  return trimmed.includes('  ') || trimmed.includes('\t') ? trimmed.replace(HEADER_SPACE_RUNS, ' ') : trimmed;
}

/** The payload hashes the client may have signed with, most likely first. */
function payloadHashes(req: SignedRequest, presigned: boolean): readonly string[] {
  const declared = headerValue(req.headers, 'x-amz-content-sha256');
  if (declared === UNSIGNED_PAYLOAD) {
    // Only a presigned URL may leave the body unsigned; a KMS request's body is what it asks for.
    if (presigned) return [UNSIGNED_PAYLOAD];
    throw new InvalidSignatureException('UNSIGNED-PAYLOAD is not accepted for this service; sign the request body.');
  }
  const actual = sha256Hex(req.body);
  // The declared hash stands in for the body in the signature, so it must be the body's.
  if (declared !== undefined && declared !== actual) {
    throw new InvalidSignatureException("The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  // A presigned URL is signed before anyone knows the body, so it may have left it unsigned.
  return presigned && declared === undefined ? [actual, UNSIGNED_PAYLOAD] : [actual];
}

// ---------------------------------------------------------------------------------------------
// Keys and encodings

const SIGNING_KEY_CACHE_LIMIT = 256;
const signingKeys = new Map<string, KeyObject>();

/**
 * The derived key only changes daily per scope, so the four HMACs are worth caching; kept as a
 * KeyObject, which createHmac takes without importing the key bytes again on every request.
 */
function signingKey(secret: string, credential: Credential): KeyObject {
  // The scope parts cannot contain '/', so putting the secret last makes the id unambiguous.
  const id = `${credential.scope}/${secret}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    const kDate = createHmac('sha256', `AWS4${secret}`).update(credential.date).digest();
    const kRegion = createHmac('sha256', kDate).update(credential.region).digest();
    const kService = createHmac('sha256', kRegion).update(credential.service).digest();
    key = createSecretKey(createHmac('sha256', kService).update(TERMINATOR).digest());
    if (signingKeys.size >= SIGNING_KEY_CACHE_LIMIT) signingKeys.delete(signingKeys.keys().next().value!);
    signingKeys.set(id, key);
  }
  return key;
}

// The one-shot form skips creating a Hash object: measurably cheaper on the per-request path.
function sha256Hex(data: string | Buffer): string {
  return hash('sha256', data, 'hex');
}

/** RFC 3986: everything but unreserved characters is percent-encoded. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(NOT_ENCODED_BY_ENCODE_URI_COMPONENT, percentEncode);
}

function percentEncode(ch: string): string {
  return `%${ch.charCodeAt(0).toString(16).toUpperCase()}`;
}

function parseQuery(query: string): QueryParam[] {
  const params: QueryParam[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    params.push(eq < 0 ? [uriDecode(part), ''] : [uriDecode(part.slice(0, eq)), uriDecode(part.slice(eq + 1))]);
  }
  return params;
}

function uriDecode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // Left as sent: re-encoding it cannot reproduce what the client signed, so the check fails.
    return text;
  }
}

function findParam(params: readonly QueryParam[], name: string): string | undefined {
  for (const [n, v] of params) if (n === name) return v;
  return undefined;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return value === undefined || typeof value === 'string' ? value : value.join(',');
}

// The last X-Amz-Date parsed: a client's calls within one second all carry the same one.
let lastAmzDate = '';
let lastAmzDateMs = 0;

/** Parses 'YYYYMMDDTHHMMSSZ'; the round trip rejects anything Date.UTC would silently roll over. */
function parseAmzDate(text: string): number {
  if (text === lastAmzDate) return lastAmzDateMs;
  if (text.length === 16 && text[8] === 'T' && text[15] === 'Z' && isDigits(text.slice(0, 8)) && isDigits(text.slice(9, 15))) {
    const ms = Date.UTC(
      Number(text.slice(0, 4)),
      Number(text.slice(4, 6)) - 1,
      Number(text.slice(6, 8)),
      Number(text.slice(9, 11)),
      Number(text.slice(11, 13)),
      Number(text.slice(13, 15)),
    );
    if (formatAmzDate(ms) === text) {
      lastAmzDate = text;
      lastAmzDateMs = ms;
      return ms;
    }
  }
  throw new IncompleteSignatureException(
    `Date must be in ISO-8601 'basic format'. Got '${text}'. See http://en.wikipedia.org/wiki/ISO_8601`,
  );
}

function formatAmzDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

function isDigits(text: string): boolean {
  if (text === '') return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
