import { showError } from './announcer.js';
import { facts, fill, h } from './elements.js';
import { findingsFor } from './findings.js';

// The findings panel of a custom key store: a region of its own that asks `findingsFor` and shows
// what comes back, each finding with its cause, the values it was read from, the repair's steps
// and each tool's commands; then the checks that could not be made through the API, with the
// commands that make them by hand. It names its source, and why it fell back when it did.

const SEVERITY_WORDS = { error: 'Problem', warning: 'Warning', info: 'Note' };

/** The panel, empty; `refresh` fills it for a store. */
export function findingsPanel(api) {
  const source = h('p', { class: 'hint', 'data-findings-source': '' });
  const body = h('div', { class: 'findings-body' });
  const panel = h(
    'section',
    { class: 'panel findings', 'aria-labelledby': 'findings-heading', 'data-panel': 'findings' },
    h('h2', { id: 'findings-heading' }, 'Findings'),
    source,
    body,
  );
  async function refresh(store) {
    let result;
    try {
      result = await findingsFor(api, store);
    } catch (err) {
      showError(err, 'Reading the findings');
      return;
    }
    source.dataset.findingsSource = result.fallback ? 'connection-state' : 'doctor';
    fill(source, `From ${result.source}.`, result.fallback ? h('span', { class: 'fallback' }, ` Not from keywarden doctor: ${result.fallback}.`) : null);
    const findings = result.findings.length === 0 ? h('p', { class: 'finding-none' }, 'No findings: the key store is ' + store.ConnectionState + '.') : result.findings.map(render);
    fill(body, findings, result.notChecked.length ? notChecked(result.notChecked) : null);
  }
  return { panel, refresh };
}

function commands(fix) {
  return (fix ?? []).map((f) =>
    typeof f === 'string'
      ? h('pre', { class: 'commands', tabindex: 0 }, f)
      : [h('h4', {}, `Fix with ${f.tool}`), h('pre', { class: 'commands', tabindex: 0, 'aria-label': `Commands for ${f.tool}`, 'data-tool': f.tool }, (f.commands ?? []).join('\n'))],
  );
}

function render(f) {
  const evidence = Array.isArray(f.evidence) ? f.evidence : Object.entries(f.evidence ?? {});
  return h(
    'article',
    { class: `finding finding-${f.severity}`, 'data-code': f.code },
    h('h3', {}, h('span', { class: 'severity' }, `${SEVERITY_WORDS[f.severity] ?? f.severity}: `), h('code', {}, f.code), f.title ? ` ${f.title}` : null),
    h('p', { class: 'cause' }, f.cause),
    evidence.length ? [h('h4', {}, 'Evidence'), facts(evidence.map(([k, v]) => [k, typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v)]))] : null,
    f.repair ? [h('h4', {}, 'What to do'), h('p', { class: 'repair' }, f.repair)] : null,
    f.steps?.length ? [h('h4', {}, 'What to do'), h('ol', { class: 'steps' }, f.steps.map((s) => h('li', {}, s)))] : null,
    commands(f.fix),
    f.guide ? h('p', { class: 'hint' }, `AWS's guide: "Troubleshooting a custom key store", ${f.guide}.`) : null,
  );
}

function notChecked(list) {
  return h(
    'section',
    { class: 'not-checked', 'aria-labelledby': 'not-checked-heading' },
    h('h3', { id: 'not-checked-heading' }, 'Not checked through the API'),
    list.map((n) => h('article', { class: 'unchecked' }, h('p', {}, h('strong', {}, n.check), `: ${n.reason}`), commands(n.commands))),
  );
}
