import type { Operation } from '../../protocol/service.js';
import { faultToWire } from './fault-shape.js';
import type { AdminApp } from './index.js';

export const listFaults: Operation<AdminApp> = {
  name: 'ListFaults',
  handle: (_input, _ctx, app) => ({ Faults: app.faults.list().map(faultToWire) }),
};
