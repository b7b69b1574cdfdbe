// The account's keys with their metadata and aliases, as the keys page and a key store's page
// list them: ListKeys and ListAliases, then DescribeKey for each key, a few at a time.

const MAX_KEYS = 1000;
const PARALLEL = 4;

/**
 * @returns {Promise<Array<{ keyId: string, aliases: string[], aliasEntries: object[], metadata?: object, error?: string }>>}
 */
export async function describeAll(api, keep = () => true) {
  const [keys, aliases] = await Promise.all([
    api.callAll('kms', 'ListKeys', { Limit: 1000 }, 'Keys'),
    api.callAll('kms', 'ListAliases', { Limit: 100 }, 'Aliases').catch(() => []),
  ]);
  const rows = keys.slice(0, MAX_KEYS).map((k) => {
    const aliasEntries = aliases.filter((a) => a.TargetKeyId === k.KeyId);
    return { keyId: k.KeyId, aliasEntries, aliases: aliasEntries.map((a) => a.AliasName) };
  });
  let next = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++];
      try {
        row.metadata = (await api.call('kms', 'DescribeKey', { KeyId: row.keyId })).KeyMetadata;
      } catch (err) {
        // A key the caller may list but not describe still gets its row, with the refusal.
        row.error = err.type ?? 'Error';
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return rows.filter(keep);
}
