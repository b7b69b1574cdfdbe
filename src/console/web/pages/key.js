import { announce, clearError, showError } from '../announcer.js';
import { facts, field, fill, h, jsonBlock, table } from '../elements.js';
import { aliasNames, keyType, stateClass, when } from '../format.js';
import { eventsTable } from '../events-table.js';

// One KMS key: its configuration, policy, tags, rotation, key material and CloudTrail events, and
// the actions the troubleshooting guide uses on a key (enable, disable, schedule and cancel deletion).

export async function keyPage(main, ctx) {
  const { api, params } = ctx;
  const keyId = params[0];
  document.title = `${keyId} · KMS keys · Keywarden console`;
  fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/keys' }, 'KMS keys'), ' / ', keyId), h('h1', { tabindex: -1 }, keyId), h('p', { class: 'loading' }, 'Loading…'));
  const [{ KeyMetadata: key }, aliases] = await Promise.all([
    api.call('kms', 'DescribeKey', { KeyId: keyId }),
    api.callAll('kms', 'ListAliases', { KeyId: keyId, Limit: 100 }, 'Aliases').catch(() => []),
  ]);
  if (!ctx.alive()) return;
  const names = aliasNames(aliases);
  document.title = `${names[0] ?? key.KeyId} · KMS keys · Keywarden console`;
  const reload = () => keyPage(main, ctx);

  fill(
    main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/keys' }, 'KMS keys'), ' / ', key.KeyId),
    h('h1', { tabindex: -1 }, names[0] ? `${names[0]} (${key.KeyId})` : key.KeyId),
    actions(api, key, reload),
    section('General configuration', [
      facts([
        ['Aliases', names.join(', ') || '—'],
        ['ARN', h('code', {}, key.Arn)],
        ['Status', h('span', { class: stateClass(key.KeyState), 'data-key-state': key.KeyState }, key.KeyState)],
        key.KeyState === 'Unavailable' ? ['Why', 'Its custom key store is not connected, or its key material is missing from the cluster. Reconnect the key store (see its page); the key returns to its previous state.'] : [],
        ['Description', key.Description || '—'],
        ['Creation date', when(key.CreationDate)],
        ['Deletion date', key.DeletionDate ? when(key.DeletionDate) : undefined],
        ['Regionality', key.MultiRegion ? 'Multi-Region' : 'Single Region'],
        ['Key manager', key.KeyManager],
      ]),
    ]),
    section('Cryptographic configuration', [
      facts([
        ['Key type', keyType(key.KeySpec)],
        ['Key spec', key.KeySpec],
        ['Key usage', key.KeyUsage],
        ['Origin', key.Origin],
        ['Custom key store', key.CustomKeyStoreId ? h('a', { href: `#/key-stores/${encodeURIComponent(key.CustomKeyStoreId)}` }, key.CustomKeyStoreId) : undefined],
        ['CloudHSM cluster', key.CloudHsmClusterId ? h('a', { href: '#/clusters' }, key.CloudHsmClusterId) : undefined],
        ['Encryption algorithms', key.EncryptionAlgorithms?.join(', ')],
        ['Signing algorithms', key.SigningAlgorithms?.join(', ')],
        ['MAC algorithms', key.MacAlgorithms?.join(', ')],
        ['Key agreement algorithms', key.KeyAgreementAlgorithms?.join(', ')],
      ]),
    ]),
  );
  const policy = section('Key policy', [loading()]);
  const tags = section('Tags', [loading()]);
  const rotation = section('Key rotation', [loading()]);
  const material = section('Key material', [loading()]);
  const events = section('CloudTrail events', [loading()]);
  main.append(policy, tags, rotation, material, events);

  const eventList = api.call('cloudtrail', 'LookupEvents', { LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: key.Arn }], MaxResults: 50 }).then((o) => o.Events ?? []);
  await Promise.all([
    into(policy, async () => jsonBlock((await api.call('kms', 'GetKeyPolicy', { KeyId: key.KeyId, PolicyName: 'default' })).Policy, 'Key policy')),
    into(tags, async () => {
      const list = await api.callAll('kms', 'ListResourceTags', { KeyId: key.KeyId, Limit: 50 }, 'Tags');
      return table({ caption: 'Tags', captionHidden: true, empty: 'this key has no tags.', rows: list, columns: [{ header: 'Tag key', rowHeader: true, cell: (t) => t.TagKey }, { header: 'Tag value', cell: (t) => t.TagValue }] });
    }),
    into(rotation, async () => {
      const r = await api.call('kms', 'GetKeyRotationStatus', { KeyId: key.KeyId });
      return facts([
        ['Automatic rotation', r.KeyRotationEnabled ? 'Enabled' : 'Disabled'],
        ['Rotation period', r.RotationPeriodInDays ? `${r.RotationPeriodInDays} days` : undefined],
        ['Next rotation', r.NextRotationDate ? when(r.NextRotationDate) : undefined],
        ['On-demand rotation started', r.OnDemandRotationStartDate ? when(r.OnDemandRotationStartDate) : undefined],
      ]);
    }),
    into(material, () => keyMaterial(api, key, eventList)),
    into(events, async () => eventsTable(await eventList, `CloudTrail events of ${key.KeyId}`)),
  ]);
}

const section = (title, children) => h('section', { class: 'panel', 'aria-label': title }, h('h2', {}, title), h('div', { class: 'section-body' }, children));
const loading = () => h('p', { class: 'loading' }, 'Loading…');

