// Hostile request bodies for one operation, generated from its input shape in a service model:
// each member given the wrong type, lengths and numbers past their bounds, invalid base64, invalid
// UTF-8, nulls, unknown members, deep nesting, huge arrays and maps; and bodies that are not a
// JSON object at all. Everything comes from a seeded Prng, so a seed replays the same requests.
import { Prng } from './prng.js';

/** The part of a service model (src/protocol/models/*.json) the generator reads. */
export interface ShapeSpec {
  readonly type: string;
  readonly required?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  readonly enum?: readonly string[];
  readonly member?: { readonly shape: string };
  readonly key?: { readonly shape: string };
  readonly value?: { readonly shape: string };
  readonly members?: Readonly<Record<string, { readonly shape: string }>>;
  /** A value the service accepts (an existing key's ARN, a real Availability Zone), for members the case leaves alone. */
  readonly example?: unknown;
}

export interface ModelSpec {
  readonly operations: Readonly<Record<string, { readonly input?: string | null }>>;
  readonly shapes: Readonly<Record<string, ShapeSpec>>;
}

/** One request to send: what it is, and a builder so that megabyte bodies exist only while sent. */
export interface HostileCase {
  /** The class of hostility, e.g. `wrong-type`, `over-max`, `body:deep-nesting`. */
  readonly kind: string;
  /** The member it targets (`Tags[0].TagKey`), or `(body)`. */
  readonly path: string;
  /** Roughly how large the body is, so a run can cap its megabytes. */
  readonly huge: boolean;
  /** A short description of the value, for failure reports. */
  readonly detail: string;
  body(): Buffer;
}

/** Bytes written into the body as they are: what JSON.stringify cannot produce. */
class Raw {
  constructor(readonly bytes: Buffer) {}
}

type Value = null | boolean | number | string | Raw | Value[] | { [k: string]: Value };

type Step = { member: string } | { index: number } | { mapKey: string };

interface MemberPath {
  steps: Step[];
  shape: ShapeSpec;
  label: string;
}

const MB = 1 << 20;
/** How deep a nested value goes: a few thousand levels, as a parser or a recursive walk meets them. */
const DEEP_LEVELS = [2_000, 5_000, 10_000];
const HUGE_ARRAY = 100_000;
const MANY_KEYS = 10_000;
/** Member paths are followed this deep into nested structures, lists and maps. */
const PATH_DEPTH = 3;

const raw = (text: string | Buffer) => new Raw(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);

/** `"` + the bytes + `"`: a JSON string whose bytes are not UTF-8. */
const invalidUtf8 = () => new Raw(Buffer.concat([Buffer.from('"ab'), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xf8]), Buffer.from('cd"')]));

function deepArray(levels: number): Raw {
  return raw('['.repeat(levels) + ']'.repeat(levels));
}

function deepObject(levels: number): Raw {
  return raw('{"a":'.repeat(levels) + '{}' + '}'.repeat(levels));
}

/** The JSON text of a value, with Raw parts written verbatim. */
export function encode(value: Value): Buffer {
  const parts: Buffer[] = [];
  const write = (v: Value): void => {
    if (v instanceof Raw) parts.push(v.bytes);
    else if (Array.isArray(v)) {
      parts.push(Buffer.from('['));
      v.forEach((item, i) => {
        if (i > 0) parts.push(Buffer.from(','));
        write(item);
      });
      parts.push(Buffer.from(']'));
    } else if (v !== null && typeof v === 'object') {
      parts.push(Buffer.from('{'));
      Object.entries(v).forEach(([k, item], i) => {
        parts.push(Buffer.from(`${i > 0 ? ',' : ''}${JSON.stringify(k)}:`));
        write(item);
      });
      parts.push(Buffer.from('}'));
    } else parts.push(Buffer.from(JSON.stringify(v)));
  };
  write(value);
  return Buffer.concat(parts);
}

