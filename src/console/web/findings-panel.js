import { showError } from './announcer.js';
import { facts, fill, h } from './elements.js';
import { FINDINGS_SOURCE, findingsFor } from './findings.js';

// The findings panel of a custom key store: a region of its own that asks `findingsFor` and shows
// what comes back, each finding with its cause, the values it was read from, and the fix.

const SEVERITY_WORDS = { error: 'Problem', warning: 'Warning', info: 'Note' };

/** The panel, empty; `refresh` fills it for a store. */
export function findingsPanel(api) {
  const body = h('div', { class: 'findings-body' });
  const panel = h(
    'section',
    { class: 'panel findings', 'aria-labelledby': 'findings-heading', 'data-panel': 'findings' },
    h('h2', { id: 'findings-heading' }, 'Findings'),
    h('p', { class: 'hint' }, `From ${FINDINGS_SOURCE}.`),
    body,
  );
  async function refresh(store) {
    let findings;
    try {
      findings = await findingsFor(api, store);
    } catch (err) {
      showError(err, 'Reading the findings');
      return;
    }
    if (findings.length === 0) return fill(body, h('p', { class: 'finding-none' }, 'No findings: the key store is ' + store.ConnectionState + '.'));
    fill(body, findings.map(render));
  }
  return { panel, refresh };
}

function render(f) {
  const evidence = Array.isArray(f.evidence) ? f.evidence : Object.entries(f.evidence ?? {});
  return h(
    'article',
    { class: `finding finding-${f.severity}`, 'data-code': f.code },
    h('h3', {}, h('span', { class: 'severity' }, `${SEVERITY_WORDS[f.severity] ?? f.severity}: `), h('code', {}, f.code)),
    h('p', { class: 'cause' }, f.cause),
    evidence.length ? [h('h4', {}, 'Evidence'), facts(evidence.map(([k, v]) => [k, typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v)]))] : null,
    f.repair ? [h('h4', {}, 'What to do'), h('p', { class: 'repair' }, f.repair)] : null,
    (f.fix ?? []).map((fix) =>
      typeof fix === 'string'
        ? h('pre', { class: 'commands', tabindex: 0 }, fix)
        : [h('h4', {}, `Fix with ${fix.tool}`), h('pre', { class: 'commands', tabindex: 0, 'aria-label': `Commands for ${fix.tool}` }, (fix.commands ?? []).join('\n'))],
    ),
  );
}
