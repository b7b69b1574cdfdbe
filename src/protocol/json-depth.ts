// How deep a request body nests JSON objects and arrays, read from its bytes before it is parsed.
// JSON.parse itself copes with any depth, but everything that walks the parsed value afterwards
// (validation, the audit record, serialisation) would have to, too; no operation of any model
// needs more than a handful of levels, so deeper input is refused before anything sees it.

/** Deeper than every shape of every model on the endpoint (the deepest, CloudTrail's, is 6). */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * True when the JSON text opens more than `max` objects or arrays inside one another. Brackets
 * inside strings do not count. The structural characters are ASCII, and no byte of a multi-byte
 * UTF-8 sequence is, so the bytes can be read as they are. Strings (most of a body: base64
 * plaintexts) are skipped with indexOf, so the scan costs little on the path of every call.
 * Malformed text is left for JSON.parse to reject.
 */
export function nestsDeeperThan(body: Buffer, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === QUOTE) {
      i = closingQuote(body, i + 1);
      if (i === -1) return false;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** The index of the quote that ends the string starting at `from`, or -1 when it never ends. */
function closingQuote(body: Buffer, from: number): number {
  for (let at = body.indexOf(QUOTE, from); at !== -1; at = body.indexOf(QUOTE, at + 1)) {
    // Escaped when an odd number of backslashes precede it.
    let slashes = 0;
    while (body[at - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
  }
  return -1;
}