/** Fills a section's body with what `load` returns, or with the service's refusal. */
async function into(sectionEl, load) {
  const body = sectionEl.querySelector('.section-body');
  try {
    fill(body, await load());
  } catch (err) {
    fill(body, h('p', { class: 'refusal' }, h('code', {}, err.type ?? 'Error'), ' ', err.detail ?? err.message));
  }
}

/**
 * Where the key's material is. For a key in a CloudHSM key store that is a key object in the
 * cluster, whose id KMS never returns but records with every use in CloudTrail (backingKeyId):
 * the guide finds orphaned and deleted material that way, and so does this page.
 */
async function keyMaterial(api, key, eventList) {
  const pairs = [
    ['Origin', key.Origin],
    ['Current key material id', key.CurrentKeyMaterialId],
    ['Expiration model', key.ExpirationModel],
    ['Valid to', key.ValidTo ? when(key.ValidTo) : undefined],
  ];
  const parts = [];
  if (key.Origin === 'AWS_CLOUDHSM') {
    const seen = new Map();
    for (const e of await eventList) {
      for (const id of backingKeyIds(e.CloudTrailEvent)) if (!seen.has(id)) seen.set(id, e);
    }
    parts.push(facts(pairs));
    parts.push(
      table({
        caption: 'Backing keys in the cluster (from CloudTrail)',
        empty: 'no recorded use of the key names its backing key yet.',
        rows: [...seen.entries()],
        columns: [
          { header: 'Backing key id (CloudHSM key id)', rowHeader: true, cell: ([id]) => h('code', {}, `0x${id}`) },
          { header: 'Seen in', cell: ([, e]) => `${e.EventName} at ${when(e.EventTime)}` },
        ],
      }),
    );
    return parts;
  }
  parts.push(facts(pairs));
  try {
    const rotations = await api.callAll('kms', 'ListKeyRotations', { KeyId: key.KeyId, Limit: 100 }, 'Rotations');
    parts.push(
      table({
        caption: 'Rotations of the key material',
        empty: 'the key has not been rotated.',
        rows: rotations,
        columns: [
          { header: 'Key material id', rowHeader: true, cell: (r) => r.KeyMaterialId ?? '—' },
          { header: 'Rotation date', cell: (r) => when(r.RotationDate) },
          { header: 'Rotation type', cell: (r) => r.RotationType ?? '' },
          { header: 'State', cell: (r) => r.KeyMaterialState ?? '' },
        ],
      }),
    );
  } catch {
    // Keys without rotations (asymmetric, HMAC) answer UnsupportedOperationException: nothing to add.
  }
  return parts;
}

/** The backing key ids a CloudTrail record names in its additionalEventData. */
export function backingKeyIds(recordText) {
  try {
    const data = JSON.parse(recordText).additionalEventData ?? {};
    const ids = [];
    if (typeof data.backingKey === 'string') ids.push(JSON.parse(data.backingKey).backingKeyId);
    if (typeof data.backingKeys === 'string') ids.push(...JSON.parse(data.backingKeys).map((b) => b.backingKeyId));
    return ids.filter((id) => typeof id === 'string');
  } catch {
    return [];
  }
}

/** The buttons and forms for the key's state. */
function actions(api, key, reload) {
  const act = (label, operation, input, done) => async (event) => {
    event?.preventDefault();
    clearError();
    try {
      await api.call('kms', operation, { KeyId: key.KeyId, ...input });
      announce(done);
      await reload();
      // The page was redrawn under the focus: it goes to the key's actions, where it was.
      document.querySelector('main .actions button')?.focus();
    } catch (err) {
      showError(err, label);
    }
  };
  const box = h('div', { class: 'actions', role: 'group', 'aria-label': 'Key actions' });
  if (key.KeyState === 'PendingDeletion') {
    box.append(h('button', { type: 'button', onclick: act('Cancel key deletion', 'CancelKeyDeletion', {}, `Deletion of ${key.KeyId} cancelled; the key is Disabled.`) }, 'Cancel key deletion'));
    return box;
  }
  // While a key is Unavailable, AWS records its enable or disable and applies it once the key is back.
  if (key.Enabled || key.KeyState === 'Unavailable') box.append(h('button', { type: 'button', onclick: act('Disable key', 'DisableKey', {}, `${key.KeyId} disabled.`) }, 'Disable'));
  if (!key.Enabled) box.append(h('button', { type: 'button', onclick: act('Enable key', 'EnableKey', {}, `${key.KeyId} enabled.`) }, 'Enable'));
  const days = h('input', { type: 'number', name: 'pendingWindowInDays', min: 7, max: 30, value: 30, required: true, inputmode: 'numeric' });
  const schedule = h(
    'form',
    { class: 'inline-form', 'aria-label': 'Schedule key deletion' },
    field('Waiting period (days, 7–30)', days),
    h('button', { type: 'submit', class: 'danger' }, 'Schedule key deletion'),
  );
  schedule.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!confirm(`Schedule ${key.KeyId} for deletion in ${days.value} days? Data encrypted under it cannot be decrypted once it is deleted.`)) return;
    void act('Schedule key deletion', 'ScheduleKeyDeletion', { PendingWindowInDays: Number(days.value) }, `${key.KeyId} is scheduled for deletion.`)();
  });
  box.append(schedule);
  return box;
}
