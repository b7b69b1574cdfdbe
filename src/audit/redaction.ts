import { child, cut, Cuts, memberCount, RECORD_LIMITS, type Path } from './bounds.js';

// What of a call's input and output may appear in its CloudTrail record. CloudTrail shows inputs
// and outputs with AWS's lowerCamel member names and leaves out secrets: plaintexts, data keys,
// ciphertext blobs, key store passwords, grant tokens. Three rules decide, and any one of them drops a member:
// the service model marks its shape sensitive, its shape is a blob, or its name is on the list
// below (which also covers services without a model, and outputs, which no model here describes).

/** The slice of a service model (protocol/models/*.json) that redaction reads. */
export interface AuditModel {
  readonly operations: Readonly<Record<string, { readonly input?: string | null }>>;
  readonly shapes: Readonly<Record<string, AuditShape>>;
}

export interface AuditShape {
  readonly type: string;
  readonly sensitive?: boolean;
  /** The longest a string may be (what a successful call's string is kept up to). */
  readonly max?: number;
  readonly members?: Readonly<Record<string, { readonly shape: string }>>;
  readonly member?: { readonly shape: string };
  readonly value?: { readonly shape: string };
}

/**
 * Members never recorded, whatever a model says. Certificates are public, but CloudTrail leaves
 * the trust anchor out of KMS records, and a pasted PEM bundle can carry a private key.
 */
const NEVER_RECORDED = new Set(
  [
    'Plaintext',
    'CiphertextBlob',
    'CiphertextForRecipient',
    'KeyStorePassword',
    'TrustAnchorCertificate',
    'XksProxyAuthenticationCredential',
    'EncryptedKeyMaterial',
    'ImportToken',
    'PrivateKeyPlaintext',
    'PrivateKeyCiphertextBlob',
    'SharedSecret',
    // Signatures and MACs are no secret, but CloudTrail leaves them out of Sign, Verify,
    // GenerateMac and VerifyMac records, and a MAC forged by trial would start from one.
    'Signature',
    'Mac',
    'SignedCert',
    'TrustAnchor',
    'Password',
    'NewPassword',
    // A grant token lets its grantee use a grant at once: a credential, never written down.
    'GrantToken',
    'GrantTokens',
  ].map((n) => n.toLowerCase()),
);

/** Any member whose name says it holds a secret, in whatever service or spelling. */
const SECRET_NAME = /password|secret|plaintext|ciphertext|privatekey|keymaterial(?!id)|passphrase/i;

export function isSecretMember(name: string): boolean {
  return NEVER_RECORDED.has(name.toLowerCase()) || SECRET_NAME.test(name);
}

/** `KeyId` → `keyId`, `AWSAccountId` → `aWSAccountId`: CloudTrail lowers only the first character, as Coral does. */
export const lowerFirst = (name: string): string => (name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1));

/** How one record field is walked: its bounds and where its cuts are noted. */
interface Walk {
  readonly cuts: Cuts;
  /**
   * Strings longer than RECORD_LIMITS.string are kept whole when their model allows them (the
   * input of a successful call, which the model has checked); undefined: every string is kept
   * (a successful call's output, which is the service's own).
   */
  readonly modelLength: boolean | undefined;
}

/**
 * `requestParameters`: the input with lowerCamel member names and no secrets, walked along the
 * model's input shape when there is one. Members the model does not know are dropped. Null when
 * nothing is left, as CloudTrail shows calls without parameters. Bounded (RECORD_LIMITS): long
 * strings are cut, lists and objects keep their first members and levels, and `cuts` notes each.
 */
export function requestParameters(
  model: AuditModel | undefined,
  operation: string,
  input: unknown,
  opts: { cuts?: Cuts; failed?: boolean } = {},
): Record<string, unknown> | null {
  if (!isObject(input)) return null;
  const walk: Walk = { cuts: opts.cuts ?? new Cuts(), modelLength: !opts.failed };
  const shapeName = model?.operations[operation]?.input;
  const out = (shapeName ? structure(walk, model!, shapeName, input, undefined, 0) : untyped(walk, input, false, undefined, 0)) as Record<string, unknown> | undefined;
  return out !== undefined && Object.keys(out).length > 0 ? out : null;
}

