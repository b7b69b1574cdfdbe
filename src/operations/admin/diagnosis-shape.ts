import type { Report } from '../../doctor/diagnose.js';
import type { Finding, FixStep } from '../../doctor/finding.js';
import type { DiagnoseCustomKeyStoreResponse, DoctorFinding, FixStep as WireFixStep } from './model.types.js';

/** Doctor's report for one store as the admin endpoint answers it: the same findings `keywarden doctor --json` prints, in AWS-style member names. */
export function diagnosisToWire(r: Report): DiagnoseCustomKeyStoreResponse {
  return {
    Status: r.status,
    Findings: r.findings.map(findingToWire),
    NotChecked: r.notChecked.map((n) => ({
      Check: n.check,
      ...(n.customKeyStoreId !== undefined && { CustomKeyStoreId: n.customKeyStoreId }),
      Reason: n.reason,
      Commands: { AwsCli: n.commands.awsCli, CloudHsmCli: n.commands.cloudhsmCli, LegacyTools: n.commands.legacyTools },
      Essential: n.essential,
    })),
    ...(r.problem !== undefined && { Problem: r.problem }),
  };
}

function findingToWire(f: Finding): DoctorFinding {
  return {
    Severity: f.severity,
    Code: f.code,
    ...(f.customKeyStoreId !== undefined && { CustomKeyStoreId: f.customKeyStoreId }),
    ...(f.keyId !== undefined && { KeyId: f.keyId }),
    Title: f.title,
    Cause: f.cause,
    // The wire map holds strings: numbers, booleans and null keep their JSON spelling.
    Evidence: Object.fromEntries(Object.entries(f.evidence).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
    Fix: {
      Steps: f.fix.steps.map(stepToWire),
      AwsCli: f.fix.awsCli,
      CloudHsmCli: f.fix.cloudhsmCli,
      LegacyTools: f.fix.legacyTools,
      ...(f.fix.keywarden !== undefined && { Keywarden: f.fix.keywarden }),
    },
    Guide: f.guide,
  };
}

function stepToWire(s: FixStep): WireFixStep {
  return {
    Say: s.say,
    ...(s.awsCli !== undefined && { AwsCli: s.awsCli }),
    ...(s.cloudhsmCli !== undefined && { CloudHsmCli: s.cloudhsmCli }),
    ...(s.legacyTools !== undefined && { LegacyTools: s.legacyTools }),
    ...(s.keywarden !== undefined && { Keywarden: s.keywarden }),
  };
}
