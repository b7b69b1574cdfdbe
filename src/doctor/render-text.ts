import type { Report } from './diagnose.js';
import type { Finding, FixStep, NotChecked, Severity } from './finding.js';

// The report for people: per store, each finding with its cause, the values read and the fix as
// numbered steps, each step with its commands per tool; then what could not be checked, and a
// last line with the count and the exit status. Colour only when asked (a terminal).

const WIDTH = 100;

interface Style {
  severity(s: Severity, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

const plain: Style = { severity: (_s, t) => t, bold: (t) => t, dim: (t) => t };
const ansi: Style = {
  severity: (s, t) => `\x1b[${s === 'error' ? '31' : s === 'warning' ? '33' : '36'}m${t}\x1b[0m`,
  bold: (t) => `\x1b[1m${t}\x1b[0m`,
  dim: (t) => `\x1b[2m${t}\x1b[0m`,
};

/** Words wrapped to the width, every line indented. */
function wrap(text: string, indent: string, first = indent): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent + word;
    } else line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines;
}

const TOOLS: Array<[keyof FixStep, string]> = [
  ['awsCli', ''],
  ['cloudhsmCli', 'With the CloudHSM CLI:'],
  ['legacyTools', 'Or with cloudhsm_mgmt_util / key_mgmt_util:'],
  ['keywarden', 'Keywarden:'],
];

function renderFix(steps: FixStep[], s: Style): string[] {
  const out: string[] = [];
  steps.forEach((step, i) => {
    const n = `${i + 1}. `;
    out.push(...wrap(step.say, '         ', `      ${n}`.padEnd(9)));
    for (const [tool, label] of TOOLS) {
      const lines = step[tool] as string[] | undefined;
      if (!lines || lines.length === 0) continue;
      if (label) out.push(`         ${s.dim(label)}`);
      for (const l of lines) out.push(`           ${/^(aws-cloudhsm|Command:)/.test(l) ? l : `$ ${l}`}`);
    }
  });
  return out;
}

function renderFinding(f: Finding, s: Style): string[] {
  const out = [...wrap(`${f.code}: ${f.title}`, '    ', `  ${s.severity(f.severity, `[${f.severity}]`)} `).map((l, i) => (i === 0 ? s.bold(l) : l))];
  out.push(...wrap(f.cause, '    ', '    Cause: '));
  out.push('    Evidence:');
  for (const [k, v] of Object.entries(f.evidence)) out.push(...wrap(String(v), '        ', `      ${s.dim(`${k}:`)} `));
  out.push(`    Fix (AWS guide: "${f.guide}"):`);
  out.push(...renderFix(f.fix.steps, s));
  return out;
}

function renderNotChecked(n: NotChecked, s: Style): string[] {
  const out = wrap(`${n.check}${n.essential ? ' (needed to call it healthy)' : ''}`, '      ', '    - ');
  out.push(...wrap(`why: ${n.reason}`, '        ', '        '));
  const cmds: Array<[string[], string]> = [
    [n.commands.awsCli, ''],
    [n.commands.cloudhsmCli, 'With the CloudHSM CLI:'],
    [n.commands.legacyTools, 'Or with cloudhsm_mgmt_util:'],
  ];
  for (const [lines, label] of cmds) {
    if (lines.length === 0) continue;
    if (label) out.push(`        ${s.dim(label)}`);
    for (const l of lines) out.push(`          ${/^(aws-cloudhsm|Command:)/.test(l) ? l : `$ ${l}`}`);
  }
  return out;
}

export function renderText(report: Report, opts: { color?: boolean } = {}): string {
  const s = opts.color ? ansi : plain;
  const where = `${report.region}${report.endpoint ? ` at ${report.endpoint}` : ''}`;
  const lines: string[] = [];
  if (report.problem !== undefined) {
    lines.push(`keywarden doctor: could not check ${report.keyId ? `key ${report.keyId}` : 'the custom key stores'} in ${where}.`);
    lines.push(...wrap(report.problem, '  ', '  '));
    lines.push('', 'Exit status 2: could not check.');
    return lines.join('\n') + '\n';
  }
  const n = report.customKeyStores.length;
  lines.push(`keywarden doctor: ${n === 0 ? 'no AWS CloudHSM key stores' : `${n} AWS CloudHSM key store${n === 1 ? '' : 's'}`} in ${where}${report.keyId ? `, key ${report.keyId}` : ''}${report.deep ? ' (--deep)' : ''}`);
  for (const store of report.customKeyStores) {
    const state = `${store.connectionState}${store.connectionErrorCode ? ` (${store.connectionErrorCode})` : ''}`;
    const keys = store.keys === undefined ? '' : `, ${store.keys} key${store.keys === 1 ? '' : 's'}${store.unavailableKeys ? ` (${store.unavailableKeys} Unavailable)` : ''}`;
    lines.push('', s.bold(`${store.customKeyStoreName} (${store.customKeyStoreId}), cluster ${store.cloudHsmClusterId}: ${state}${keys}`));
    const findings = report.findings.filter((f) => f.customKeyStoreId === store.customKeyStoreId);
    if (findings.length === 0) lines.push('  no problem found');
    for (const f of findings) lines.push(...renderFinding(f, s), '');
    const unchecked = report.notChecked.filter((u) => u.customKeyStoreId === store.customKeyStoreId);
    if (unchecked.length > 0) {
      lines.push('  Not checked through the API (the commands check it by hand):');
      for (const u of unchecked) lines.push(...renderNotChecked(u, s));
    }
  }
  const general = report.notChecked.filter((u) => u.customKeyStoreId === undefined);
  if (general.length > 0) {
    lines.push('', 'Not checked through the API:');
    for (const u of general) lines.push(...renderNotChecked(u, s));
  }
  while (lines[lines.length - 1] === '') lines.pop();
  const count = (sev: Severity) => report.findings.filter((f) => f.severity === sev).length;
  const summary = [`${count('error')} error${count('error') === 1 ? '' : 's'}`, `${count('warning')} warning${count('warning') === 1 ? '' : 's'}`];
  if (count('info') > 0) summary.push(`${count('info')} note${count('info') === 1 ? '' : 's'}`);
  const verdict = report.status === 'healthy' ? 'healthy' : report.status === 'findings' ? 'findings' : 'could not check everything needed';
  lines.push('', `${summary.join(', ')}. Exit status ${report.exitCode}: ${verdict}.`);
  return lines.join('\n') + '\n';
}
