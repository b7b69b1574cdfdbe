// The account's custom key stores (DescribeCustomKeyStores), and what their states mean for the
// page: which states are on their way somewhere and need following.

export const listKeyStores = (api, input = {}) => api.callAll('kms', 'DescribeCustomKeyStores', { Limit: 1000, ...input }, 'CustomKeyStores');

/** The states a key store passes through on its own: the page asks again until it leaves them. */
export const MOVING = new Set(['CONNECTING', 'DISCONNECTING']);

/** How often, and at most how many times, a page follows a store that is moving. */
export const FOLLOW_EVERY_MS = 1000;
export const FOLLOW_AT_MOST = 600;
