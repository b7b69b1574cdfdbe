// What /health and /ready answer. Liveness says the process answers and describes it; readiness
// says whether it can do its work now: the store answers and the audit trail can take records
// (a call is answered only once its record is written, so without the trail every call fails).

export interface AuditCondition {
  /** 'off' when the service was started with --audit off. */
  state: 'on' | 'off';
  /** Why records cannot be written now, if so. */
  problem?: string;
  /** Bytes written to the write-ahead log and not yet indexed. */
  backlogBytes?: number;
}

export interface HealthSources {
  version: string;
  /** When the service started, by the system clock (uptime is not moved by the service clock). */
  startedAt: number;
  store: { kind: string; location: string };
  engine: string;
  /** Why the store cannot be used now, if so. */
  storeProblem(): string | undefined;
  audit(): AuditCondition;
  now?: () => number;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  /** The process that answered: one of several behind a port (serve --workers) or a balancer. */
  pid: number;
  uptimeSeconds: number;
  store: { kind: string; location: string; problem?: string };
  engine: string;
  audit: { state: 'recording' | 'off' | 'failing'; problem?: string; backlogBytes?: number };
}

export interface Check {
  ok: boolean;
  problem?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: { store: Check; auditLog: Check };
}

export function healthReport(s: HealthSources): HealthReport {
  const storeProblem = safely(s.storeProblem);
  const audit = auditOf(s);
  const auditState = audit.state === 'off' ? 'off' : audit.problem === undefined ? 'recording' : 'failing';
  return {
    status: storeProblem === undefined && audit.problem === undefined ? 'ok' : 'degraded',
    version: s.version,
    pid: process.pid,
    uptimeSeconds: Math.max(0, Math.round(((s.now ?? Date.now)() - s.startedAt) / 100) / 10),
    store: { ...s.store, ...(storeProblem === undefined ? {} : { problem: storeProblem }) },
    engine: s.engine,
    audit: {
      state: auditState,
      ...(audit.problem === undefined ? {} : { problem: audit.problem }),
      ...(audit.backlogBytes === undefined ? {} : { backlogBytes: audit.backlogBytes }),
    },
  };
}

export function readinessReport(s: HealthSources): ReadinessReport {
  const store = check(safely(s.storeProblem));
  const audit = auditOf(s);
  const auditLog = check(audit.state === 'off' ? undefined : audit.problem);
  return { ready: store.ok && auditLog.ok, checks: { store, auditLog } };
}

const check = (problem: string | undefined): Check => (problem === undefined ? { ok: true } : { ok: false, problem });

function auditOf(s: HealthSources): AuditCondition {
  try {
    return s.audit();
  } catch (err) {
    return { state: 'on', problem: err instanceof Error ? err.message : String(err) };
  }
}

/** A probe that throws has found its problem. */
function safely(probe: () => string | undefined): string | undefined {
  try {
    return probe();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
