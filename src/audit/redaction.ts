// What of a call's input and output may appear in its CloudTrail record. CloudTrail shows inputs
// and outputs with AWS's lowerCamel member names and leaves out secrets: plaintexts, data keys,
// ciphertext blobs, key store passwords. Three rules decide, and any one of them drops a member:
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
    'SignedCert',
    'TrustAnchor',
    'Password',
    'NewPassword',
  ].map((n) => n.toLowerCase()),
);

/** Any member whose name says it holds a secret, in whatever service or spelling. */
const SECRET_NAME = /password|secret|plaintext|ciphertext|privatekey|keymaterial(?!id)|passphrase/i;

export function isSecretMember(name: string): boolean {
  return NEVER_RECORDED.has(name.toLowerCase()) || SECRET_NAME.test(name);
}

/** `KeyId` → `keyId`, `AWSAccountId` → `aWSAccountId`: CloudTrail lowers only the first character, as Coral does. */
export const lowerFirst = (name: string): string => (name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1));

/**
 * `requestParameters`: the input with lowerCamel member names and no secrets, walked along the
 * model's input shape when there is one. Members the model does not know are dropped. Null when
 * nothing is left, as CloudTrail shows calls without parameters.
 */
export function requestParameters(model: AuditModel | undefined, operation: string, input: unknown): Record<string, unknown> | null {
  if (!isObject(input)) return null;
  const shapeName = model?.operations[operation]?.input;
  const out = (shapeName ? structure(model!, shapeName, input) : untyped(input, false)) as Record<string, unknown> | undefined;
  return out !== undefined && Object.keys(out).length > 0 ? out : null;
}

function modelled(model: AuditModel, shapeName: string, value: unknown): unknown {
  const shape = model.shapes[shapeName];
  if (shape === undefined || shape.sensitive === true || shape.type === 'blob') return undefined;
  switch (shape.type) {
    case 'structure':
      return isObject(value) ? structure(model, shapeName, value) : undefined;
    case 'list': {
      if (!Array.isArray(value)) return undefined;
      const element = shape.member!.shape;
      return value.map((v) => modelled(model, element, v)).filter((v) => v !== undefined);
    }
    case 'map': {
      if (!isObject(value)) return undefined;
      const out: Record<string, unknown> = {};
      // Map keys are data (an encryption context's keys), never renamed.
      for (const [k, v] of Object.entries(value)) {
        const item = modelled(model, shape.value!.shape, v);
        if (item !== undefined) setEntry(out, k, item);
      }
      return out;
    }
    default:
      return Buffer.isBuffer(value) ? undefined : value;
  }
}

function structure(model: AuditModel, shapeName: string, value: Record<string, unknown>): Record<string, unknown> | undefined {
  const members = recordedMembers(model, shapeName);
  if (members === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const m of members) {
    const item = value[m.name];
    if (item === undefined || item === null) continue;
    const kept = modelled(model, m.shape, item);
    if (kept !== undefined) out[m.key] = kept;
  }
  return out;
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
 * A value without a model (outputs, Keywarden's own operations): object keys renamed to
 * lowerCamel except inside data-keyed maps, secrets dropped by name, Buffers dropped, dates
 * rendered as CloudTrail renders them.
 */
function untyped(value: unknown, keepKeys: boolean): unknown {
  if (Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) return value.map((v) => untyped(v, false)).filter((v) => v !== undefined);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null || isSecretMember(k)) continue;
    const item = typeof v === 'number' && DATE_MEMBER.test(k) ? javaMediumDate(v * 1000) : untyped(v, MAP_MEMBERS.has(k));
    if (item !== undefined) setEntry(out, keepKeys ? k : lowerFirst(k), item);
  }
  return out;
}

/**
 * `responseElements` of a call that changed something: its output with lowerCamel names and no
 * secrets. Null for an empty output, as CloudTrail shows EnableKey or DeleteAlias.
 */
export function responseElements(output: unknown): Record<string, unknown> | null {
  if (!isObject(output)) return null;
  const out = untyped(output, false) as Record<string, unknown>;
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
