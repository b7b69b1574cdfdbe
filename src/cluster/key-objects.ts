import type { Random } from '../core/random.js';
import type { HsmEngine } from './hsm-engine.js';
import type { ClusterContents, Served } from './content.js';
import { engineCall, placement } from './crypto.js';
import { HsmAccessDenied, HsmInvalidRequest, HsmNotFound } from './hsm-errors.js';
import type { ClusterRecord, HsmUser, KeyObject, Scope } from './model.js';
import type { HsmSessions } from './sessions.js';

/** A selection of key objects; every attribute given must match. */
export interface KeyFilter {
  handle?: number;
  /** Hex, lower case, without 0x. */
  id?: string;
  label?: string;
  keyClass?: string;
  keyType?: string;
  checkValue?: string;
}

export interface NewKey {
  label: string;
  /** Hex without 0x; a random 8-byte id when absent. */
  id?: string;
  sizeBytes?: number;
  extractable?: boolean;
}

const MAX_LABEL = 127;

/**
 * Parses CloudHSM CLI filters: `key-reference=0x…` or `attr.NAME=VALUE` (label, id, class,
 * key-type, check-value). An id written as 0x… is hex; otherwise its characters are the bytes,
 * which is why the seed pages tell you to prepend 0x to a backing key id.
 */
export function parseKeyFilter(expressions: readonly string[]): KeyFilter {
  const filter: KeyFilter = {};
  for (const expression of expressions) {
    const eq = expression.indexOf('=');
    if (eq <= 0) throw invalid(`'${expression}' is not a filter; write key-reference=0x… or attr.NAME=VALUE.`);
    const name = expression.slice(0, eq).toLowerCase();
    const value = unquote(expression.slice(eq + 1));
    switch (name) {
      case 'key-reference':
        filter.handle = parseHandle(value);
        break;
      case 'attr.label':
        filter.label = value;
        break;
      case 'attr.id':
        filter.id = idHex(value);
        break;
      case 'attr.class':
        filter.keyClass = value.toLowerCase();
        break;
      case 'attr.key-type':
        filter.keyType = value.toLowerCase();
        break;
      case 'attr.check-value':
        filter.checkValue = idHex(value.toLowerCase().startsWith('0x') ? value : `0x${value}`);
        break;
      default:
        throw invalid(`Cannot filter on '${name}'; use key-reference, attr.label, attr.id, attr.class, attr.key-type or attr.check-value.`);
    }
  }
  return filter;
}

export function matchesFilter(key: KeyObject, filter: KeyFilter): boolean {
  return (
    (filter.handle === undefined || key.handle === filter.handle) &&
    (filter.id === undefined || key.id === filter.id) &&
    (filter.label === undefined || key.label === filter.label) &&
    (filter.keyClass === undefined || key.keyClass === filter.keyClass) &&
    (filter.keyType === undefined || key.keyType === filter.keyType) &&
    (filter.checkValue === undefined || key.checkValue === filter.checkValue)
  );
}

/** CloudHSM CLI's key-reference: the handle as 0x and 16 hex digits. */
export const keyReference = (handle: number) => `0x${handle.toString(16).padStart(16, '0')}`;

export const canUse = (key: KeyObject, username: string) => key.owner === username || key.sharedUsers.includes(username);

/**
 * The key objects of a cluster. Crypto users create keys and own them; a key is visible to its
 * owner and the users it is shared with; only the owner deletes it. Admins see every key but use
 * and delete none.
 */
export class ClusterKeys {
  constructor(
    private readonly deps: { contents: ClusterContents; sessions: HsmSessions; engine: HsmEngine; random: Random },
  ) {}

  /** A persistent, non-extractable (unless asked) AES key owned by the caller, a crypto user. */
  async create(scope: Scope, clusterId: string, sessionId: string, spec: NewKey): Promise<KeyObject> {
    const served = await this.deps.contents.serving(scope, clusterId);
    const caller = await this.caller(served, sessionId);
    if (caller.role !== 'crypto-user') {
      throw new HsmAccessDenied('PERMISSION_DENIED', `Only a crypto-user can create keys; you are logged in as ${caller.username} (${caller.role}).`);
    }
    if (spec.label.length > MAX_LABEL) throw invalid(`A key label is at most ${MAX_LABEL} characters.`);
    const id = spec.id === undefined ? this.deps.random.bytes(8).toString('hex') : idHex(spec.id.startsWith('0x') ? spec.id : `0x${spec.id}`);
    const sizeBytes = spec.sizeBytes ?? 32;
    if (![16, 24, 32].includes(sizeBytes)) throw invalid(`An AES key is 16, 24 or 32 bytes long, not ${sizeBytes}.`);
    const at = { ...placement(served.cluster, sessionId), label: spec.label };
    const generated = await engineCall(served.cluster, () => this.deps.engine.generateAesKey(id, sizeBytes, at));
    let created: KeyObject | undefined;
    await this.deps.contents.change(served.cluster, (c) => {
      created = {
        handle: c.nextHandle,
        id,
        label: spec.label,
        owner: caller.username,
        sharedUsers: [],
        keyClass: 'secret-key',
        keyType: 'aes',
        sizeBytes,
        checkValue: generated.checkValue,
        extractable: spec.extractable ?? false,
        material: generated.material,
        engine: this.deps.engine.name,
      };
      return { ...c, keys: [...c.keys, created], nextHandle: c.nextHandle + 1 };
    });
    return created!;
  }

  /** The keys the caller may see that match the filter, in handle order. */
  async list(scope: Scope, clusterId: string, sessionId: string, filter: KeyFilter = {}): Promise<KeyObject[]> {
    const served = await this.deps.contents.serving(scope, clusterId);
    const caller = await this.caller(served, sessionId);
    return visible(served.content.keys, caller)
      .filter((k) => matchesFilter(k, filter))
      .sort((a, b) => a.handle - b.handle);
  }

