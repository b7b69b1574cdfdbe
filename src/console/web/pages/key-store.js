import { announce, clearError, showError } from '../announcer.js';
import { CONNECTION_STATES, connectionError } from '../connection-errors.js';
import { add, facts, field, fill, h } from '../elements.js';
import { findingsPanel } from '../findings-panel.js';
import { stateClass, when } from '../format.js';
import { describeAll } from '../key-list.js';
import { FOLLOW_AT_MOST, FOLLOW_EVERY_MS, listKeyStores, MOVING } from '../key-stores.js';
import { keyTable } from './keys.js';

// One custom key store: its configuration and connection state (followed while it moves, each
// state it passes through kept in a log), the guide's actions on it (connect, disconnect, update
// the kmsuser password or the cluster), a test of the path to the cluster, the findings panel and
// the KMS keys it holds.

export async function keyStorePage(main, ctx) {
  const { api, params } = ctx;
  const storeId = params[0];
  document.title = `${storeId} · Custom key stores · Keywarden console`;
  const heading = h('h1', { tabindex: -1 }, storeId);
  const details = h('div', { class: 'section-body' });
  const stateLog = h('ol', { class: 'state-log', role: 'log', 'aria-label': 'Connection states seen', 'aria-live': 'polite' });
  const buttons = h('div', { class: 'actions', role: 'group', 'aria-label': 'Key store actions' });
  const probeResult = h('p', { class: 'probe-result', 'aria-live': 'polite' });
  const findings = findingsPanel(api);
  const keys = h('div', { class: 'section-body' }, h('p', { class: 'loading' }, 'Loading keys…'));
  fill(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/key-stores' }, 'Custom key stores'), ' / ', storeId),
    heading,
    buttons,
    probeResult,
    h('section', { class: 'panel', 'aria-labelledby': 'config-heading' }, h('h2', { id: 'config-heading' }, 'Configuration'), details),
    findings.panel,
    h('section', { class: 'panel', 'aria-labelledby': 'log-heading' }, h('h2', { id: 'log-heading' }, 'Connection states seen on this page'), stateLog),
    updateForm(api, storeId, () => refresh()),
    h('section', { class: 'panel', 'aria-labelledby': 'keys-heading' }, h('h2', { id: 'keys-heading' }, 'KMS keys in this key store'), keys),
  );

  let last;
  let follows = 0;
  // A click and a timer can each ask at once; only the answer to the latest question is shown,
  // and only it schedules the next, so the page follows a store once, not once per click.
  let asked = 0;
  async function refresh() {
    const question = ++asked;
    const [store] = await listKeyStores(api, { CustomKeyStoreId: storeId });
    if (!ctx.alive() || !store || question !== asked) return;
    const changed = !last || last.ConnectionState !== store.ConnectionState || last.ConnectionErrorCode !== store.ConnectionErrorCode;
    const before = last;
    last = store;
    fill(heading, store.CustomKeyStoreName);
    document.title = `${store.CustomKeyStoreName} · Custom key stores · Keywarden console`;
    fill(details, configuration(store));
    actionButtons(store);
    if (changed) {
      const seen = store.ConnectionErrorCode ? `${store.ConnectionState} (${store.ConnectionErrorCode})` : store.ConnectionState;
      add(stateLog, [h('li', { 'data-state': store.ConnectionState }, h('time', {}, new Date().toISOString().slice(11, 19)), ' ', seen)]);
      if (before) announce(`${store.CustomKeyStoreName} is ${seen}.`);
      await findings.refresh(store);
      if (question !== asked) return;
      // Its keys' states follow the store's (Unavailable while it is not connected).
      if (!MOVING.has(store.ConnectionState)) void showKeys();
    }
    if (MOVING.has(store.ConnectionState) && follows++ < FOLLOW_AT_MOST) ctx.later(() => void refresh().catch((e) => showError(e, 'Reading the key store')), FOLLOW_EVERY_MS);
  }

  async function showKeys() {
    try {
      const rows = await describeAll(api, (k) => k.metadata?.CustomKeyStoreId === storeId);
      if (ctx.alive()) fill(keys, keyTable(rows, `KMS keys in ${storeId}`));
    } catch (err) {
      fill(keys, h('p', { class: 'refusal' }, h('code', {}, err.type ?? 'Error'), ' ', err.detail ?? err.message));
    }
  }

  const act = (label, operation, input, done) => async () => {
    clearError();
    fill(probeResult);
    try {
      const out = await api.call('kms', operation, { ...input, CustomKeyStoreId: storeId });
      if (done) announce(done(out));
      follows = 0;
      await refresh();
      return out;
    } catch (err) {
      showError(err, label);
      return undefined;
    }
  };

  // Made once and switched with aria-disabled rather than disabled: a button that is disabled
  // under the keyboard focus drops it, and the focus would fall back to the top of the page.
  const button = (label, onclick, title) =>
    h('button', { type: 'button', title, onclick: (e) => (e.currentTarget.getAttribute('aria-disabled') === 'true' ? undefined : onclick()) }, label);
  const connect = button('Connect', () => act('Connect', 'ConnectCustomKeyStore', {}, () => `Connecting ${last.CustomKeyStoreName}.`)());
  const disconnect = button('Disconnect', () => act('Disconnect', 'DisconnectCustomKeyStore', {}, () => `Disconnecting ${last.CustomKeyStoreName}.`)());
  const test = button('Test the connection', () => probe(), 'GenerateRandom in the cluster: a call that must reach the HSMs');
  add(buttons, [connect, disconnect, test, button('Refresh', () => void refresh().catch((e) => showError(e, 'Refresh')))]);
  function actionButtons(store) {
    const state = store.ConnectionState;
    connect.setAttribute('aria-disabled', String(state !== 'DISCONNECTED'));
    disconnect.setAttribute('aria-disabled', String(state === 'DISCONNECTED' || state === 'DISCONNECTING'));
    test.setAttribute('aria-disabled', String(state !== 'CONNECTED'));
  }

  /**
   * A store can be CONNECTED while its cluster is out of reach (a security group changed since):
   * the guide's "cryptographic operation failure". GenerateRandom in the store's cluster is the
   * smallest call that has to reach an HSM, so it shows that failure without touching any key.
   */
  async function probe() {
    clearError();
    fill(probeResult, 'Asking the cluster for random bytes…');
    try {
      await api.call('kms', 'GenerateRandom', { NumberOfBytes: 16, CustomKeyStoreId: storeId });
      fill(probeResult, h('span', { class: 'ok' }, 'The cluster answered: it generated 16 random bytes.'));
    } catch (err) {
      fill(probeResult, h('span', { class: 'bad', 'data-error': err.type }, 'The cluster did not answer: ', h('code', {}, err.type), ' ', err.detail));
    }
  }

  await refresh();
}