/**
 * The model with examples for some of its shapes, so that the members a case leaves alone name
 * things that exist and the handler behind the validation runs too.
 */
export function withExamples(model: ModelSpec, examples: Readonly<Record<string, unknown>>): ModelSpec {
  const shapes: Record<string, ShapeSpec> = { ...model.shapes };
  for (const [name, example] of Object.entries(examples)) shapes[name] = { ...shapes[name]!, example };
  return { ...model, shapes };
}

/** An object's JSON text with one more member, written as given (`__proto__` cannot be a key of a literal). */
function withMember(object: Buffer, name: string, json: string): Buffer {
  const open = object.subarray(0, object.length - 1);
  return Buffer.concat([open, Buffer.from(`${open.length > 1 ? ',' : ''}${JSON.stringify(name)}:${json}}`)]);
}

/** A value the shape's constraints would accept, as far as length, range and type go. */
function plausible(model: ModelSpec, shape: ShapeSpec, depth: number, prng: Prng): Value {
  if (shape.example !== undefined) return shape.example as Value;
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, Value> = {};
      if (depth > 4) return out;
      const required = new Set(shape.required ?? []);
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        if (required.has(name) || (depth < 2 && prng.chance(0.3))) out[name] = plausible(model, model.shapes[ref.shape]!, depth + 1, prng);
      }
      return out;
    }
    case 'list': {
      if (depth > 4) return [];
      const n = Math.min(Math.max(shape.min ?? 1, 1), 3);
      return Array.from({ length: n }, () => plausible(model, model.shapes[shape.member!.shape]!, depth + 1, prng));
    }
    case 'map':
      return depth > 4 ? {} : { Purpose: plausible(model, model.shapes[shape.value!.shape]!, depth + 1, prng) };
    case 'string':
      if (shape.enum) return shape.enum[0]!;
      return 'k'.repeat(Math.min(Math.max(shape.min ?? 1, 1), shape.max ?? 8, 64));
    case 'integer':
    case 'long': {
      const lo = shape.min ?? 1;
      return shape.max !== undefined && shape.max < lo ? shape.max : lo;
    }
    case 'float':
    case 'double':
      return 1.5;
    case 'boolean':
      return true;
    case 'blob':
      return Buffer.alloc(Math.max(shape.min ?? 1, 1), 7).toString('base64');
    case 'timestamp':
      return Math.floor(Date.now() / 1000);
    default:
      return null;
  }
}

/** Every member reachable from the input structure, a few levels down. */
function memberPaths(model: ModelSpec, input: ShapeSpec): MemberPath[] {
  const out: MemberPath[] = [];
  const walk = (shape: ShapeSpec, steps: Step[], label: string, depth: number) => {
    if (depth >= PATH_DEPTH) return;
    if (shape.type === 'structure') {
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const target = model.shapes[ref.shape]!;
        const next = [...steps, { member: name }];
        const nextLabel = label === '' ? name : `${label}.${name}`;
        out.push({ steps: next, shape: target, label: nextLabel });
        walk(target, next, nextLabel, depth + 1);
      }
    } else if (shape.type === 'list') {
      const target = model.shapes[shape.member!.shape]!;
      const next = [...steps, { index: 0 }];
      out.push({ steps: next, shape: target, label: `${label}[0]` });
      walk(target, next, `${label}[0]`, depth + 1);
    } else if (shape.type === 'map') {
      const target = model.shapes[shape.value!.shape]!;
      const next = [...steps, { mapKey: 'Purpose' }];
      out.push({ steps: next, shape: target, label: `${label}.Purpose` });
      walk(target, next, `${label}.Purpose`, depth + 1);
    }
  };
  walk(input, [], '', 0);
  return out;
}