function modelled(walk: Walk, model: AuditModel, shapeName: string, value: unknown, parent: Path, key: string, depth: number): unknown {
  const shape = model.shapes[shapeName];
  if (shape === undefined || shape.sensitive === true || shape.type === 'blob') return undefined;
  switch (shape.type) {
    case 'structure':
      if (!isObject(value)) return undefined;
      if (tooDeep(walk, value, parent, key, depth)) return undefined;
      return structure(walk, model, shapeName, value, child(parent, key), depth + 1);
    case 'list': {
      if (!Array.isArray(value)) return undefined;
      if (tooDeep(walk, value, parent, key, depth)) return undefined;
      const path = child(parent, key);
      const element = shape.member!.shape;
      const out: unknown[] = [];
      const n = Math.min(value.length, RECORD_LIMITS.items);
      if (value.length > n) walk.cuts.add(path, value.length);
      for (let i = 0; i < n; i++) {
        const item = modelled(walk, model, element, value[i], path, String(i), depth + 1);
        if (item !== undefined) out.push(item);
      }
      return out;
    }
    case 'map': {
      if (!isObject(value)) return undefined;
      if (tooDeep(walk, value, parent, key, depth)) return undefined;
      const path = child(parent, key);
      const out: Record<string, unknown> = {};
      let n = 0;
      // Map keys are data (an encryption context's keys), never renamed; only cut.
      for (const k in value) {
        if (n++ === RECORD_LIMITS.items) {
          walk.cuts.add(path, memberCount(value));
          break;
        }
        const item = modelled(walk, model, shape.value!.shape, value[k], path, k, depth + 1);
        if (item !== undefined) setEntry(out, boundedKey(walk, k, path), item);
      }
      return out;
    }
    default:
      if (typeof value === 'string') return boundedString(walk, value, shape.max, parent, key);
      if (typeof value === 'object' && value !== null) {
        // Only in a rejected call: an object or list where the model has a scalar. Kept (the
        // record shows what was sent), as far as the bounds allow.
        return Buffer.isBuffer(value) ? undefined : untyped({ ...walk, modelLength: false }, value, true, parent, depth, key);
      }
      return value;
  }
}

function structure(walk: Walk, model: AuditModel, shapeName: string, value: Record<string, unknown>, path: Path, depth: number): Record<string, unknown> | undefined {
  const members = recordedMembers(model, shapeName);
  if (members === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const m of members) {
    const item = value[m.name];
    if (item === undefined || item === null) continue;
    const kept = modelled(walk, model, m.shape, item, path, m.key, depth);
    if (kept !== undefined) out[m.key] = kept;
  }
  return out;
}

/** A level below the deepest a record keeps: the value is left out, and noted. */
function tooDeep(walk: Walk, value: object, parent: Path, key: string, depth: number): boolean {
  if (depth < RECORD_LIMITS.depth) return false;
  walk.cuts.add(child(parent, key), Array.isArray(value) ? value.length : memberCount(value));
  return true;
}

function boundedString(walk: Walk, text: string, modelMax: number | undefined, parent: Path, key: string): string {
  if (text.length <= RECORD_LIMITS.string || walk.modelLength === undefined) return text;
  if (walk.modelLength && modelMax !== undefined && text.length <= modelMax) return text;
  walk.cuts.add(child(parent, key), text.length);
  return cut(text, RECORD_LIMITS.string);
}

/** A key of a data-keyed map, cut like any string (it is the caller's text too). */
function boundedKey(walk: Walk, key: string, path: Path): string {
  if (key.length <= RECORD_LIMITS.string) return key;
  walk.cuts.add(child(path, key), key.length);
  return cut(key, RECORD_LIMITS.string);
}

interface RecordedMember {
  name: string;
  /** The name as CloudTrail writes it. */
  key: string;
  shape: string;
}

const plans = new WeakMap<AuditModel, Map<string, RecordedMember[] | undefined>>();

