import { SerializationException, ValidationException } from './errors.js';
import { compiledShape, type CompiledShape, type ServiceModel, type ShapeType } from './model.js';

/**
 * Turns a parsed AWS JSON 1.1 request body into a checked input, the way Coral does:
 * a wrong JSON type anywhere is a SerializationException (first one wins), otherwise every
 * constraint violation in the input is collected and reported in one ValidationException.
 * Both happen in a single walk; a violation list is only allocated once something fails.
 */
export function decodeInput(
  model: ServiceModel,
  shapeName: string,
  body: unknown,
  rejected: (violations: readonly Violation[]) => Error = defaultRejection,
): Record<string, unknown> {
  const shape = compiledShape(model, shapeName);
  if (shape.type !== 'structure') throw new Error(`input shape ${shapeName} is not a structure`);
  const sink: Sink = { violations: undefined };
  const input = decodeStructure(shape, body, '', sink);
  if (sink.violations !== undefined) throw rejected(sink.violations);
  return input;
}

const defaultRejection = (violations: readonly Violation[]) => new ValidationException(formatViolations(violations));

// ---------------------------------------------------------------------------------------
// Violations are plain values; turning them into AWS's text is a separate pure step.

export type Rule =
  | { readonly kind: 'required' }
  | { readonly kind: 'minLength' | 'maxLength' | 'minValue' | 'maxValue'; readonly limit: number }
  | { readonly kind: 'pattern'; readonly pattern: string }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** Some element of a list of scalars broke a rule; Coral then lists all the element rules. */
  | { readonly kind: 'listMember' | 'mapKeys' | 'mapValues'; readonly rules: readonly Rule[] };

export interface Violation {
  /** Dotted lowerCamel path, e.g. `tags.1.member.tagValue`. */
  readonly path: string;
  /** Shape of `value`: decides redaction when the value is printed. */
  readonly shape: CompiledShape;
  /** The value as the client sent it; null for a missing required member. */
  readonly value: unknown;
  readonly rule: Rule;
}

