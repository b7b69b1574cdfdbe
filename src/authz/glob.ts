/**
 * Wildcard patterns as AWS policies write them: `*` matches any run of characters (also none),
 * `?` exactly one. Policy text is untrusted, so matching never backtracks: a pattern is split at
 * its stars into pieces, the first piece must start the subject, the last must end it, and each
 * piece between them is found at its leftmost place after the previous one (the leftmost place is
 * always a safe choice, so no other is tried). Literal pieces are found with Knuth–Morris–Pratt,
 * so `*a*a*…*b` against a long run of `a` costs time proportional to the subject, not its square;
 * pieces with `?` are found with the bit-parallel Shift-And, in subject length × piece length / 32
 * word operations at worst.
 */

/** One run of pattern characters between stars; `anyAt[i]` marks a `?` at position i. */
interface Piece {
  readonly text: string;
  readonly anyAt: readonly boolean[] | null;
  /** KMP failure table, for pieces without `?`. */
  readonly failure: Int32Array | null;
  /** Shift-And tables, for pieces with `?`. */
  readonly bits: ShiftAnd | null;
}

/**
 * Bit masks of a piece's positions: `any` for the `?` places, and for each character the places
 * that hold it, kept whole for characters frequent enough to need it and as a position list
 * otherwise, so that the tables stay within 32 whole masks whatever the piece holds.
 */
interface ShiftAnd {
  readonly words: number;
  readonly any: Uint32Array;
  readonly dense: ReadonlyMap<number, Uint32Array>;
  readonly sparse: ReadonlyMap<number, readonly number[]>;
}

export interface Glob {
  readonly caseInsensitive: boolean;
  /** The pattern had no `*`: the subject must match `pieces[0]` whole. */
  readonly exact: boolean;
  readonly pieces: readonly Piece[];
  readonly minLength: number;
}

/** A pattern as a sequence: text to match literally, `*`, or `?`. Policy variables resolve to text. */
export type PatternPart = { readonly text: string } | '*' | '?';

/** Splits policy text into pattern parts: every `*` and `?` is a wildcard. */
export function partsOfText(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let run = '';
  for (const ch of pattern) {
    if (ch === '*' || ch === '?') {
      if (run) parts.push({ text: run });
      run = '';
      parts.push(ch);
    } else run += ch;
  }
  if (run) parts.push({ text: run });
  return parts;
}

export function compileGlob(parts: readonly PatternPart[], caseInsensitive = false): Glob {
  const pieces: Piece[] = [];
  let text = '';
  let anyAt: boolean[] = [];
  let hasAny = false;
  let stars = 0;
  const flush = () => {
    pieces.push(makePiece(text, hasAny ? anyAt : null));
    text = '';
    anyAt = [];
    hasAny = false;
  };
  for (const part of parts) {
    if (part === '*') {
      stars++;
      flush();
    } else if (part === '?') {
      text += '?';
      anyAt.push(true);
      hasAny = true;
    } else {
      const t = caseInsensitive ? part.text.toLowerCase() : part.text;
      text += t;
      for (let i = 0; i < t.length; i++) anyAt.push(false);
    }
  }
  flush();
  const minLength = pieces.reduce((n, p) => n + p.text.length, 0);
  return { caseInsensitive, exact: stars === 0, pieces, minLength };
}

/** Compiles policy text where `*` and `?` are wildcards. */
export function globOf(pattern: string, caseInsensitive = false): Glob {
  return compileGlob(partsOfText(pattern), caseInsensitive);
}

export function globMatches(glob: Glob, subject: string): boolean {
  const s = glob.caseInsensitive ? subject.toLowerCase() : subject;
  const { pieces } = glob;
  if (s.length < glob.minLength) return false;
  const first = pieces[0]!;
  if (glob.exact) return s.length === first.text.length && pieceAt(first, s, 0);
  if (!pieceAt(first, s, 0)) return false;
  const last = pieces[pieces.length - 1]!;
  const end = s.length - last.text.length;
  if (!pieceAt(last, s, end)) return false;
  let pos = first.text.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const at = find(piece, s, pos, end);
    if (at < 0) return false;
    pos = at + piece.text.length;
  }
  return pos <= end;
}