/** Puts `value` at `steps` inside `root`, making the containers on the way. */
function setAt(root: Record<string, Value>, steps: Step[], value: Value): void {
  let at: any = root;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    const key = 'member' in step ? step.member : 'index' in step ? step.index : step.mapKey;
    if (last) {
      at[key] = value;
      return;
    }
    const nextStep = steps[i + 1]!;
    const wantArray = 'index' in nextStep;
    const cur = at[key];
    if (wantArray ? !Array.isArray(cur) : cur === null || typeof cur !== 'object' || Array.isArray(cur) || cur instanceof Raw) {
      at[key] = wantArray ? [] : {};
    }
    at = at[key];
  });
}

interface Hostile {
  kind: string;
  detail: string;
  huge?: boolean;
  value: () => Value;
}

/** One of every JSON type, to stand where the shape wants another. */
const WRONG_TYPES: ReadonlyArray<{ json: string; value: Value }> = [
  { json: 'string', value: 'text' },
  { json: 'number', value: 12345 },
  { json: 'number', value: -1.5 },
  { json: 'boolean', value: true },
  { json: 'object', value: {} },
  { json: 'object', value: { Nested: 'x' } },
  { json: 'array', value: [] },
  { json: 'array', value: ['text', 1, null] },
];

function jsonTypeOf(shape: ShapeSpec): string {
  switch (shape.type) {
    case 'structure':
    case 'map':
      return 'object';
    case 'list':
      return 'array';
    case 'string':
    case 'blob':
      return 'string';
    case 'boolean':
      return 'boolean';
    default:
      return 'number';
  }
}

/** Strings a number, a date or a duration parser meets: NaN-like, out of range, other notations. */
const NUMBERISH = ['NaN', 'Infinity', '-Infinity', '-1', '1e309', '99999999999999999999', '0x7fffffff', '１２３', '100000000d', '9007199254740991w', '1e3'];

/** Strings that break patterns, escape into other languages, or are more than one code unit per character. */
const ODD_STRINGS = ['\u0000', '../../../../etc/passwd', '<script>alert(1)</script>', "' OR '1'='1", '%s%n%x', '${jndi:ldap://127.0.0.1/a}', '𝔎𝔢𝔶🔑'.repeat(40), ' leading and trailing ', '\r\n\t'];

const NUMBERS: ReadonlyArray<{ detail: string; value: Value }> = [
  { detail: '-1', value: -1 },
  { detail: '0', value: 0 },
  { detail: '-2147483649', value: -2147483649 },
  { detail: '2147483648', value: 2147483648 },
  { detail: '2^63', value: raw('9223372036854775808') },
  { detail: '-2^63-1', value: raw('-9223372036854775809') },
  { detail: '1e400 (Infinity to a JSON parser)', value: raw('1e400') },
  { detail: '-1e400', value: raw('-1e400') },
  { detail: '1e-400', value: raw('1e-400') },
  { detail: '-0', value: raw('-0') },
  { detail: '1.5', value: 1.5 },
  { detail: '2^53+1', value: raw('9007199254740993') },
  { detail: '1' + '0'.repeat(400), value: raw('1' + '0'.repeat(400)) },
];

const BAD_BASE64 = ['!!!!', 'abc', 'a===', '====', 'YQ', 'YWJj\n', '-_-_', '日本語', 'Zm9v YmFy', '='];

