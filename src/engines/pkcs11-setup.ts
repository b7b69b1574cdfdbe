import { readFileSync } from 'node:fs';
import { Pkcs11Engine } from './pkcs11.js';
import { Pkcs11Module, Pkcs11SetupError } from './pkcs11-module.js';
import { TokenRootKey } from './pkcs11-root-key.js';
import type { Token } from './pkcs11-token.js';

/** What `serve --pkcs11-module PATH [--pkcs11-config FILE]` and KEYWARDEN_PKCS11_PIN give. */
export interface Pkcs11Setup {
  module: string;
  configFile?: string;
  /** The user PIN of every token that the configuration gives none for (KEYWARDEN_PKCS11_PIN). */
  pin?: string;
}

/**
 * The `--pkcs11-config` file (JSON). Every member is optional:
 * - `tokens`: the tokens that serve as HSMs, by label (or `{ "label": …, "pin": … }`), taken in
 *   this order; by default every initialised token of the module, in the order of their labels.
 * - `pin`: the user PIN of the tokens that do not give their own (else KEYWARDEN_PKCS11_PIN).
 * - `rootKeyToken`: the token that holds the root key with `--root-key pkcs11` (default: the
 *   first token).
 * - `maxSessions`: the most sessions Keywarden opens on one token, for modules that state no
 *   limit of their own (SoftHSM2 states none; a CloudHSM HSM allows about 1,000).
 */
export interface Pkcs11Config {
  tokens?: Array<string | { label: string; pin?: string }>;
  pin?: string;
  rootKeyToken?: string;
  maxSessions?: number;
}

const MEMBERS = new Set(['tokens', 'pin', 'rootKeyToken', 'maxSessions']);

/** The library and the tokens it serves as HSMs, each logged in: what the engine and the root key use. */
export class Pkcs11Backend {
  private constructor(
    private readonly module: Pkcs11Module,
    readonly tokens: readonly Token[],
    private readonly rootToken: Token,
  ) {}

  /**
   * Loads the library and logs in to every token the configuration names, so that a wrong
   * library path, token label or PIN stops the start with one sentence saying which.
   */
  static open(setup: Pkcs11Setup): Pkcs11Backend {
    const config = readConfig(setup.configFile);
    const module = Pkcs11Module.open(setup.module);
    try {
      const named = config.tokens ?? module.slots().map((s) => s.label).sort();
      if (named.length === 0) throw new Pkcs11SetupError(`the PKCS#11 module ${setup.module} has no initialised token; initialise one (softhsm2-util --init-token, or the vendor's tool)`);
      const open = (label: string, pin?: string) => {
        const given = pin ?? config.pin ?? setup.pin;
        if (given === undefined || given === '') {
          throw new Pkcs11SetupError(`no PIN for PKCS#11 token '${label}': put "pin" in the --pkcs11-config file or set KEYWARDEN_PKCS11_PIN`);
        }
        return module.token(label, given, config.maxSessions);
      };
      const tokens = named.map((t) => (typeof t === 'string' ? open(t) : open(t.label, t.pin)));
      const rootToken = config.rootKeyToken === undefined ? tokens[0]! : (tokens.find((t) => t.label === config.rootKeyToken) ?? open(config.rootKeyToken));
      return new Pkcs11Backend(module, tokens, rootToken);
    } catch (err) {
      module.close();
      throw err;
    }
  }

  /** The engine whose HSMs are these tokens. It holds the library open until it is closed itself. */
  engine(liveHsms?: () => Promise<ReadonlySet<string>>): Pkcs11Engine {
    const module = Pkcs11Module.open(this.module.path);
    try {
      return new Pkcs11Engine({ module, tokens: this.tokens, liveHsms });
    } catch (err) {
      module.close();
      throw err;
    }
  }

  /** The root key in its token; made there if `create` (nothing is sealed under any root key yet). */
  rootKey(create: boolean): TokenRootKey {
    return TokenRootKey.open(this.rootToken, create);
  }

  close(): void {
    this.module.close();
  }
}

function readConfig(file: string | undefined): Pkcs11Config {
  if (file === undefined) return {};
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Pkcs11SetupError(`cannot read the --pkcs11-config file ${file}: ${(err as Error).message}`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new Pkcs11SetupError(`the --pkcs11-config file ${file} is not JSON: ${(err as Error).message}`);
  }
  const bad = (what: string) => new Pkcs11SetupError(`the --pkcs11-config file ${file}: ${what}`);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw bad('it must be a JSON object');
  const c = config as Record<string, unknown>;
  for (const key of Object.keys(c)) if (!MEMBERS.has(key)) throw bad(`'${key}' is not a setting; use tokens, pin, rootKeyToken or maxSessions`);
  if (c.tokens !== undefined) {
    const ok = Array.isArray(c.tokens) && c.tokens.length > 0 && c.tokens.every(
      (t) => (typeof t === 'string' && t !== '') || (typeof t === 'object' && t !== null && typeof t.label === 'string' && (t.pin === undefined || typeof t.pin === 'string')),
    );
    if (!ok) throw bad('"tokens" lists token labels, each a string or { "label": …, "pin": … }');
  }
  if (c.pin !== undefined && typeof c.pin !== 'string') throw bad('"pin" is a string');
  if (c.rootKeyToken !== undefined && (typeof c.rootKeyToken !== 'string' || c.rootKeyToken === '')) throw bad('"rootKeyToken" is a token label');
  if (c.maxSessions !== undefined && !(Number.isInteger(c.maxSessions) && (c.maxSessions as number) >= 1)) throw bad('"maxSessions" is a whole number of sessions, 1 or more');
  return c as Pkcs11Config;
}
