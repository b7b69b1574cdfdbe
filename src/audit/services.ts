import type { Clock } from '../core/clock.js';
import type { AuditStore } from './repository.js';
import type { AuditTrail } from './trail.js';

/** The audit trail as the operations see it: LookupEvents, export and verification read the store. */
export interface AuditServices {
  store: AuditStore;
  clock: Clock;
  /** The writing side; absent when the service runs with `--audit off` (nothing new is recorded). */
  trail?: AuditTrail;
}
