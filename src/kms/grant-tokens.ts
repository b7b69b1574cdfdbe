import { createHmac, timingSafeEqual } from 'node:crypto';
import { derivedKey } from '../core/derived-key.js';
import type { Random } from '../core/random.js';
import { InvalidGrantTokenException } from './errors.js';
import type { GrantRecord, GrantRepository } from './repository.js';

// Grant tokens: what CreateGrant returns so that a grantee can use a grant at once. A token names
// its grant and is authenticated under a secret only the service holds, so a token cannot be
// forged or pointed at another grant. Each CreateGrant call gets a new token (a fresh nonce), even
// when Name idempotence returns an existing grant; all tokens of one grant work alike.

const VERSION = 1;
const GRANT_ID_BYTES = 32;
const NONCE_BYTES = 16;
const MAC_BYTES = 32;
const TOKEN_BYTES = 1 + GRANT_ID_BYTES + NONCE_BYTES + MAC_BYTES;
const GRANT_ID = /^[0-9a-f]{64}$/;

/** The token secret, derived from the root key so that tokens keep working across restarts. */
export function grantTokenSecret(rootKey: Buffer): Buffer {
  return derivedKey(rootKey, 'keywarden grant tokens v1');
}

export class GrantTokens {
  private readonly secret: Buffer;

  constructor(
    secret: Buffer,
    private readonly random: Random,
  ) {
    if (secret.length < 32) throw new Error('the grant token secret must be at least 32 bytes');
    this.secret = Buffer.from(secret);
  }

  issue(grantId: string): string {
    if (!GRANT_ID.test(grantId)) throw new Error(`not a grant id: ${grantId}`);
    const body = Buffer.concat([Buffer.of(VERSION), Buffer.from(grantId, 'hex'), this.random.nonce(NONCE_BYTES)]);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** The grant a token names, or undefined for any string this service did not issue. */
  grantIdOf(token: string): string | undefined {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const raw = Buffer.from(token, 'base64url');
    // Decoding forgives stray trailing characters; only the token exactly as issued is one.
    if (raw.length !== TOKEN_BYTES || raw[0] !== VERSION || raw.toString('base64url') !== token) return undefined;
    const body = raw.subarray(0, TOKEN_BYTES - MAC_BYTES);
    if (!timingSafeEqual(this.mac(body), raw.subarray(TOKEN_BYTES - MAC_BYTES))) return undefined;
    return body.subarray(1, 1 + GRANT_ID_BYTES).toString('hex');
  }

  /** The grant a token names; a token this service did not issue is InvalidGrantTokenException. */
  requireGrantId(token: string): string {
    const grantId = this.grantIdOf(token);
    if (grantId === undefined) throw new InvalidGrantTokenException('The grant token is not valid.');
    return grantId;
  }

  /**
   * The live grants a request's tokens carry, each once: every token is checked first, and a token
   * whose grant was retired or revoked carries nothing.
   */
  async liveGrants(tokens: readonly string[], grants: Pick<GrantRepository, 'get'>): Promise<GrantRecord[]> {
    const ids = [...new Set(tokens.map((t) => this.requireGrantId(t)))];
    const found = await Promise.all(ids.map((id) => grants.get(id)));
    return found.filter((g): g is GrantRecord => g !== undefined);
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest();
  }
}
