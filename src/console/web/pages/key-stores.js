import { announce, clearError, showError } from '../announcer.js';
import { field, fill, h, keepFocus, table } from '../elements.js';
import { stateClass, when } from '../format.js';
import { connectionError } from '../connection-errors.js';
import { FOLLOW_AT_MOST, FOLLOW_EVERY_MS, listKeyStores, MOVING } from '../key-stores.js';

// The custom key stores page: every store with its connection state and error in words, the
// connect and disconnect buttons, and the form that creates a store for a CloudHSM cluster.

export async function keyStoresPage(main, ctx) {
  const { api } = ctx;
  document.title = 'Custom key stores · Keywarden console';
  const list = h('div', { class: 'results' }, h('p', { class: 'loading' }, 'Loading key stores…'));
  fill(main, h('h1', { tabindex: -1 }, 'Custom key stores'), list, createForm(api));
  let follows = 0;
  // Only the latest question's answer is shown and schedules the next (a click and a timer may overlap).
  let asked = 0;
  const refresh = async () => {
    const question = ++asked;
    const stores = await listKeyStores(api);
    if (!ctx.alive() || question !== asked) return;
    keepFocus(list, () => fill(list, storeTable(stores, act)));
    if (stores.some((s) => MOVING.has(s.ConnectionState)) && follows++ < FOLLOW_AT_MOST) ctx.later(() => void refresh().catch((e) => showError(e, 'Reading the key stores')), FOLLOW_EVERY_MS);
  };
  const act = (operation, store) => async () => {
    clearError();
    try {
      await api.call('kms', operation, { CustomKeyStoreId: store.CustomKeyStoreId });
      announce(`${operation === 'ConnectCustomKeyStore' ? 'Connecting' : 'Disconnecting'} ${store.CustomKeyStoreName}.`);
      follows = 0;
      await refresh();
    } catch (err) {
      showError(err, `${operation === 'ConnectCustomKeyStore' ? 'Connect' : 'Disconnect'} ${store.CustomKeyStoreName}`);
    }
  };
  await refresh();
}

function storeTable(stores, act) {
  return table({
    caption: 'Custom key stores',
    empty: 'there are none yet; create one below.',
    rows: stores,
    columns: [
      { header: 'Name', rowHeader: true, cell: (s) => h('a', { href: `#/key-stores/${encodeURIComponent(s.CustomKeyStoreId)}` }, s.CustomKeyStoreName) },
      { header: 'ID', cell: (s) => s.CustomKeyStoreId },
      { header: 'Type', cell: (s) => s.CustomKeyStoreType ?? 'AWS_CLOUDHSM' },
      { header: 'CloudHSM cluster', cell: (s) => s.CloudHsmClusterId ?? '—' },
      { header: 'Connection state', cell: (s) => h('span', { class: stateClass(s.ConnectionState) }, s.ConnectionState) },
      { header: 'Connection error', cell: (s) => (s.ConnectionErrorCode ? [h('code', {}, s.ConnectionErrorCode), h('p', { class: 'words' }, connectionError(s.ConnectionErrorCode).cause)] : '—') },
      { header: 'Created', cell: (s) => when(s.CreationDate) },
      {
        header: 'Actions',
        cell: (s) =>
          h(
            'div',
            { class: 'row-actions' },
            rowButton('Connect', s, s.ConnectionState !== 'DISCONNECTED', act('ConnectCustomKeyStore', s)),
            rowButton('Disconnect', s, s.ConnectionState === 'DISCONNECTED' || s.ConnectionState === 'DISCONNECTING', act('DisconnectCustomKeyStore', s)),
          ),
      },
    ],
  });
}

/** A row's button; aria-disabled keeps it in the focus order while the table is redrawn around it. */
function rowButton(label, store, off, onclick) {
  return h(
    'button',
    { type: 'button', 'aria-disabled': String(off), 'aria-label': `${label} ${store.CustomKeyStoreName}`, 'data-focus-key': `${label}:${store.CustomKeyStoreId}`, onclick: () => (off ? undefined : onclick()) },
    label,
  );
}

/**
 * CreateCustomKeyStore for an AWS CloudHSM cluster: its id, the trust anchor certificate that
 * initialised it (customerCA.crt, pasted or read from a file), and kmsuser's password.
 */
function createForm(api) {
  const name = h('input', { name: 'customKeyStoreName', required: true, maxlength: 256, autocomplete: 'off' });
  const cluster = h('input', { name: 'cloudHsmClusterId', required: true, list: 'cluster-ids', pattern: 'cluster-[2-7a-zA-Z]{11,16}', spellcheck: 'false', autocomplete: 'off' });
  const clusterIds = h('datalist', { id: 'cluster-ids' });
  const anchor = h('textarea', { name: 'trustAnchorCertificate', rows: 6, required: true, spellcheck: 'false', placeholder: '-----BEGIN CERTIFICATE-----' });
  const anchorFile = h('input', { type: 'file', name: 'trustAnchorFile', accept: '.crt,.pem,.cer' });
  const password = h('input', { name: 'keyStorePassword', type: 'password', required: true, minlength: 7, maxlength: 32, autocomplete: 'new-password' });
  anchorFile.addEventListener('change', async () => {
    const file = anchorFile.files?.[0];
    if (file) anchor.value = await file.text();
  });
  const form = h(
    'form',
    { class: 'create-form', 'aria-labelledby': 'create-heading' },
    h('h2', { id: 'create-heading' }, 'Create a key store'),
    h('p', { class: 'hint' }, 'For an ACTIVE CloudHSM cluster with a kmsuser crypto user (keywarden cluster quickstart makes one).'),
    field('Key store name', name),
    field('CloudHSM cluster ID', cluster),
    clusterIds,
    field('Trust anchor certificate (PEM)', anchor, 'The customerCA.crt you initialised the cluster with.'),
    field('…or read it from a file', anchorFile),
    field('kmsuser password', password, '7 to 32 letters and digits: the password of the kmsuser crypto user in the cluster.'),
    h('button', { type: 'submit' }, 'Create key store'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError();
    try {
      const out = await api.call('kms', 'CreateCustomKeyStore', {
        CustomKeyStoreName: name.value.trim(),
        CloudHsmClusterId: cluster.value.trim(),
        TrustAnchorCertificate: anchor.value.trim(),
        KeyStorePassword: password.value,
      });
      announce(`Created ${out.CustomKeyStoreId}.`);
      location.hash = `#/key-stores/${encodeURIComponent(out.CustomKeyStoreId)}`;
    } catch (err) {
      showError(err, 'Create key store');
    }
  });
  // The clusters are offered as suggestions; a cluster this caller cannot list can still be typed.
  api
    .callAll('cloudhsmv2', 'DescribeClusters', { MaxResults: 25 }, 'Clusters')
    .then((clusters) => fill(clusterIds, clusters.filter((c) => c.State === 'ACTIVE').map((c) => h('option', { value: c.ClusterId }))))
    .catch(() => undefined);
  return form;
}