/** What to put where a value of `shape` belongs. */
function hostileValues(model: ModelSpec, shape: ShapeSpec, prng: Prng): Hostile[] {
  const out: Hostile[] = [];
  const own = jsonTypeOf(shape);
  for (const w of WRONG_TYPES) {
    if (w.json !== own) out.push({ kind: 'wrong-type', detail: `${w.json} ${JSON.stringify(w.value)}`, value: () => w.value });
  }
  out.push({ kind: 'null', detail: 'null', value: () => null });
  const levels = prng.pick(DEEP_LEVELS);
  out.push({ kind: 'deep-nesting', detail: `${levels} nested arrays`, value: () => deepArray(levels) });
  out.push({ kind: 'deep-nesting', detail: `${levels} nested objects`, value: () => deepObject(levels) });
  out.push({ kind: 'invalid-utf8', detail: 'string with bytes ff fe c0 80 ed a0 80 f8', value: invalidUtf8 });
  out.push({ kind: 'lone-surrogate', detail: '"\\ud800"', value: () => raw('"\\ud800x\\udfff"') });

  switch (shape.type) {
    case 'string': {
      out.push({ kind: 'empty-string', detail: "''", value: () => '' });
      if (shape.max !== undefined) out.push({ kind: 'over-max', detail: `${shape.max + 1} characters`, value: () => 'a'.repeat(shape.max! + 1) });
      out.push({ kind: 'megabyte-string', detail: '1 MiB string', huge: true, value: () => 'x'.repeat(MB) });
      for (const s of NUMBERISH) out.push({ kind: 'numberish-string', detail: JSON.stringify(s), value: () => s });
      for (const s of ODD_STRINGS) out.push({ kind: 'odd-string', detail: JSON.stringify(s).slice(0, 40), value: () => s });
      if (shape.enum) {
        const e = shape.enum[0]!;
        // Enums match case-sensitively: the same letters in the other case are not a value.
        const otherCase = e.toLowerCase() === e ? e.toUpperCase() : e.toLowerCase();
        if (!shape.enum.includes(otherCase)) out.push({ kind: 'bad-enum', detail: otherCase, value: () => otherCase });
        out.push({ kind: 'bad-enum', detail: `'${e} '`, value: () => `${e} ` });
      }
      break;
    }
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
    case 'timestamp': {
      for (const n of NUMBERS) out.push({ kind: 'odd-number', detail: n.detail, value: () => n.value });
      if (shape.min !== undefined) out.push({ kind: 'under-min', detail: String(shape.min - 1), value: () => shape.min! - 1 });
      if (shape.max !== undefined) out.push({ kind: 'over-max', detail: String(shape.max + 1), value: () => shape.max! + 1 });
      for (const s of NUMBERISH) out.push({ kind: 'numberish-string', detail: JSON.stringify(s), value: () => s });
      break;
    }
    case 'boolean':
      for (const v of ['true', 'false', 1, 0] as const) out.push({ kind: 'wrong-type', detail: JSON.stringify(v), value: () => v });
      break;
    case 'blob': {
      for (const s of BAD_BASE64) out.push({ kind: 'invalid-base64', detail: JSON.stringify(s), value: () => s });
      out.push({ kind: 'empty-string', detail: "''", value: () => '' });
      if (shape.max !== undefined && shape.max < MB) {
        out.push({ kind: 'over-max', detail: `${shape.max + 1} bytes`, value: () => Buffer.alloc(shape.max! + 1, 1).toString('base64') });
      }
      out.push({ kind: 'megabyte-blob', detail: '1 MiB of base64', huge: true, value: () => Buffer.alloc(768 * 1024, 3).toString('base64') });
      break;
    }
    case 'list': {
      const item = () => plausible(model, model.shapes[shape.member!.shape]!, 2, prng);
      out.push({ kind: 'huge-array', detail: `${HUGE_ARRAY} elements`, huge: true, value: () => raw(`[${Array.from({ length: HUGE_ARRAY }, () => '"a"').join(',')}]`) });
      out.push({ kind: 'null-element', detail: '[null]', value: () => [null] });
      out.push({ kind: 'wrong-element', detail: '[{}, 1, "a", []]', value: () => [{}, 1, 'a', []] });
      if (shape.max !== undefined && shape.max < 10_000) out.push({ kind: 'over-max', detail: `${shape.max + 1} elements`, value: () => Array.from({ length: shape.max! + 1 }, item) });
      if (shape.min !== undefined && shape.min > 0) out.push({ kind: 'under-min', detail: `${shape.min - 1} elements`, value: () => Array.from({ length: shape.min! - 1 }, item) });
      break;
    }
    case 'map': {
      out.push({ kind: 'huge-map', detail: `${MANY_KEYS} keys`, huge: true, value: () => Object.fromEntries(Array.from({ length: MANY_KEYS }, (_, i) => [`k${i}`, 'v'])) });
      out.push({ kind: 'odd-map', detail: '{"": "v"}', value: () => ({ '': 'v' }) });
      out.push({ kind: 'odd-map', detail: '{"k": null}', value: () => ({ k: null }) });
      out.push({ kind: 'odd-map', detail: '{"k": {}}', value: () => ({ k: {} }) });
      out.push({ kind: 'odd-map', detail: '1000-character key', value: () => ({ ['k'.repeat(1000)]: 'v' }) });
      out.push({ kind: 'odd-map', detail: '{"__proto__": {"polluted": true}}', value: () => raw('{"__proto__":{"polluted":true}}') });
      break;
    }
    case 'structure':
      out.push({ kind: 'unknown-member', detail: '{"NotAMember": 1}', value: () => ({ NotAMember: 1 }) });
      out.push({ kind: 'odd-structure', detail: '{"__proto__": {"polluted": true}}', value: () => raw('{"__proto__":{"polluted":true}}') });
      break;
  }
  return out;
}

