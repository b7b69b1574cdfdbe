import type { Clock } from '../core/clock.js';
import type { KeyAuthorizer } from './authorization.js';
import type { Caller } from './context.js';
import { keyArn } from './key.js';
import { resolveKey } from './key-resolver.js';
import type { KmsStore } from './repository.js';

/** The operations whose success counts as a use of a key (KeyLastUsageTrackingOperation). */
export const TRACKED_OPERATIONS = [
  'Decrypt',
  'DeriveSharedSecret',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'ReEncrypt',
  'Sign',
  'Verify',
  'VerifyMac',
] as const;

export type TrackedOperation = (typeof TRACKED_OPERATIONS)[number];

const TRACKED: ReadonlySet<string> = new Set(TRACKED_OPERATIONS);

/** The last successful cryptographic call on one key, as its audit record tells it. */
export interface KeyUse {
  keyArn: string;
  operation: TrackedOperation;
  /** The record's eventTime, in milliseconds (whole seconds, as CloudTrail has it). */
  timestamp: number;
  /**
   * When the record was made, to the millisecond: which of two uses in one second is the later,
   * whichever node noted it. Uses stored before it was kept have their timestamp here.
   */
  at: number;
  eventId: string;
  requestId: string;
}

/** Where the last uses are kept across restarts, and shared by the nodes of a shared store; storage implements it. */
export interface KeyUsageRepository {
  all(): Promise<KeyUse[]>;
  /** The stored use of one key, if any. */
  get(keyArn: string): Promise<KeyUse | undefined>;
  /**
   * Replaces the stored use of each key named, unless the stored one is newer by `at` (another
   * node saved a later use of the key first).
   */
  save(uses: KeyUse[]): Promise<void>;
}

/** What GetKeyLastUsage answers for one key. */
export interface KeyLastUsage {
  keyId: string;
  keyArn: string;
  createdAt: number;
  /** Since when uses of this key are recorded: the key's creation or the start of tracking, whichever is later. */
  trackingStart: number;
  use?: KeyUse;
}

/** The setting that says when this data directory began to record key uses. */
export const TRACKING_SINCE = 'key-usage-tracking-since';

export interface KeyUsageDeps {
  store: KmsStore;
  clock: Clock;
  authorizer?: KeyAuthorizer;
}

export interface KeyUsageOptions {
  /**
   * On a store that other nodes share, how long (real time, in milliseconds) after a use is noted
   * it is written, with every use noted meanwhile, so that GetKeyLastUsage on the other nodes
   * shows it that soon. Without it, uses are written by the maintenance run.
   */
  writeBehindMs?: number;
  /** How many keys' last uses are kept in memory (LAST_USES_KEPT). */
  lastUsesKept?: number;
}

/** The delay of a noted use's write on a store other nodes share: the lag GetKeyLastUsage shows there. */
export const SHARED_WRITE_BEHIND_MS = 200;

/** Last uses kept in memory: the keys used most recently. Older ones are read from the store when asked for. */
const LAST_USES_KEPT = 10_000;

/**
 * The last use of every key. Uses are noted in memory as their audit records are written, which
 * costs the cryptographic calls no storage write of their own; `flush` (a maintenance task, at
 * shutdown, and shortly after a use on a shared store) writes the keys used since the last flush
 * in one transaction. A crash loses at most the uses noted since the last flush: the key then
 * shows its previous last use. Other nodes of a shared store see a use once it is written, as
 * AWS KMS's eventual consistency allows.
 */
export class KeyUsageService {
  /** The last uses this node noted (a bounded few); GetKeyLastUsage takes the later of this and the stored one. */
  private readonly last = new Map<string, KeyUse>();
  private dirty = new Map<string, KeyUse>();
  private trackingSince: number | undefined;
  private loading: Promise<void> | undefined;
  private writeBehind: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: KeyUsageDeps,
    private readonly options: KeyUsageOptions = {},
  ) {}

  /** Reads when tracking started (set now when this data directory has none). */
  load(): Promise<void> {
    this.loading ??= (async () => {
      const { settings } = this.deps.store;
      const stored = await settings.get(TRACKING_SINCE);
      let since = Number(stored);
      if (stored === undefined || !Number.isFinite(since)) {
        since = this.deps.clock.now();
        await settings.set(TRACKING_SINCE, String(since));
      }
      this.trackingSince = since;
    })();
    return this.loading;
  }

  /**
   * Notes a successful call on the keys it used, once its audit record is written. Calls that are
   * not cryptographic operations on a key are ignored; ReEncrypt counts for both of its keys.
   */
  noteCall(operation: string, keyArns: readonly string[], record: { timestamp: number; at: number; eventId: string; requestId: string }): void {
    if (!TRACKED.has(operation)) return;
    for (const arn of keyArns) {
      // A use not written yet is in `dirty` even when `last` let it go.
      const known = this.last.get(arn) ?? this.dirty.get(arn);
      // A slow call's record may be written after a later call's.
      if (known && known.at > record.at) continue;
      const use: KeyUse = { keyArn: arn, operation: operation as TrackedOperation, ...record };
      // Bounded: what is not here any more is in the store (which keeps the later of two uses).
      if (!this.last.has(arn) && this.last.size >= (this.options.lastUsesKept ?? LAST_USES_KEPT)) this.last.delete(this.last.keys().next().value!);
      this.last.set(arn, use);
      this.dirty.set(arn, use);
    }
    if (this.dirty.size > 0) this.writeSoon();
  }

  private writeSoon(): void {
    const ms = this.options.writeBehindMs;
    if (ms === undefined || this.writeBehind) return;
    this.writeBehind = setTimeout(() => {
      this.writeBehind = undefined;
      // A failed write keeps its uses for the next flush; the maintenance run reports a failure that lasts.
      this.flush().catch(() => {});
    }, ms);
    this.writeBehind.unref();
  }

  /** GetKeyLastUsage: the key named by key id or ARN (not alias), authorized as the caller's GetKeyLastUsage, in any key state. */
  async lastUsage(caller: Caller, keyId: string): Promise<KeyLastUsage> {
    await this.load();
    const key = await resolveKey(this.deps, caller, keyId, 'keyOnly', 'GetKeyLastUsage');
    const arn = keyArn(key, key.keyId);
    const out: KeyLastUsage = {
      keyId: key.keyId,
      keyArn: arn,
      createdAt: key.createdAt,
      trackingStart: Math.max(key.createdAt, this.trackingSince!),
    };
    // Another node of a shared store may have saved a later use (within its write-behind delay).
    const mine = this.last.get(arn);
    const stored = await this.deps.store.keyUsage.get(arn);
    const use = !mine || (stored && stored.at >= mine.at) ? stored : mine;
    if (use) out.use = use;
    return out;
  }

  /** Writes the uses noted since the last flush. */
  async flush(): Promise<void> {
    clearTimeout(this.writeBehind);
    this.writeBehind = undefined;
    await this.load();
    if (this.dirty.size === 0) return;
    const uses = [...this.dirty.values()];
    this.dirty = new Map();
    try {
      await this.deps.store.keyUsage.save(uses);
    } catch (err) {
      // Kept for the next flush unless a newer use of the key came in meanwhile.
      for (const use of uses) if (!this.dirty.has(use.keyArn)) this.dirty.set(use.keyArn, use);
      throw err;
    }
  }
}
