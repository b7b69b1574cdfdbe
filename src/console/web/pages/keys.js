import { announce } from '../announcer.js';
import { choice, field, fill, h, table } from '../elements.js';
import { aliasNames, keyType, stateClass } from '../format.js';
import { describeAll } from '../key-list.js';

// The KMS keys page: the AWS console's customer managed keys table, with its filters.

const STATES = ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport', 'Unavailable', 'Creating', 'Updating', 'PendingReplicaDeletion'];
const NO_STORE = '(none)';

export async function keysPage(main, { api, alive }) {
  document.title = 'KMS keys · Keywarden console';
  const heading = h('h1', { tabindex: -1 }, 'KMS keys');
  const summary = h('p', { class: 'summary loading' }, 'Loading keys…');
  fill(main, heading, summary);
  const keys = await describeAll(api);
  if (!alive()) return;
  summary.className = 'summary';

  const search = h('input', { type: 'search', name: 'search', placeholder: 'alias, key id or description' });
  const state = choice('state', STATES, 'Any status');
  const type = choice('type', ['Symmetric', 'Asymmetric'], 'Any type');
  const spec = choice('spec', unique(keys.map((k) => k.metadata?.KeySpec)), 'Any key spec');
  const usage = choice('usage', unique(keys.map((k) => k.metadata?.KeyUsage)), 'Any key usage');
  const store = choice('store', [...unique(keys.map((k) => k.metadata?.CustomKeyStoreId)), NO_STORE], 'Any key store');
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter keys' },
    field('Find keys', search),
    field('Status', state),
    field('Key type', type),
    field('Key spec', spec),
    field('Key usage', usage),
    field('Custom key store', store),
  );
  const results = h('div', { class: 'results' });
  const show = () => {
    const text = search.value.trim().toLowerCase();
    const shown = keys.filter(({ keyId, aliases, metadata: m }) => {
      if (text && ![keyId, m?.Description ?? '', ...aliases].some((s) => s.toLowerCase().includes(text))) return false;
      if (state.value && m?.KeyState !== state.value) return false;
      if (type.value && keyType(m?.KeySpec) !== type.value) return false;
      if (spec.value && m?.KeySpec !== spec.value) return false;
      if (usage.value && m?.KeyUsage !== usage.value) return false;
      if (store.value && (m?.CustomKeyStoreId ?? NO_STORE) !== store.value) return false;
      return true;
    });
    fill(summary, `${shown.length} of ${keys.length} keys`);
    fill(results, keyTable(shown));
    return shown.length;
  };
  filters.addEventListener('submit', (e) => e.preventDefault());
  filters.addEventListener('input', () => announce(`${show()} of ${keys.length} keys shown`));
  main.append(filters, results);
  show();
}

export function keyTable(rows, caption = 'Customer managed keys') {
  return table({
    caption,
    empty: 'no key matches.',
    rows,
    columns: [
      { header: 'Aliases', cell: (k) => aliasNames(k.aliasEntries).join(', ') || '—' },
      { header: 'Key ID', rowHeader: true, cell: (k) => h('a', { href: `#/keys/${encodeURIComponent(k.keyId)}` }, k.keyId) },
      { header: 'Status', cell: (k) => (k.metadata ? h('span', { class: stateClass(k.metadata.KeyState) }, k.metadata.KeyState) : h('span', { class: 'state' }, k.error ?? '—')) },
      { header: 'Key type', cell: (k) => (k.metadata ? keyType(k.metadata.KeySpec) : '') },
      { header: 'Key spec', cell: (k) => k.metadata?.KeySpec ?? '' },
      { header: 'Key usage', cell: (k) => k.metadata?.KeyUsage ?? '' },
      {
        header: 'Custom key store',
        cell: (k) => (k.metadata?.CustomKeyStoreId ? h('a', { href: `#/key-stores/${encodeURIComponent(k.metadata.CustomKeyStoreId)}` }, k.metadata.CustomKeyStoreId) : '—'),
      },
    ],
  });
}

const unique = (values) => [...new Set(values.filter(Boolean))].sort();
