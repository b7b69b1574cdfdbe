import type { Fault } from '../../cluster/faults.js';
import { ValidationException } from '../../core/common-errors.js';
import { epochSeconds } from '../wire.js';

/** A fault as the admin endpoint shows it: its kind, what it applies to, and since when. */
export function faultToWire(f: Fault): Record<string, unknown> {
  const out: Record<string, unknown> = { Fault: f.kind };
  if (f.kind === 'CONNECT_INTERNAL_ERROR') out.CustomKeyStoreId = f.target;
  else out.ClusterId = f.target;
  if (f.sessionsPerHsm !== undefined) out.SessionsPerHsm = f.sessionsPerHsm;
  out.CreatedAt = epochSeconds(f.createdAt);
  return out;
}

/** The fault named in a SetFault or ClearFault request: its kind and its target. */
export function faultOf(input: Record<string, unknown>): { kind: string; target: string | undefined } {
  const kind = input.Fault;
  if (typeof kind !== 'string') throw new ValidationException('Fault is required: NETWORK_CUT, CONNECT_INTERNAL_ERROR or SESSION_LIMIT.');
  const target = kind === 'CONNECT_INTERNAL_ERROR' ? input.CustomKeyStoreId : input.ClusterId;
  return { kind, target: typeof target === 'string' ? target : undefined };
}
