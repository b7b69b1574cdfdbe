import { faultToWire } from './fault-shape.js';
import { adminOperation } from './operation.js';

export const listFaults = adminOperation('ListFaults', (_input, _ctx, app) => ({ Faults: app.faults.list().map(faultToWire) }));