function makePiece(text: string, anyAt: boolean[] | null): Piece {
  return { text, anyAt, failure: anyAt ? null : failureTable(text), bits: anyAt ? shiftAndTables(text, anyAt) : null };
}

function shiftAndTables(text: string, anyAt: boolean[]): ShiftAnd {
  const words = Math.ceil(text.length / 32);
  const any = new Uint32Array(words);
  const positions = new Map<number, number[]>();
  for (let i = 0; i < text.length; i++) {
    if (anyAt[i]) any[i >> 5]! |= 1 << (i & 31);
    else {
      const c = text.charCodeAt(i);
      let list = positions.get(c);
      if (!list) positions.set(c, (list = []));
      list.push(i);
    }
  }
  const dense = new Map<number, Uint32Array>();
  const sparse = new Map<number, readonly number[]>();
  for (const [c, list] of positions) {
    if (list.length < words) {
      sparse.set(c, list);
      continue;
    }
    const mask = new Uint32Array(words);
    for (const i of list) mask[i >> 5]! |= 1 << (i & 31);
    dense.set(c, mask);
  }
  return { words, any, dense, sparse };
}

function pieceAt(piece: Piece, s: string, at: number): boolean {
  const { text, anyAt } = piece;
  if (at < 0 || at + text.length > s.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (anyAt && anyAt[i]) continue;
    if (s.charCodeAt(at + i) !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** Leftmost start of `piece` inside s[from, to + piece length), or -1. */
function find(piece: Piece, s: string, from: number, to: number): number {
  const n = piece.text.length;
  if (n === 0) return from <= to ? from : -1;
  if (piece.failure) return kmpFind(piece.text, piece.failure, s, from, to + n);
  return shiftAndFind(n, piece.bits!, s, from, to + n);
}

/** Leftmost start of a piece with `?` that ends before `end`: state bit i is set when the piece's first i + 1 places match. */
function shiftAndFind(n: number, t: ShiftAnd, s: string, from: number, end: number): number {
  const { words, any } = t;
  let state = new Uint32Array(words);
  let next = new Uint32Array(words);
  const last = n - 1;
  for (let i = from; i < end; i++) {
    let carry = 1;
    for (let w = 0; w < words; w++) {
      const v = state[w]!;
      next[w] = (v << 1) | carry;
      carry = v >>> 31;
    }
    const c = s.charCodeAt(i);
    const dense = t.dense.get(c);
    if (dense) {
      for (let w = 0; w < words; w++) next[w] = next[w]! & (any[w]! | dense[w]!);
    } else {
      const hits = t.sparse.get(c);
      const kept = hits ? hits.filter((p) => (next[p >> 5]! >>> (p & 31)) & 1) : [];
      for (let w = 0; w < words; w++) next[w] = next[w]! & any[w]!;
      for (const p of kept) next[p >> 5]! |= 1 << (p & 31);
    }
    if ((next[last >> 5]! >>> (last & 31)) & 1) return i - last;
    const done = state;
    state = next;
    next = done;
  }
  return -1;
}

function failureTable(p: string): Int32Array {
  const f = new Int32Array(p.length);
  let k = 0;
  for (let i = 1; i < p.length; i++) {
    while (k > 0 && p.charCodeAt(i) !== p.charCodeAt(k)) k = f[k - 1]!;
    if (p.charCodeAt(i) === p.charCodeAt(k)) k++;
    f[i] = k;
  }
  return f;
}

function kmpFind(p: string, f: Int32Array, s: string, from: number, end: number): number {
  let k = 0;
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i);
    while (k > 0 && c !== p.charCodeAt(k)) k = f[k - 1]!;
    if (c === p.charCodeAt(k)) k++;
    if (k === p.length) return i - p.length + 1;
  }
  return -1;
}
