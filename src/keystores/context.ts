import type { ClusterReader } from '../cluster/content.js';
import type { FaultRegistry } from '../cluster/faults.js';
import type { HsmServices } from '../cluster/hsm-services.js';
import type { Subnet } from '../cluster/model.js';
import type { Clock } from '../core/clock.js';
import type { ServiceEventSink } from '../core/events.js';
import type { Random } from '../core/random.js';
import type { Jobs } from '../core/leases.js';
import type { Scheduler } from '../core/scheduler.js';
import type { Sealer } from '../core/sealer.js';
import type { KeyRepository } from '../kms/repository.js';
import type { CustomKeyStoreRecord, Scope } from './model.js';
import type { CustomKeyStoreRepository } from './repository.js';

/** What the custom key store services are built from. */
export interface KeyStoreDeps {
  stores: CustomKeyStoreRepository;
  /** The KMS keys: which keys a store holds, and their backing keys' health. */
  keys: KeyRepository;
  /** Cluster records, with due transitions completed (the cluster service's `find`). */
  clusters: ClusterReader;
  subnets: { get(scope: Scope, subnetId: string): Promise<Subnet | undefined> };
  /** What the clusters' HSMs offer: logins, key objects, cryptography. */
  hsm: HsmServices;
  faults: FaultRegistry;
  sealer: Sealer;
  clock: Clock;
  random: Random;
  events: ServiceEventSink;
  /** How long a connection attempt takes (AWS: up to 20 minutes; here 1 s unless configured). */
  connectDelayMs: number;
  /** Runs the connect worker when an attempt is due. */
  scheduler: Scheduler;
  /** Claims background work (an attempt, the health check) so that one node of a shared store does it. */
  jobs: Jobs;
  /** Where failures of background work are reported. */
  onError?: (err: unknown) => void;
}

export const DEFAULT_CONNECT_DELAY_MS = 1_000;
/** Custom key stores per account and Region (all types, any state; AWS's quota is not adjustable). */
export const MAX_STORES_PER_SCOPE = 10;

// The kmsuser password and the service's session token are secrets: kept sealed under the root
// key, each bound to its store, never returned and never logged.

const passwordAad = (id: string) => `custom-key-store:${id}:kmsuser-password`;
const sessionAad = (id: string) => `custom-key-store:${id}:session`;

export const sealPassword = (sealer: Sealer, id: string, password: string) =>
  sealer.seal(Buffer.from(password, 'utf8'), passwordAad(id)).toString('base64');
export const openPassword = (sealer: Sealer, s: CustomKeyStoreRecord) => openSealedPassword(sealer, s.customKeyStoreId, s.sealedPassword);
/** A password sealed by sealPassword, current or pending: both are kmsuser's, for the same store. */
export const openSealedPassword = (sealer: Sealer, id: string, sealed: string) => sealer.open(Buffer.from(sealed, 'base64'), passwordAad(id)).toString('utf8');
export const sealSession = (sealer: Sealer, id: string, sessionId: string) =>
  sealer.seal(Buffer.from(sessionId, 'utf8'), sessionAad(id)).toString('base64');

/**
 * The session each store's record holds, as last opened: every cryptographic call of a store's keys
 * needs it, and it changes only when the store connects again. Keyed by the sealed text, so a new
 * session (a new seal) is opened afresh; held as long as the service holds the session anyway.
 */
const openedSessions = new WeakMap<Sealer, Map<string, { sealed: string; sessionId: string }>>();
const OPENED_SESSIONS_LIMIT = 1000;

export function openSession(sealer: Sealer, s: CustomKeyStoreRecord): string | undefined {
  const sealed = s.sealedSession;
  if (sealed === undefined) return undefined;
  let opened = openedSessions.get(sealer);
  if (!opened) openedSessions.set(sealer, (opened = new Map()));
  const known = opened.get(s.customKeyStoreId);
  if (known?.sealed === sealed) return known.sessionId;
  const sessionId = sealer.open(Buffer.from(sealed, 'base64'), sessionAad(s.customKeyStoreId)).toString('utf8');
  if (!known && opened.size >= OPENED_SESSIONS_LIMIT) opened.delete(opened.keys().next().value!);
  opened.set(s.customKeyStoreId, { sealed, sessionId });
  return sessionId;
}
