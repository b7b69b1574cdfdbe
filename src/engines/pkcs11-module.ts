import { createRequire } from 'node:module';
import type * as Pkcs11js from 'pkcs11js';
import { Token } from './pkcs11-token.js';

export type Pkcs11Lib = typeof Pkcs11js;
export type Pkcs11Api = Pkcs11js.PKCS11;
export type Handle = Pkcs11js.Handle;

const require = createRequire(import.meta.url);
let binding: Pkcs11Lib | undefined;

/** pkcs11js, loaded on first use: a service on the software engine never loads the native binding. */
export const pkcs11js = (): Pkcs11Lib => (binding ??= require('pkcs11js') as Pkcs11Lib);

/** Why `keywarden serve` cannot use the PKCS#11 library, tokens or PINs it was given: one sentence that says what to fix. */
export class Pkcs11SetupError extends Error {}

/** The CKR_… name of a PKCS#11 error, or undefined for anything else. */
export function ckr(err: unknown): string | undefined {
  const e = err as { name?: string; message?: string } | undefined;
  return e?.name === 'Pkcs11Error' && typeof e.message === 'string' && e.message.startsWith('CKR_') ? e.message : undefined;
}

export interface TokenSlot {
  slot: Handle;
  label: string;
  serial: string;
  /** The most sessions the token allows at once, when it says (0 or "unavailable" mean no stated limit). */
  maxSessions?: number;
}

interface Shared {
  api: Pkcs11Api;
  users: number;
  tokens: Map<string, Token>;
}

// A PKCS#11 library is initialised once per process: a second C_Initialize is an error, and
// logins belong to the application, not to a session. Engines, the root key and tests opened
// on one library therefore share it, and its tokens, until the last of them closes it.
const opened = new Map<string, Shared>();

/** A PKCS#11 library (a `.so`), initialised with CKF_OS_LOCKING_OK: calls may run on several threads. */
export class Pkcs11Module {
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly shared: Shared,
  ) {}

  static open(path: string): Pkcs11Module {
    let shared = opened.get(path);
    if (!shared) {
      const lib = pkcs11js();
      const api = new lib.PKCS11();
      try {
        api.load(path);
      } catch (err) {
        throw new Pkcs11SetupError(`cannot load the PKCS#11 module ${path}: ${firstLine(err)}; pass the path of the token's PKCS#11 library with --pkcs11-module`);
      }
      try {
        api.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
      } catch (err) {
        if (ckr(err) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
          api.close();
          throw new Pkcs11SetupError(`the PKCS#11 module ${path} did not initialise: ${firstLine(err)}`);
        }
      }
      shared = { api, users: 0, tokens: new Map() };
      opened.set(path, shared);
    }
    shared.users++;
    return new Pkcs11Module(path, shared);
  }

  get api(): Pkcs11Api {
    return this.shared.api;
  }

  /** The initialised tokens the library shows, by label. */
  slots(): TokenSlot[] {
    const lib = pkcs11js();
    const out: TokenSlot[] = [];
    for (const slot of this.api.C_GetSlotList(true)) {
      const info = this.api.C_GetTokenInfo(slot);
      if (!(info.flags & lib.CKF_TOKEN_INITIALIZED)) continue;
      const max = info.maxSessionCount;
      out.push({ slot, label: info.label.trim(), serial: info.serialNumber.trim(), maxSessions: max > 0 && max < 0xffffffff ? max : undefined });
    }
    return out;
  }

  /**
   * The token labelled `label`, logged in as its user with `pin`. Each token is opened once per
   * library: its first session holds the login for every session opened on it later.
   */
  token(label: string, pin: string, maxSessions?: number): Token {
    const known = this.shared.tokens.get(label);
    if (known) return known;
    const slots = this.slots();
    const found = slots.filter((s) => s.label === label);
    if (found.length === 0) {
      const labels = slots.map((s) => `'${s.label}'`).join(', ') || 'none';
      throw new Pkcs11SetupError(`the PKCS#11 module ${this.path} has no initialised token labelled '${label}' (its tokens: ${labels}); initialise it or correct the token labels of --pkcs11-config`);
    }
    if (found.length > 1) throw new Pkcs11SetupError(`the PKCS#11 module ${this.path} has ${found.length} tokens labelled '${label}'; give each token of Keywarden a label of its own`);
    const slot = found[0]!;
    const limit = Math.min(slot.maxSessions ?? Infinity, maxSessions ?? Infinity);
    const token = Token.open(this.api, slot, pin, limit);
    this.shared.tokens.set(label, token);
    return token;
  }

  /** The last holder to close it closes the tokens' sessions and finalises the library. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (--this.shared.users > 0) return;
    opened.delete(this.path);
    for (const token of this.shared.tokens.values()) token.close();
    try {
      this.api.C_Finalize();
    } finally {
      this.api.close();
    }
  }
}

const firstLine = (err: unknown) => String((err as Error)?.message ?? err).split('\n')[0]!.trim();