/** The members of a structure shape that may be recorded, worked out once per shape: this runs for every call. */
function recordedMembers(model: AuditModel, shapeName: string): RecordedMember[] | undefined {
  let byShape = plans.get(model);
  if (byShape === undefined) plans.set(model, (byShape = new Map()));
  if (byShape.has(shapeName)) return byShape.get(shapeName);
  const members = model.shapes[shapeName]?.members;
  const plan = members && Object.entries(members).filter(([name]) => !isSecretMember(name)).map(([name, m]) => ({ name, key: lowerFirst(name), shape: m.shape }));
  byShape.set(shapeName, plan);
  return plan;
}

/**
 * Members whose value is a map keyed by data: their keys stay as they are when a value without a
 * model is renamed. (Encryption contexts, and CloudHSM's subnet mapping keyed by Availability Zone.)
 */
const MAP_MEMBERS = new Set(['EncryptionContext', 'SourceEncryptionContext', 'DestinationEncryptionContext', 'SubnetMapping']);

/** Timestamps in an output are epoch seconds; CloudTrail prints KMS's in Java's medium US form. */
const DATE_MEMBER = /(?:Date|Timestamp|ValidTo)$/;

/**
 * A value without a model (outputs, a rejected call's value of the wrong type): object keys
 * renamed to lowerCamel except inside data-keyed maps, secrets dropped by name, Buffers dropped,
 * dates rendered as CloudTrail renders them; within the same bounds as a modelled value.
 */
function untyped(walk: Walk, value: unknown, keepKeys: boolean, parent: Path, depth: number, key?: string): unknown {
  if (Buffer.isBuffer(value)) return undefined;
  if (typeof value === 'string') return key === undefined ? value : boundedString(walk, value, undefined, parent, key);
  if (typeof value !== 'object' || value === null) return value;
  if (key !== undefined && tooDeep(walk, value, parent, key, depth)) return undefined;
  const path = key === undefined ? parent : child(parent, key);
  const below = key === undefined ? depth : depth + 1;
  if (Array.isArray(value)) {
    const n = Math.min(value.length, RECORD_LIMITS.items);
    if (value.length > n) walk.cuts.add(path, value.length);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const item = untyped(walk, value[i], false, path, below, String(i));
      if (item !== undefined) out.push(item);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const k in value) {
    if (n++ === RECORD_LIMITS.items) {
      walk.cuts.add(path, memberCount(value));
      break;
    }
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || v === null || isSecretMember(k)) continue;
    const name = boundedKey(walk, keepKeys ? k : lowerFirst(k), path);
    const item = typeof v === 'number' && DATE_MEMBER.test(k) ? javaMediumDate(v * 1000) : untyped(walk, v, MAP_MEMBERS.has(k), path, below, name);
    if (item !== undefined) setEntry(out, name, item);
  }
  return out;
}

/**
 * `responseElements` of a call that changed something: its output with lowerCamel names and no
 * secrets. Null for an empty output, as CloudTrail shows EnableKey or DeleteAlias. The output is
 * the service's own, so its strings are kept; its size is bounded by the caller (record.ts).
 */
export function responseElements(output: unknown, cuts = new Cuts()): Record<string, unknown> | null {
  if (!isObject(output)) return null;
  const out = untyped({ cuts, modelLength: undefined }, output, false, undefined, 0) as Record<string, unknown>;
  return Object.keys(out).length > 0 ? out : null;
}

/** Drops secrets by name from a structure given by trusted code (service events, additionalEventData). */
export function withoutSecrets(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || isSecretMember(k) || Buffer.isBuffer(v)) continue;
    setEntry(out, k, isObject(v) ? withoutSecrets(v) : v);
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Oct 14, 2021, 5:39:50 PM` (UTC): how CloudTrail shows dates inside KMS responseElements. */
export function javaMediumDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(ms);
  const h = d.getUTCHours();
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ` +
    `${h % 12 === 0 ? 12 : h % 12}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** `out[key] = value` would set the prototype for a client-sent `__proto__` key. */
function setEntry(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