export function formatViolations(violations: readonly Violation[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.map(formatViolation).join('; ')}`;
}

export function formatViolation(v: Violation): string {
  // A missing value is reported as null even for sensitive shapes (AWS: `Value null at 'plaintext'`).
  const subject = v.value === null ? 'Value null' : v.shape.redact ? 'Value' : `Value '${formatValue(v.shape, v.value)}'`;
  return `${subject} at '${v.path}' failed to satisfy constraint: ${formatRule(v.rule)}`;
}

export function formatRule(rule: Rule): string {
  switch (rule.kind) {
    case 'required':
      return 'Member must not be null';
    case 'minLength':
      return `Member must have length greater than or equal to ${rule.limit}`;
    case 'maxLength':
      return `Member must have length less than or equal to ${rule.limit}`;
    case 'minValue':
      return `Member must have value greater than or equal to ${rule.limit}`;
    case 'maxValue':
      return `Member must have value less than or equal to ${rule.limit}`;
    case 'pattern':
      return `Member must satisfy regular expression pattern: ${rule.pattern}`;
    case 'enum':
      return `Member must satisfy enum value set: [${rule.values.join(', ')}]`;
    case 'listMember':
      return `Member must satisfy constraint: [${rule.rules.map(formatRule).join(', ')}]`;
    case 'mapKeys':
      return `Map keys must satisfy constraint: [${rule.rules.map(formatRule).join(', ')}]`;
    case 'mapValues':
      return `Map value must satisfy constraint: [${rule.rules.map(formatRule).join(', ')}]`;
  }
}

/** Java-toString-like rendering (`[a, b]`, `{k=v}`), which is what Coral's messages show. */
export function formatValue(shape: CompiledShape, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  // Nested secrets inside a printed collection are masked rather than dropped, so the shape stays readable.
  if (shape.redact) return '***';
  switch (shape.type) {
    case 'list': {
      if (!Array.isArray(value)) break;
      const member = shape.member!;
      return `[${value.map((item) => formatValue(member, item)).join(', ')}]`;
    }
    case 'map': {
      if (!isObject(value)) break;
      const mapValue = shape.value!;
      return `{${Object.keys(value).map((k) => `${k}=${formatValue(mapValue, value[k])}`).join(', ')}}`;
    }
    case 'structure': {
      if (!isObject(value)) break;
      const parts: string[] = [];
      for (const m of shape.members) {
        const item = value[m.name];
        if (item !== undefined && item !== null) parts.push(`${m.name}=${formatValue(m.target, item)}`);
      }
      return `{${parts.join(', ')}}`;
    }
  }
  return String(value);
}

/**
 * Every rule a shape imposes on its own value, in the order AWS prints them inside
 * `Member must satisfy constraint: [...]` (max before min, then pattern, then enum).
 */
export function shapeRules(shape: CompiledShape): Rule[] {
  const rules: Rule[] = [];
  const numeric = isNumericType(shape.type);
  if (shape.max !== undefined) rules.push({ kind: numeric ? 'maxValue' : 'maxLength', limit: shape.max });
  if (shape.min !== undefined) rules.push({ kind: numeric ? 'minValue' : 'minLength', limit: shape.min });
  if (shape.pattern !== undefined && shape.type === 'string') rules.push({ kind: 'pattern', pattern: shape.pattern });
  if (shape.enumValues !== undefined) rules.push({ kind: 'enum', values: shape.enumValues });
  return rules;
}

// ---------------------------------------------------------------------------------------
// Decoding and checking.

interface Sink {
  violations: Violation[] | undefined;
}

type JsonObject = Record<string, unknown>;

const REQUIRED: Rule = Object.freeze({ kind: 'required' });

function record(sink: Sink, path: string, shape: CompiledShape, value: unknown, rule: Rule): void {
  (sink.violations ??= []).push({ path, shape, value, rule });
}

function decodeValue(shape: CompiledShape, raw: unknown, path: string, sink: Sink): unknown {
  switch (shape.type) {
    case 'structure':
      return decodeStructure(shape, raw, path, sink);
    case 'list':
      return decodeList(shape, raw, path, sink);
    case 'map':
      return decodeMap(shape, raw, path, sink);
    default: {
      const value = decodeScalar(shape, raw);
      if (shape.constrained) {
        const failed = failedRules(shape, value);
        if (failed !== undefined) for (const rule of failed) record(sink, path, shape, raw, rule);
      }
      return value;
    }
  }
}

function decodeStructure(shape: CompiledShape, raw: unknown, path: string, sink: Sink): JsonObject {
  if (!isObject(raw)) throw typeMismatch(raw, shape.type);
  // A fresh object, so members the model does not know are dropped.
  const out: JsonObject = {};
  const members = shape.members;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    // Plain indexing is safe here: member names are PascalCase and Object.prototype has none.
    const item = raw[m.name];
    const memberPath = path === '' ? m.path : `${path}.${m.path}`;
    if (item === undefined || item === null) {
      if (m.required) record(sink, memberPath, m.target, null, REQUIRED);
      continue;
    }
    out[m.name] = decodeValue(m.target, item, memberPath, sink);
  }
  return out;
}

function decodeList(shape: CompiledShape, raw: unknown, path: string, sink: Sink): unknown[] {
  if (!Array.isArray(raw)) throw typeMismatch(raw, shape.type);
  checkSize(shape, raw.length, raw, path, sink);
  const element = shape.member!;
  const aggregate = isAggregateType(element.type);
  let elementFailed = false;
  // Copy-on-write: lists whose elements decode to themselves (strings, numbers) are returned as-is.
  let out: unknown[] = raw;
  for (let i = 0; i < raw.length; i++) {
    const item: unknown = raw[i];
    if (item === null || item === undefined) throw new SerializationException('Null value found in a list where not expected.');
    let decoded: unknown;
    if (aggregate) {
      // Coral names list elements 1-based, with a `.member` step, e.g. `tags.1.member.tagKey`.
      decoded = decodeValue(element, item, `${path}.${i + 1}.member`, sink);
    } else {
      decoded = decodeScalar(element, item);
      if (!elementFailed && element.constrained && failedRules(element, decoded) !== undefined) elementFailed = true;
    }
    if (out !== raw) out.push(decoded);
    else if (decoded !== item) {
      out = raw.slice(0, i);
      out.push(decoded);
    }
  }
  // For scalar elements Coral reports once for the whole list, quoting all the element's rules.
  if (elementFailed) record(sink, path, shape, raw, { kind: 'listMember', rules: shapeRules(element) });
  return out;
}

function decodeMap(shape: CompiledShape, raw: unknown, path: string, sink: Sink): JsonObject {
  if (!isObject(raw)) throw typeMismatch(raw, shape.type);
  const keys = Object.keys(raw);
  checkSize(shape, keys.length, raw, path, sink);
  const keyShape = shape.key!;
  const valueShape = shape.value!;
  const aggregate = isAggregateType(valueShape.type);
  let keyFailed = false;
  let valueFailed = false;
  let out: JsonObject = raw;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const item = raw[key];
    if (item === null || item === undefined) throw new SerializationException('Null value found in a map where not expected.');
    if (!keyFailed && keyShape.constrained && failedRules(keyShape, key) !== undefined) keyFailed = true;
    let decoded: unknown;
    if (aggregate) {
      // No shipped model puts constrained structures in a map, so Coral's path form is unverified; keep it plain.
      decoded = decodeValue(valueShape, item, `${path}.${key}`, sink);
    } else {
      decoded = decodeScalar(valueShape, item);
      if (!valueFailed && valueShape.constrained && failedRules(valueShape, decoded) !== undefined) valueFailed = true;
    }
    if (out !== raw) setEntry(out, key, decoded);
    else if (decoded !== item) {
      out = {};
      for (let j = 0; j < i; j++) setEntry(out, keys[j]!, raw[keys[j]!]);
      setEntry(out, key, decoded);
    }
  }
  if (keyFailed) record(sink, path, shape, raw, { kind: 'mapKeys', rules: shapeRules(keyShape) });
  if (valueFailed) record(sink, path, shape, raw, { kind: 'mapValues', rules: shapeRules(valueShape) });
  return out;
}

/** `out[key] = value` would set the prototype for a client-sent `__proto__` key. */
function setEntry(out: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function checkSize(shape: CompiledShape, size: number, raw: unknown, path: string, sink: Sink): void {
  if (shape.min !== undefined && size < shape.min) record(sink, path, shape, raw, { kind: 'minLength', limit: shape.min });
  if (shape.max !== undefined && size > shape.max) record(sink, path, shape, raw, { kind: 'maxLength', limit: shape.max });
}

/**
 * The rules a decoded scalar breaks, or undefined when it is fine. Allocates only on failure,
 * so it doubles as the cheap yes/no test for collection elements.
 */
function failedRules(shape: CompiledShape, value: unknown): Rule[] | undefined {
  let failed: Rule[] | undefined;
  const { min, max } = shape;
  if (shape.type === 'string' || shape.type === 'blob') {
    // UTF-16 units for strings (Java's String.length()), bytes for blobs.
    const size = (value as string | Buffer).length;
    if (max !== undefined && size > max) (failed ??= []).push({ kind: 'maxLength', limit: max });
    if (min !== undefined && size < min) (failed ??= []).push({ kind: 'minLength', limit: min });
    if (shape.type === 'string') {
      if (shape.regex !== undefined && !shape.regex.test(value as string)) {
        (failed ??= []).push({ kind: 'pattern', pattern: shape.pattern! });
      }
      if (shape.enumSet !== undefined && !shape.enumSet.has(value as string)) {
        (failed ??= []).push({ kind: 'enum', values: shape.enumValues! });
      }
    }
  } else if (isNumericType(shape.type)) {
    const n = value as number;
    if (max !== undefined && n > max) (failed ??= []).push({ kind: 'maxValue', limit: max });
    if (min !== undefined && n < min) (failed ??= []).push({ kind: 'minValue', limit: min });
  }
  return failed;
}

// ---------------------------------------------------------------------------------------
// Scalars.

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** RFC 3339 date-time with an explicit offset; Date.parse alone accepts local times and free-form dates. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

function decodeScalar(shape: CompiledShape, raw: unknown): unknown {
  switch (shape.type) {
    case 'string':
      if (typeof raw === 'string') return raw;
      break;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      break;
    case 'integer':
    case 'long':
      if (typeof raw === 'number') {
        // Java int is 32-bit; a long is limited to what a JS number holds exactly.
        const fits = shape.type === 'integer' ? Number.isInteger(raw) && raw >= INT_MIN && raw <= INT_MAX : Number.isSafeInteger(raw);
        if (fits) return raw;
      }
      break;
    case 'float':
    case 'double':
      if (typeof raw === 'number') return raw;
      break;
    case 'blob':
      if (typeof raw === 'string') return decodeBase64(raw);
      break;
    case 'timestamp':
      // Epoch seconds (SDKs send these, possibly fractional) or ISO 8601; decoded to epoch milliseconds.
      if (typeof raw === 'number') {
        if (Number.isFinite(raw)) return Math.round(raw * 1000);
      } else if (typeof raw === 'string' && ISO_8601.test(raw)) {
        const ms = Date.parse(raw);
        if (!Number.isNaN(ms)) return ms;
      }
      break;
  }
  throw typeMismatch(raw, shape.type);
}

/**
 * Strict base64 (standard alphabet, padded). Buffer.from is lenient: it skips characters
 * outside the alphabet and accepts base64url. A skipped character always leaves fewer bytes
 * than a padded string of this length must hold, so a length check plus a base64url scan
 * is exact; it costs a fraction of a validating regex on a 4 KB plaintext.
 */
function decodeBase64(text: string): Buffer {
  const n = text.length;
  if (n % 4 === 0) {
    const bytes = Buffer.from(text, 'base64');
    const pad = n > 0 && text.charCodeAt(n - 1) === 0x3d ? (text.charCodeAt(n - 2) === 0x3d ? 2 : 1) : 0;
    if (bytes.length === (n / 4) * 3 - pad && text.indexOf('-') === -1 && text.indexOf('_') === -1) return bytes;
  }
  throw new SerializationException('Base64 encoded value is not valid.');
}

const TARGET_NAMES: Readonly<Record<ShapeType, string>> = {
  structure: 'a Structure',
  list: 'a List',
  map: 'a Map',
  string: 'String',
  integer: 'an Integer',
  long: 'a Long',
  float: 'a Float',
  double: 'a Double',
  boolean: 'a Boolean',
  blob: 'a Blob',
  timestamp: 'a Timestamp',
};

/** Messages follow Coral's wording for the JSON token that was found where another was expected. */
function typeMismatch(raw: unknown, expected: ShapeType): SerializationException {
  if (Array.isArray(raw)) return new SerializationException('Start of list found where not expected.');
  if (isObject(raw)) return new SerializationException('Start of structure or map found where not expected.');
  return new SerializationException(`${tokenName(raw)} can not be converted to ${TARGET_NAMES[expected]}`);
}

function tokenName(raw: unknown): string {
  switch (typeof raw) {
    case 'string':
      return 'STRING_VALUE';
    case 'number':
      return 'NUMBER_VALUE';
    case 'boolean':
      return 'BOOLEAN_VALUE';
    default:
      return 'NULL_VALUE';
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAggregateType(type: ShapeType): boolean {
  return type === 'structure' || type === 'list' || type === 'map';
}

function isNumericType(type: ShapeType): boolean {
  return type === 'integer' || type === 'long' || type === 'float' || type === 'double';
}
