import adminModel from './model.json' with { type: 'json' };
import { AccessDeniedException, ValidationException } from '../../core/common-errors.js';
import { DAY_MS, LATEST_SERVICE_TIME_MS, type OffsetClock } from '../../core/clock.js';
import type { Maintenance } from '../../core/maintenance.js';
import type { Scheduler } from '../../core/scheduler.js';
import { UnknownOperationException } from '../../protocol/errors.js';
import type { ServiceModel } from '../../protocol/model.js';
import { operationMap, type ServiceDefinition } from '../../protocol/service.js';
import { parseDuration } from '../../core/duration.js';
import { epochSeconds } from '../wire.js';
import type { FaultRegistry } from '../../cluster/faults.js';
import type { ClusterServices } from '../../cluster/services.js';
import type { KeyStoreServices } from '../../keystores/services.js';
import type { AuditServices } from '../../audit/services.js';
import { backupCluster } from './backup-cluster.js';
import { clearFault } from './clear-fault.js';
import { createSubnet } from './create-subnet.js';
import { deleteBackingKey } from './delete-backing-key.js';
import { deleteSubnet } from './delete-subnet.js';
import { exportAuditEvents } from './export-audit-events.js';
import { listFaults } from './list-faults.js';
import { listSubnets } from './list-subnets.js';
import { setFault } from './set-fault.js';
import { setFreeAddresses } from './set-free-addresses.js';
import { verifyAuditTrail } from './verify-audit-trail.js';
import { explainAuthorization } from './explain-authorization.js';
import { diagnoseCustomKeyStore } from './diagnose-custom-key-store.js';
import type { StoreDoctor } from './store-doctor.js';
import type { CallerIdentity } from '../../authz/index.js';
import type { KmsServices } from '../../kms/services.js';
import type { AdminOperations, ClockView } from './model.types.js';
import { adminOperation } from './operation.js';

/** Keywarden's own control plane, on the same endpoint, for the `keywarden` CLI. */
export interface AdminApp {
  clock: OffsetClock;
  /** Whether the clock follows the system's or moves only when advanced (`serve --clock manual`). */
  clockMode: 'real' | 'manual';
  /** Delayed work, told when the clock jumps forward. */
  scheduler: Scheduler;
  allowClockControl: boolean;
  /**
   * Moves the clock through the store: `change` gets the offset it holds (another node's latest, on
   * a shared store) and returns the next, or throws to refuse; every node's clock follows.
   */
  moveClock(change: (offsetMs: number) => number): Promise<void>;
  maintenance: Maintenance;
  /** The network and cluster side, for `keywarden network …` and `keywarden cluster backup`. */
  cluster: ClusterServices;
  /** The audit trail, for `keywarden audit export` and `keywarden audit verify`. */
  audit: AuditServices;
  /** The faults an operator switches on to rehearse the troubleshooting guide. */
  faults: FaultRegistry;
  /** Custom key stores: the stores a fault names, and backing keys deleted behind KMS's back. */
  keyStores: KeyStoreServices;
  /** The KMS domain and the credentials file's principals, for `keywarden policy explain`. */
  kms: KmsServices;
  identityOf(principalArn: string): CallerIdentity | undefined;
  /** `keywarden doctor` for one store, read through this service as the caller, for the console. */
  storeDoctor: StoreDoctor;
}

const getClock = adminOperation('GetClock', (_input, _ctx, app) => clockView(app));

const clockControlOff = () => new AccessDeniedException('Clock control is off. Start the service with --allow-clock-control to move its clock.');

const advanceClock = adminOperation('AdvanceClock', async (input, _ctx, app) => {
  if (!app.allowClockControl) throw clockControlOff();
  const ms = parseDuration(input.Duration);
  if (ms === undefined) throw new ValidationException(`Duration '${input.Duration}' is not valid; use forms like 30d, 12h, 15m or 90s.`);
  // Decided on the offset the store holds: two advances on two nodes at once add up.
  await app.moveClock((offsetMs) => {
    const room = app.clock.roomWith(offsetMs);
    if (ms > room) {
      throw new ValidationException(
        `Duration '${input.Duration}' would move the service clock past ${new Date(LATEST_SERVICE_TIME_MS).toISOString()}, the latest time it can show ` +
          `(the dates it sets up to 20 years ahead must stay within the year 9999); it can move forward by at most ${Math.floor(room / DAY_MS)}d.`,
      );
    }
    return offsetMs + ms;
  });
  await app.scheduler.clockMoved();
  await app.maintenance.runOnce({ afterClockMove: true });
  return clockView(app);
});

/** Back to the system time. What the service did while its clock was ahead stays done, with the times it had. */
const resetClock = adminOperation('ResetClock', async (_input, _ctx, app) => {
  if (!app.allowClockControl) throw clockControlOff();
  await app.moveClock(() => 0);
  return clockView(app);
});

function clockView(app: AdminApp): ClockView {
  return { Now: epochSeconds(app.clock.now()), OffsetSeconds: app.clock.offset / 1000, ClockControl: app.allowClockControl, Clock: app.clockMode };
}

export const adminService: ServiceDefinition<AdminApp> = {
  targetPrefix: 'KeywardenAdmin',
  signingName: 'keywarden',
  // Keywarden's own: AWS has no model of it. Its input constraints are data all the same, checked
  // by the engine that checks the AWS models, before any handler runs (model.json).
  model: adminModel as ServiceModel,
  messageMember: 'message',
  // Keywarden's own actions, for identity policies: keywarden:AdvanceClock, keywarden:SetFault, ...
  iam: { prefix: 'keywarden', decidesAlone: () => true },
  operations: operationMap<AdminApp, AdminOperations>([getClock, advanceClock, resetClock, listSubnets, createSubnet, deleteSubnet, setFreeAddresses, backupCluster, setFault, clearFault, listFaults, deleteBackingKey, exportAuditEvents, verifyAuditTrail, explainAuthorization, diagnoseCustomKeyStore]),
  notImplemented: (op) => new UnknownOperationException(`Operation ${op} is not known.`),
};