interface BodyCase {
  kind: string;
  detail: string;
  huge?: boolean;
  whole: () => Buffer;
}

/** Bodies that are hostile as a whole, whatever the operation. */
function bodyCases(base: () => Record<string, Value>, members: readonly string[], prng: Prng): BodyCase[] {
  const first = members[0] ?? 'NotAMember';
  const levels = prng.pick(DEEP_LEVELS);
  return [
    { kind: 'body:empty', detail: 'no body', whole: () => Buffer.alloc(0) },
    ...['[]', '"text"', '42', 'null', 'true', '[{}]'].map((text) => ({ kind: 'body:not-an-object', detail: text, whole: () => Buffer.from(text) })),
    ...['{', '{"a":}', "{'a':1}", '{"a":1,}', 'NaN', '\u0000', '\ufeff{}', '{"a":1}{"b":2}'].map((text) => ({
      kind: 'body:invalid-json',
      detail: JSON.stringify(text),
      whole: () => Buffer.from(text),
    })),
    {
      kind: 'body:invalid-utf8',
      detail: `${first} with bytes ff fe c0 80 ed a0 80 f8`,
      whole: () => encode({ ...base(), [first]: invalidUtf8() }),
    },
    {
      kind: 'body:duplicate-keys',
      detail: `${first} twice, the second of the wrong type`,
      whole: () => {
        const b = base();
        const firstValue = b[first] ?? 'text';
        delete b[first];
        const rest = encode(b).subarray(1);
        const sep = Object.keys(b).length > 0 ? ',' : '';
        return Buffer.concat([Buffer.from(`{${JSON.stringify(first)}:`), encode(firstValue), Buffer.from(`,${JSON.stringify(first)}:{"a":[1]}${sep}`), rest]);
      },
    },
    {
      kind: 'body:unknown-members',
      detail: 'NotAMember, __proto__, constructor',
      whole: () => withMember(encode({ ...base(), NotAMember: 'x', constructor: { prototype: { polluted: true } }, __type: 'Evil' }), '__proto__', '{"polluted":true}'),
    },
    {
      kind: 'body:null-members',
      detail: 'every member null',
      whole: () => encode(Object.fromEntries(members.map((m) => [m, null]))),
    },
    {
      kind: 'body:deep-nesting',
      detail: `${levels} nested objects as the body`,
      whole: () => deepObject(levels).bytes,
    },
    {
      kind: 'body:deep-nesting',
      detail: `${levels} nested arrays in an unknown member`,
      whole: () => encode({ ...base(), Nested: deepArray(levels) }),
    },
    {
      kind: 'body:many-members',
      detail: `${MANY_KEYS * 5} unknown members`,
      huge: true,
      whole: () => encode({ ...base(), ...Object.fromEntries(Array.from({ length: MANY_KEYS * 5 }, (_, i) => [`m${i}`, i])) }),
    },
    {
      kind: 'body:megabyte-unknown-member',
      detail: '1 MiB string in an unknown member',
      huge: true,
      whole: () => encode({ ...base(), NotAMember: 'x'.repeat(MB) }),
    },
  ];
}