function configuration(store) {
  const code = store.ConnectionErrorCode;
  return facts([
    ['Key store ID', h('code', {}, store.CustomKeyStoreId)],
    ['Name', store.CustomKeyStoreName],
    ['Type', store.CustomKeyStoreType ?? 'AWS_CLOUDHSM'],
    ['CloudHSM cluster', store.CloudHsmClusterId ? h('a', { href: '#/clusters' }, store.CloudHsmClusterId) : undefined],
    ['Connection state', [h('span', { class: stateClass(store.ConnectionState), 'data-connection-state': store.ConnectionState }, store.ConnectionState), ' ', CONNECTION_STATES[store.ConnectionState] ?? '']],
    ['Connection error', code ? [h('code', { 'data-connection-error': code }, code), ' ', connectionError(code).cause] : undefined],
    ['Created', when(store.CreationDate)],
    ['Trust anchor certificate', store.TrustAnchorCertificate ? h('details', {}, h('summary', {}, 'Show'), h('pre', { class: 'json', tabindex: 0 }, store.TrustAnchorCertificate)) : undefined],
  ]);
}

/**
 * UpdateCustomKeyStore: the kmsuser password (the guide's fix for INVALID_CREDENTIALS and
 * USER_LOCKED_OUT), the cluster (repointing to a cluster restored from a related backup) and the
 * name. The service takes the first two only while the store is disconnected.
 */
function updateForm(api, storeId, done) {
  const password = h('input', { name: 'keyStorePassword', type: 'password', minlength: 7, maxlength: 32, autocomplete: 'new-password' });
  const cluster = h('input', { name: 'cloudHsmClusterId', spellcheck: 'false', autocomplete: 'off' });
  const name = h('input', { name: 'newCustomKeyStoreName', maxlength: 256, autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'panel update-form', 'aria-labelledby': 'update-heading' },
    h('h2', { id: 'update-heading' }, 'Update the key store'),
    h('p', { class: 'hint' }, 'Disconnect the key store first to change its kmsuser password or its cluster. Leave a field empty to keep it.'),
    field('kmsuser password', password, 'What kmsuser\'s password in the cluster is now; this does not change it in the cluster.'),
    field('CloudHSM cluster ID', cluster, 'A cluster that shares the backup history of the current one.'),
    field('New name', name),
    h('button', { type: 'submit' }, 'Update key store'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearError();
    const input = { CustomKeyStoreId: storeId };
    if (password.value) input.KeyStorePassword = password.value;
    if (cluster.value.trim()) input.CloudHsmClusterId = cluster.value.trim();
    if (name.value.trim()) input.NewCustomKeyStoreName = name.value.trim();
    if (Object.keys(input).length === 1) return showError({ type: 'Nothing to update', detail: 'fill in at least one field.' });
    try {
      await api.call('kms', 'UpdateCustomKeyStore', input);
      form.reset();
      announce('Key store updated.');
      await done();
    } catch (err) {
      showError(err, 'Update key store');
    }
  });
  return form;
}
