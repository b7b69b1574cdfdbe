import { createHash } from 'node:crypto';
import type { HsmSession } from '../cluster/model.js';
import type { Sealer } from '../core/sealer.js';

/**
 * A session id is a bearer token: whoever holds it acts as the user logged in, the service's own
 * kmsuser session included. A stored session is keyed by the token's SHA-256 (a 192-bit random
 * value cannot be found again from it) and the token itself is sealed under the root key in the
 * session's document, bound to that key, as a key store record seals its secrets. Tokens read back
 * are kept in memory for as long as their session is open (the service holds them in memory
 * anyway), so that counting a cluster's sessions on every cryptographic call opens nothing.
 * Every store of sessions keeps them this way.
 */
export class SessionTokens {
  private readonly tokens = new Map<string, string>();

  constructor(private readonly sealer: Sealer) {}

  /** The stored document of a session opened now, under `digest` (its token's). */
  sealed(session: HsmSession, digest: string): string {
    const { sessionId, ...rest } = session;
    this.tokens.set(digest, sessionId);
    const doc: SealedSession = { ...rest, sealedSessionId: this.sealer.seal(Buffer.from(sessionId, 'utf8'), sessionAad(digest)).toString('base64') };
    return JSON.stringify(doc);
  }

  /** The session a stored row holds; throws when the sealed token does not open under the row's digest. */
  session(digest: string, doc: string): HsmSession {
    const { sealedSessionId, ...rest } = JSON.parse(doc) as SealedSession;
    let sessionId = this.tokens.get(digest);
    if (sessionId === undefined) {
      sessionId = this.sealer.open(Buffer.from(sealedSessionId, 'base64'), sessionAad(digest)).toString('utf8');
      this.tokens.set(digest, sessionId);
    }
    return { sessionId, ...rest };
  }

  /** The session under `digest` is closed: its token is no longer kept. */
  forget(digest: string): void {
    this.tokens.delete(digest);
  }
}

type SealedSession = Omit<HsmSession, 'sessionId'> & { sealedSessionId: string };

export const tokenDigest = (sessionId: string) => createHash('sha256').update(sessionId, 'utf8').digest('hex');
const sessionAad = (digest: string) => `hsm-session:${digest}`;
