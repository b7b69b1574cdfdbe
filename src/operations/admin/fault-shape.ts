import type { Fault } from '../../cluster/faults.js';
import { epochSeconds } from '../wire.js';
import type { ClearFaultRequest, Fault as WireFault, SetFaultRequest } from './model.types.js';

/** A fault as the admin endpoint shows it: its kind, what it applies to, and since when. */
export function faultToWire(f: Fault): WireFault {
  return {
    Fault: f.kind,
    ...(f.kind === 'CONNECT_INTERNAL_ERROR' ? { CustomKeyStoreId: f.target } : { ClusterId: f.target }),
    ...(f.sessionsPerHsm !== undefined && { SessionsPerHsm: f.sessionsPerHsm }),
    CreatedAt: epochSeconds(f.createdAt),
  };
}

/** The fault named in a SetFault or ClearFault request: its kind and its target. */
export function faultOf(input: SetFaultRequest | ClearFaultRequest): { kind: string; target: string | undefined } {
  return { kind: input.Fault, target: input.Fault === 'CONNECT_INTERNAL_ERROR' ? input.CustomKeyStoreId : input.ClusterId };
}
