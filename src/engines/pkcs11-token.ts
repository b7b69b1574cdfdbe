import type * as Pkcs11js from 'pkcs11js';
import { EngineBusyError } from '../cluster/hsm-engine.js';
import { ckr, type Handle, type Pkcs11Api, Pkcs11SetupError, pkcs11js, type TokenSlot } from './pkcs11-module.js';
import { SessionPool } from './pkcs11-sessions.js';

type Template = Pkcs11js.Template;

/**
 * One PKCS#11 token, logged in as its user. The session that logged in stays open for as long as
 * the token is used (closing a token's last session logs its user out) and runs the short
 * management calls (find, generate, wrap, unwrap, destroy), which pkcs11js makes synchronously,
 * so no two of them ever overlap in it; cryptography for callers runs in sessions of the pool.
 */
export class Token {
  readonly sessions: SessionPool<Handle>;
  /** Handles of the copies of key objects it holds, by key object id (hex): found by CKA_ID once. */
  private readonly copies = new Map<string, Handle>();

  private constructor(
    readonly api: Pkcs11Api,
    readonly slot: TokenSlot,
    readonly anchor: Handle,
    limit: number,
  ) {
    const lib = pkcs11js();
    this.sessions = new SessionPool<Handle>(
      `PKCS#11 token '${slot.label}'`,
      () => {
        try {
          return api.C_OpenSession(slot.slot, lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION);
        } catch (err) {
          if (ckr(err) === 'CKR_SESSION_COUNT') throw new EngineBusyError(`PKCS#11 token '${slot.label}' refused another session (CKR_SESSION_COUNT)`);
          throw err;
        }
      },
      (session) => api.C_CloseSession(session),
      limit,
      1,
    );
  }

  get label(): string {
    return this.slot.label;
  }

  static open(api: Pkcs11Api, slot: TokenSlot, pin: string, limit: number): Token {
    const lib = pkcs11js();
    let anchor: Handle;
    try {
      anchor = api.C_OpenSession(slot.slot, lib.CKF_SERIAL_SESSION | lib.CKF_RW_SESSION);
    } catch (err) {
      throw new Pkcs11SetupError(`cannot open a session on PKCS#11 token '${slot.label}': ${ckr(err) ?? (err as Error).message}`);
    }
    try {
      api.C_Login(anchor, lib.CKU_USER, pin);
    } catch (err) {
      const code = ckr(err);
      if (code !== 'CKR_USER_ALREADY_LOGGED_IN') {
        api.C_CloseSession(anchor);
        throw new Pkcs11SetupError(loginFailure(slot.label, code ?? (err as Error).message));
      }
    }
    return new Token(api, slot, anchor, limit);
  }

  /** Every object that matches the template (in the token's order). */
  find(template: Template): Handle[] {
    const found: Handle[] = [];
    this.api.C_FindObjectsInit(this.anchor, template);
    try {
      for (;;) {
        const batch = this.api.C_FindObjects(this.anchor, 64);
        found.push(...batch);
        if (batch.length < 64) break;
      }
    } finally {
      this.api.C_FindObjectsFinal(this.anchor);
    }
    return found;
  }

  value(object: Handle, type: number): Buffer {
    return this.api.C_GetAttributeValue(this.anchor, object, [{ type }])[0]!.value;
  }

  destroyObject(object: Handle): void {
    try {
      this.api.C_DestroyObject(this.anchor, object);
    } catch (err) {
      // Gone already (another process deleted it): what destroying it was for.
      if (!/HANDLE_INVALID/.test(ckr(err) ?? '')) throw err;
    }
  }

  cachedCopy(objectId: string): Handle | undefined {
    return this.copies.get(objectId);
  }

  rememberCopy(objectId: string, handle: Handle): void {
    this.copies.set(objectId, handle);
  }

  forgetCopy(objectId: string): void {
    this.copies.delete(objectId);
  }

  forgetCopies(): void {
    this.copies.clear();
  }

  close(): void {
    this.sessions.releaseAll();
    this.sessions.closeIdle();
    try {
      this.api.C_CloseSession(this.anchor);
    } catch {
      // Finalising the library closes it anyway.
    }
  }
}

function loginFailure(label: string, code: string): string {
  switch (code) {
    case 'CKR_PIN_INCORRECT':
      return `the PIN for PKCS#11 token '${label}' is not correct; correct "pin" in the --pkcs11-config file or KEYWARDEN_PKCS11_PIN`;
    case 'CKR_PIN_LOCKED':
      return `PKCS#11 token '${label}' has locked its user PIN after too many wrong ones; its security officer must set a new one`;
    case 'CKR_USER_PIN_NOT_INITIALIZED':
      return `PKCS#11 token '${label}' has no user PIN yet; its security officer must set one`;
    default:
      return `cannot log in to PKCS#11 token '${label}': ${code}`;
  }
}
