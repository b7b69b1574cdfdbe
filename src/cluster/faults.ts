import type { Clock } from '../core/clock.js';
import { ValidationException } from '../core/common-errors.js';

/**
 * Failures an operator switches on to rehearse the troubleshooting guide, beyond those that the
 * ordinary calls already produce (deleting HSMs, clusters, subnets or backing keys):
 *
 * - `NETWORK_CUT` (a cluster): the service's network path to the cluster is blocked, as by a
 *   security group or network ACL rule. Connecting a key store ends in NETWORK_ERRORS, and
 *   cryptographic calls get "KMS cannot communicate with your CloudHSM cluster".
 * - `CONNECT_INTERNAL_ERROR` (a custom key store): its next connection attempt fails with
 *   INTERNAL_ERROR; the fault is used up by that attempt.
 * - `SESSION_LIMIT` (a cluster): each of its HSMs holds only `sessionsPerHsm` sessions, so a
 *   burst of calls runs out of PKCS #11 sessions.
 */
export type FaultKind = 'NETWORK_CUT' | 'CONNECT_INTERNAL_ERROR' | 'SESSION_LIMIT';

export const FAULT_KINDS: readonly FaultKind[] = ['NETWORK_CUT', 'CONNECT_INTERNAL_ERROR', 'SESSION_LIMIT'];

export interface Fault {
  kind: FaultKind;
  /** A cluster id (NETWORK_CUT, SESSION_LIMIT) or a custom key store id (CONNECT_INTERNAL_ERROR). */
  target: string;
  /** SESSION_LIMIT only. */
  sessionsPerHsm?: number;
  createdAt: number;
}

/** Where faults are kept, so that they survive a restart. */
export interface FaultRepository {
  list(): Promise<Fault[]>;
  /** Adds the fault, replacing one of the same kind and target. */
  put(fault: Fault): Promise<void>;
  /** True when a fault of that kind and target existed (exactly one caller gets true). */
  remove(kind: FaultKind, target: string): Promise<boolean>;
}

const CLUSTER_ID = /^cluster-[2-7a-zA-Z]{11,16}$/;
const STORE_ID = /^cks-[0-9a-f]{17}$/;

/**
 * The faults in force. Reads are synchronous, from a copy loaded at start and kept current by
 * this process's own changes (the session capacity of an HSM is computed on every call), and by
 * a reload when another node of a shared store changed them (core/shared-state.ts).
 */
export class FaultRegistry {
  private faults = new Map<string, Fault>();

  constructor(
    private readonly repo: FaultRepository,
    private readonly clock: Clock,
  ) {}

  /** Reads the faults from the store: at start, and on a shared store whenever another node changed them. */
  async load(): Promise<this> {
    const loaded = new Map<string, Fault>();
    for (const f of await this.repo.list()) loaded.set(keyOf(f.kind, f.target), f);
    // Swapped whole: a call meanwhile sees the faults before or after, never none.
    this.faults = loaded;
    return this;
  }

  /** Throws ValidationException unless `kind` is a fault and `target` an id of the form it applies to. */
  check(kind: string, target: string | undefined): void {
    checkTarget(checkKind(kind), target);
  }

  async set(kind: string, target: string | undefined, sessionsPerHsm?: number): Promise<Fault> {
    const k = checkKind(kind);
    const t = checkTarget(k, target);
    const fault: Fault = { kind: k, target: t, createdAt: this.clock.now() };
    if (k === 'SESSION_LIMIT') {
      if (sessionsPerHsm === undefined || !Number.isInteger(sessionsPerHsm) || sessionsPerHsm < 1) {
        throw new ValidationException('SESSION_LIMIT needs SessionsPerHsm, a whole number of sessions per HSM (1 or more).');
      }
      fault.sessionsPerHsm = sessionsPerHsm;
    } else if (sessionsPerHsm !== undefined) {
      throw new ValidationException(`SessionsPerHsm applies only to SESSION_LIMIT, not to ${k}.`);
    }
    await this.repo.put(fault);
    this.faults.set(keyOf(k, t), fault);
    return fault;
  }

  /** False when no such fault was in force. */
  async clear(kind: string, target: string | undefined): Promise<boolean> {
    const k = checkKind(kind);
    const t = checkTarget(k, target);
    this.faults.delete(keyOf(k, t));
    return this.repo.remove(k, t);
  }

  list(): Fault[] {
    return [...this.faults.values()].sort((a, b) => a.createdAt - b.createdAt || keyOf(a.kind, a.target).localeCompare(keyOf(b.kind, b.target)));
  }

  networkCut(clusterId: string): boolean {
    return this.faults.has(keyOf('NETWORK_CUT', clusterId));
  }

  sessionLimit(clusterId: string): number | undefined {
    return this.faults.get(keyOf('SESSION_LIMIT', clusterId))?.sessionsPerHsm;
  }

  /** Uses up a one-shot fault: true (once) when it was in force. */
  async consume(kind: 'CONNECT_INTERNAL_ERROR', target: string): Promise<boolean> {
    this.faults.delete(keyOf(kind, target));
    return this.repo.remove(kind, target);
  }
}

const keyOf = (kind: FaultKind, target: string) => `${kind}/${target}`;

function checkKind(kind: string): FaultKind {
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new ValidationException(`Fault '${kind}' is not known; use one of ${FAULT_KINDS.join(', ')}.`);
  }
  return kind as FaultKind;
}

function checkTarget(kind: FaultKind, target: string | undefined): string {
  if (kind === 'CONNECT_INTERNAL_ERROR') {
    if (target === undefined || !STORE_ID.test(target)) {
      throw new ValidationException(`${kind} needs CustomKeyStoreId, a custom key store id such as cks-1234567890abcdef0.`);
    }
  } else if (target === undefined || !CLUSTER_ID.test(target)) {
    throw new ValidationException(`${kind} needs ClusterId, a cluster id such as cluster-igklspoyj5v.`);
  }
  return target;
}