  /** One key by handle: the caller must own it or share it. */
  async get(scope: Scope, clusterId: string, sessionId: string, handle: number): Promise<KeyObject> {
    const served = await this.deps.contents.serving(scope, clusterId);
    const caller = await this.caller(served, sessionId);
    const key = served.content.keys.find((k) => k.handle === handle);
    if (!key) throw keyNotFound(`No key has the key reference ${keyReference(handle)}.`);
    if (!canUse(key, caller.username)) throw accessDenied(`${caller.username} neither owns nor shares the key ${keyReference(handle)}.`);
    return key;
  }

  /**
   * Deletes exactly one key, which the caller must own. It leaves the HSMs, but its material is
   * not destroyed: backups may still hold the key object, and a cluster restored from one must be
   * able to use it.
   */
  async remove(scope: Scope, clusterId: string, sessionId: string, filter: KeyFilter): Promise<KeyObject> {
    const served = await this.deps.contents.serving(scope, clusterId);
    const caller = await this.caller(served, sessionId);
    const pick = (keys: KeyObject[]): KeyObject => {
      const matched = visible(keys, caller).filter((k) => matchesFilter(k, filter));
      if (matched.length > 1) {
        throw new HsmInvalidRequest('AMBIGUOUS_FILTER', `The filter matched ${matched.length} keys; key delete removes exactly one. Narrow the filter (for example key-reference=0x…).`);
      }
      const key = matched[0];
      if (!key) {
        // A handle that exists but is not the caller's: the HSM says access denied, not unknown.
        if (filter.handle !== undefined && keys.some((k) => k.handle === filter.handle)) {
          throw accessDenied(`${caller.username} does not own the key ${keyReference(filter.handle)}; only its owner can delete it.`);
        }
        throw keyNotFound('No key matched the filter.');
      }
      if (key.owner !== caller.username) throw accessDenied(`${caller.username} does not own the key ${keyReference(key.handle)}; only its owner (${key.owner}) can delete it.`);
      return key;
    };
    pick(served.content.keys);
    let removed: KeyObject | undefined;
    await this.deps.contents.change(served.cluster, (c) => {
      removed = pick(c.keys);
      return { ...c, keys: c.keys.filter((k) => k.handle !== removed!.handle) };
    });
    await this.leftHsms(served.cluster, removed!);
    return removed!;
  }

  /** A key object deleted from the cluster's content: the HSMs' copies of it go (PKCS#11 tokens hold one each). */
  async leftHsms(cluster: ClusterRecord, key: KeyObject): Promise<void> {
    if (key.engine !== this.deps.engine.name) return;
    await engineCall(cluster, () => this.deps.engine.destroy({ objectId: key.id, material: key.material, label: key.label }, placement(cluster)));
  }

  /** cloudhsm_mgmt_util's findAllKeys: the keys a user owns or shares; admins (COs) only. */
  async ofUser(scope: Scope, clusterId: string, sessionId: string, userId: number): Promise<Array<{ key: KeyObject; shared: boolean }>> {
    const served = await this.deps.contents.serving(scope, clusterId);
    const caller = await this.caller(served, sessionId);
    if (caller.role !== 'admin' && caller.role !== 'appliance') {
      throw new HsmAccessDenied('PERMISSION_DENIED', `Only an admin can list another user's keys; you are logged in as ${caller.username} (${caller.role}).`);
    }
    const user = served.content.users.find((u) => u.userId === userId);
    if (!user) throw new HsmNotFound('USER_NOT_FOUND', `There is no user with id ${userId}.`);
    return served.content.keys
      .filter((k) => canUse(k, user.username))
      .sort((a, b) => a.handle - b.handle)
      .map((key) => ({ key, shared: key.sharedUsers.length > 0 }));
  }

  private async caller(served: Served, sessionId: string): Promise<HsmUser> {
    const session = await this.deps.sessions.require(served.cluster.clusterId, sessionId);
    const user = served.content.users.find((u) => u.username === session.username);
    if (!user) throw new HsmAccessDenied('NOT_LOGGED_IN', `The user of this session, ${session.username}, no longer exists; log in again.`);
    return user;
  }
}

function visible(keys: KeyObject[], caller: HsmUser): KeyObject[] {
  return caller.role === 'admin' ? keys : keys.filter((k) => canUse(k, caller.username));
}

function parseHandle(value: string): number {
  const m = /^0x([0-9a-f]{1,16})$/i.exec(value) ?? /^(\d{1,16})$/.exec(value);
  const n = m ? (value.toLowerCase().startsWith('0x') ? parseInt(m[1]!, 16) : Number(m[1])) : NaN;
  if (!Number.isSafeInteger(n)) throw invalid(`'${value}' is not a key reference; write it as 0x followed by hex digits.`);
  return n;
}

/** `0x…` is hex; anything else stands for its own UTF-8 bytes. */
function idHex(value: string): string {
  if (/^0x/i.test(value)) {
    const hex = value.slice(2).toLowerCase();
    if (!/^([0-9a-f]{2})*$/.test(hex)) throw invalid(`'${value}' is not hex bytes (an even number of hex digits after 0x).`);
    return hex;
  }
  return Buffer.from(value, 'utf8').toString('hex');
}

const unquote = (v: string) => (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) ? v.slice(1, -1) : v);
const invalid = (message: string) => new HsmInvalidRequest('INVALID_INPUT', message);
const keyNotFound = (message: string) => new HsmNotFound('KEY_NOT_FOUND', message);
const accessDenied = (message: string) => new HsmAccessDenied('KEY_ACCESS_DENIED', message);
