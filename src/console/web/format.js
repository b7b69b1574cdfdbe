// How values of the APIs read on the page.

/** An API timestamp (epoch seconds) in UTC, to the second. */
export function when(epochSeconds) {
  if (epochSeconds === undefined || epochSeconds === null) return '';
  const d = new Date(Number(epochSeconds) * 1000);
  return Number.isNaN(d.getTime()) ? String(epochSeconds) : d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

/** What the AWS console calls a key's type: asymmetric for key pairs, symmetric otherwise (HMAC too). */
export function keyType(keySpec) {
  return /^(RSA|ECC|SM2|ML_DSA)/.test(keySpec ?? '') ? 'Asymmetric' : 'Symmetric';
}

/** The key's aliases, without the `alias/` prefix the AWS console leaves out too. */
export function aliasNames(aliases) {
  return aliases.map((a) => a.AliasName.replace(/^alias\//, ''));
}

/** A short badge class for a state, so it can be styled; the state's name is always shown as text. */
export function stateClass(state) {
  switch (state) {
    case 'Enabled':
    case 'CONNECTED':
    case 'ACTIVE':
    case 'READY':
      return 'state state-good';
    case 'Unavailable':
    case 'FAILED':
    case 'DEGRADED':
    case 'DELETED':
    case 'PendingDeletion':
      return 'state state-bad';
    case 'CONNECTING':
    case 'DISCONNECTING':
    case 'Creating':
    case 'Updating':
      return 'state state-busy';
    default:
      return 'state';
  }
}
