import { SerializationException } from './errors.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

// Decoding must be exact: an encryption context is bound to a ciphertext by its bytes, so two
// bodies that differ only in malformed text must not decode to the same value (a lenient decoder
// maps every bad byte, and JSON.parse every unpaired surrogate escape, onto look-alikes).
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** The JSON value of a request body; an empty body is an empty object. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    throw new SerializationException(`The request body nests JSON objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new SerializationException('The request body is not valid UTF-8.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SerializationException('The request body is not valid JSON.');
  }
  // Only a \u escape can make an unpaired surrogate (strict UTF-8 cannot), so most bodies skip the
  // walk; and most have no \u at all, which indexOf finds out far faster than the expression.
  if (text.includes('\\u') && SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(json)) {
    throw new SerializationException('The request body has a string with an unpaired UTF-16 surrogate escape.');
  }
  return json;
}

function hasLoneSurrogate(v: unknown): boolean {
  if (typeof v === 'string') return LONE_SURROGATE.test(v);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(hasLoneSurrogate);
  for (const [k, member] of Object.entries(v)) if (LONE_SURROGATE.test(k) || hasLoneSurrogate(member)) return true;
  return false;
}