/** Body kinds every operation gets, whatever else the Prng draws. */
const ALWAYS = ['body:empty', 'body:not-an-object', 'body:invalid-json', 'body:invalid-utf8', 'body:duplicate-keys', 'body:unknown-members', 'body:null-members', 'body:deep-nesting'];

/**
 * `count` hostile cases for one operation: one of each kind in ALWAYS, then a draw from every
 * member's hostile values and the remaining body cases, with exactly `hugeCases` of those of
 * about a megabyte (when the operation has any), so that a run decides how many it sends.
 */
export function hostileCases(model: ModelSpec, operation: string, prng: Prng, count: number, hugeCases: number): HostileCase[] {
  const inputName = model.operations[operation]?.input;
  const input: ShapeSpec = inputName ? model.shapes[inputName]! : { type: 'structure', members: {} };
  const seed = prng.next();
  // Each case rebuilds its plausible base from the same sub-seed, so a body never depends on which
  // other cases were built before it.
  const base = () => plausible(model, input, 0, new Prng(seed)) as Record<string, Value>;
  const topMembers = Object.keys(input.members ?? {});

  const always: HostileCase[] = [];
  const pool: HostileCase[] = [];
  const byKind = new Map<string, HostileCase[]>();
  for (const c of bodyCases(base, topMembers, prng)) {
    const hc: HostileCase = { kind: c.kind, path: '(body)', huge: c.huge === true, detail: c.detail, body: c.whole };
    byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), hc]);
  }
  for (const kind of ALWAYS) {
    const options = byKind.get(kind)!;
    const chosen = prng.pick(options);
    always.push(chosen);
    pool.push(...options.filter((o) => o !== chosen));
  }
  for (const [kind, options] of byKind) if (!ALWAYS.includes(kind)) pool.push(...options);

  for (const m of memberPaths(model, input)) {
    for (const h of hostileValues(model, m.shape, prng)) {
      pool.push({
        kind: h.kind,
        path: m.label,
        huge: h.huge === true,
        detail: h.detail,
        body: () => {
          const b = base();
          setAt(b, m.steps, h.value());
          return encode(b);
        },
      });
    }
  }

  // A megabyte in a member whose maximum is far smaller is rejected, and a rejected call's audit
  // record is where such a value would be kept whole: those come first most of the time.
  const rejectedWhole = (c: HostileCase) => c.kind === 'megabyte-string' || c.kind === 'megabyte-blob';
  const preferWhole = prng.chance(0.7);
  const huge = prng
    .shuffle(pool.filter((c) => c.huge))
    .sort((a, b) => (preferWhole ? Number(rejectedWhole(b)) - Number(rejectedWhole(a)) : 0))
    .slice(0, hugeCases);
  const small = drawByKind(
    pool.filter((c) => !c.huge),
    Math.max(0, count - always.length - huge.length),
    prng,
  );
  return [...always, ...prng.shuffle([...huge, ...small])];
}

/**
 * `n` cases, each of a kind drawn uniformly among the kinds left, then a case of that kind: a
 * string member has a dozen odd values and a list two, and both kinds should come up as often.
 */
function drawByKind(pool: readonly HostileCase[], n: number, prng: Prng): HostileCase[] {
  const byKind = new Map<string, HostileCase[]>();
  for (const c of pool) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c]);
  const out: HostileCase[] = [];
  while (out.length < n && byKind.size > 0) {
    const kind = prng.pick([...byKind.keys()]);
    const left = byKind.get(kind)!;
    out.push(left.splice(prng.below(left.length), 1)[0]!);
    if (left.length === 0) byKind.delete(kind);
  }
  return out;
}
