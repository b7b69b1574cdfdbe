import { EngineUnavailableError } from '../cluster/hsm-engine.js';
import { pkcs11js } from './pkcs11-module.js';
import type { Token } from './pkcs11-token.js';
import { ROOT_KEY_LABEL } from './pkcs11-root-key.js';
import { WRAPPING_KEY_LABEL } from './pkcs11-wrapping-key.js';

const APPLICATION = 'keywarden';
const ASSIGNMENT_LABEL = 'keywarden-hsm';
/** Keys a token keeps whatever HSM it serves. */
export const RESERVED_LABELS: ReadonlySet<string> = new Set([WRAPPING_KEY_LABEL, ROOT_KEY_LABEL]);

/**
 * Which token is which HSM. Each HSM of every cluster is one token of the configuration, taken
 * when the HSM is first used and kept for as long as the HSM exists. The token records the HSM
 * it serves in a data object of its own, so the pairing survives a restart without any file.
 *
 * Tokens are finite, HSMs are not: when none is free, the tokens of HSMs that no longer exist
 * (deleted, or their cluster deleted) are emptied of key objects and serve the new HSM. A
 * cluster's keys are not lost with its HSMs: the cluster keeps them wrapped, and its next HSM
 * gets copies of them on first use.
 */
export class HsmTokens {
  private readonly byHsm = new Map<string, Token>();
  private readonly hsmOf = new Map<Token, string>();
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly tokens: readonly Token[],
    /** The HSMs that exist, across every cluster; without it no token is ever taken back. */
    private readonly liveHsms?: () => Promise<ReadonlySet<string>>,
  ) {
    for (const token of tokens) {
      const [record] = token.find(assignmentTemplate());
      if (!record) continue;
      const hsmId = token.value(record, pkcs11js().CKA_VALUE).toString('utf8');
      this.byHsm.set(hsmId, token);
      this.hsmOf.set(token, hsmId);
    }
  }

  /** The token serving `hsmId`, if it has one. */
  assigned(hsmId: string): Token | undefined {
    return this.byHsm.get(hsmId);
  }

  /** The token serving `hsmId`, taking a free one if it has none yet. */
  async tokenFor(hsmId: string): Promise<Token> {
    const known = this.byHsm.get(hsmId);
    if (known) return known;
    // One assignment at a time: two calls for a new HSM must not take two tokens.
    const next = this.turn.then(() => this.assign(hsmId));
    this.turn = next.catch(() => undefined);
    return next;
  }

  private async assign(hsmId: string): Promise<Token> {
    const known = this.byHsm.get(hsmId);
    if (known) return known;
    let free = this.tokens.find((t) => !this.hsmOf.has(t));
    if (!free && this.liveHsms) {
      const live = await this.liveHsms();
      for (const [token, owner] of this.hsmOf) if (!live.has(owner)) this.unassign(token);
      free = this.tokens.find((t) => !this.hsmOf.has(t));
    }
    if (!free) {
      throw new EngineUnavailableError(
        `No PKCS#11 token is free to serve HSM ${hsmId}: each of the ${this.tokens.length} tokens configured serves an HSM that exists. Add tokens to the engine's configuration, or delete HSMs that are not needed.`,
      );
    }
    const lib = pkcs11js();
    empty(free);
    free.api.C_CreateObject(free.anchor, [...assignmentTemplate(), { type: lib.CKA_VALUE, value: Buffer.from(hsmId, 'utf8') }]);
    this.byHsm.set(hsmId, free);
    this.hsmOf.set(free, hsmId);
    return free;
  }

  private unassign(token: Token): void {
    const owner = this.hsmOf.get(token);
    for (const record of token.find(assignmentTemplate())) token.destroyObject(record);
    empty(token);
    this.hsmOf.delete(token);
    if (owner !== undefined) this.byHsm.delete(owner);
  }
}

/** Removes the key objects a token holds for the HSM it served; its reserved keys stay. */
function empty(token: Token): void {
  const lib = pkcs11js();
  for (const key of token.find([{ type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY }, { type: lib.CKA_TOKEN, value: true }])) {
    if (!RESERVED_LABELS.has(token.value(key, lib.CKA_LABEL).toString('utf8'))) token.destroyObject(key);
  }
  token.forgetCopies();
  token.sessions.releaseAll();
}

function assignmentTemplate() {
  const lib = pkcs11js();
  return [
    { type: lib.CKA_CLASS, value: lib.CKO_DATA },
    { type: lib.CKA_TOKEN, value: true },
    { type: lib.CKA_PRIVATE, value: true },
    { type: lib.CKA_APPLICATION, value: APPLICATION },
    { type: lib.CKA_LABEL, value: ASSIGNMENT_LABEL },
  ];
}
