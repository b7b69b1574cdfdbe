// The JSON text of an answer, exactly as JSON.stringify writes it, but cheaper for the answers of
// the hot operations. Their bulk is one long base64 string (a ciphertext, a plaintext), and V8's
// JSON.stringify copies a long string a character at a time through its escaping table: ~15 µs
// for Encrypt's 5.5 KB CiphertextBlob, more than the AES-GCM that made it. Finding out that a
// string needs no escaping costs as much (a regular expression scan is ~7 µs), so the strings the
// service itself encoded as base64 are remembered instead: base64 never needs escaping, and such
// a string is its own JSON between quotes.

/** How many base64 texts are remembered: more than the answers under way between encoding and writing. */
const REMEMBERED = 64;
/** Shorter strings go through JSON.stringify, which is fast enough for them. */
const LONG = 128;

const escapeFree: string[] = new Array<string>(REMEMBERED).fill('');
let next = 0;

/**
 * Notes that `text` (base64 the service made) needs no escaping, and returns it. A string that is
 * not found again when its answer is written (many answers later) costs JSON.stringify, nothing else.
 */
export function noEscapes(text: string): string {
  if (text.length >= LONG) {
    escapeFree[next] = text;
    next = (next + 1) % REMEMBERED;
  }
  return text;
}

/** An answer's JSON text, and whether it is all ASCII (then its bytes are its characters). */
export interface AnswerText {
  text: string;
  ascii: boolean;
}

/**
 * JSON.stringify(value), for the plain data an operation answers with, and whether the text is all
 * ASCII: then its bytes are its characters, and the answer is written without counting and
 * encoding them as UTF-8 (a scan of the whole text each, the base64 included). Only the short
 * pieces are looked at: the long base64 strings are ASCII by what they are.
 */
export function answerText(value: unknown): AnswerText {
  const out = { ascii: true };
  return { text: write(value, out) ?? 'null', ascii: out.ascii };
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Short text as it goes into the answer, noting whether it leaves ASCII. */
function piece(text: string, out: { ascii: boolean }): string {
  if (out.ascii && NON_ASCII.test(text)) out.ascii = false;
  return text;
}

/** The text of one value, or undefined where JSON.stringify leaves the member out (undefined, functions, symbols). */
function write(value: unknown, out: { ascii: boolean }): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.length >= LONG && remembered(value) ? `"${value}"` : piece(JSON.stringify(value), out);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let text = '[';
        for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + (write(value[i], out) ?? 'null');
        return text + ']';
      }
      const proto = Object.getPrototypeOf(value);
      // Anything but a plain object (a Date, a Buffer, an object with toJSON) is JSON.stringify's business.
      if ((proto !== Object.prototype && proto !== null) || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        const text = JSON.stringify(value);
        return text === undefined ? undefined : piece(text, out);
      }
      let text = '{';
      for (const key of Object.keys(value)) {
        const member = write((value as Record<string, unknown>)[key], out);
        if (member === undefined) continue;
        text += (text.length === 1 ? '' : ',') + piece(JSON.stringify(key), out) + ':' + member;
      }
      return text + '}';
    }
    default:
      // Numbers, booleans: ASCII; undefined, functions and symbols: no text.
      return JSON.stringify(value);
  }
}

/**
 * Newest first: the answer being written usually holds the string noted last or nearly last, and
 * that very string compares equal at once (by identity); an equal-length other one compares up to
 * the first character that differs.
 */
function remembered(text: string): boolean {
  for (let k = 1, i = next; k <= REMEMBERED; k++) {
    i = i === 0 ? REMEMBERED - 1 : i - 1;
    if (escapeFree[i] === text) return true;
  }
  return false;
}
