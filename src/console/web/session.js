// Who is signed in. The access key and its secret live in sessionStorage only: they last as long
// as the tab, are never written to disk by the page, never sent anywhere but into signatures,
// and are gone at sign-out or when the tab closes.

const KEY = 'keywarden.console.session';

/**
 * @typedef {{ accessKeyId: string, secretAccessKey: string, sessionToken?: string, region: string }} Session
 */

/** @returns {Session | undefined} */
export function currentSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return s && typeof s.accessKeyId === 'string' && typeof s.secretAccessKey === 'string' && typeof s.region === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

/** @param {Session} session */
export function keepSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function endSession() {
  sessionStorage.removeItem(KEY);
}
