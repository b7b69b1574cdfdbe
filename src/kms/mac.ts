import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Caller, KmsDeps } from './context.js';
import { dryRunSucceeded, InvalidKeyUsageException, KMSInvalidMacException } from './errors.js';
import { currentMaterial } from './key.js';
import { MAC_ALGORITHMS, usageAlgorithms, type MacAlgorithm } from './key-specs.js';
import type { KeyService, KeyView } from './keys.js';

export interface MacRequest {
  keyId: string;
  message: Buffer;
  algorithm: MacAlgorithm;
  dryRun?: boolean;
}

/** HMAC with HMAC KMS keys (RFC 2104), each key with the one algorithm its key spec names. */
export class MacService {
  constructor(
    private readonly deps: KmsDeps,
    private readonly keys: KeyService,
  ) {}

  async generate(caller: Caller, req: MacRequest): Promise<{ view: KeyView; mac: Buffer }> {
    const { view, key } = await this.prepare(caller, req, 'GenerateMac');
    return { view, mac: hmac(key, req) };
  }

  /** Returns when the MAC is right; a wrong one is KMSInvalidMacException, which AWS sends without a message. */
  async verify(caller: Caller, req: MacRequest & { mac: Buffer }): Promise<KeyView> {
    const { view, key } = await this.prepare(caller, req, 'VerifyMac');
    const expected = hmac(key, req);
    if (req.mac.length !== expected.length || !timingSafeEqual(req.mac, expected)) throw new KMSInvalidMacException('');
    return view;
  }

  private async prepare(caller: Caller, req: MacRequest, operation: 'GenerateMac' | 'VerifyMac'): Promise<{ view: KeyView; key: KeyObject }> {
    const view = await this.keys.usable(caller, req.keyId, operation);
    const { key, arn } = view;
    if (key.keyUsage !== 'GENERATE_VERIFY_MAC') {
      throw new InvalidKeyUsageException(`${arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`);
    }
    if (!usageAlgorithms(key.keySpec, 'GENERATE_VERIFY_MAC').mac?.includes(req.algorithm)) {
      throw new InvalidKeyUsageException(`Algorithm ${req.algorithm} is incompatible with key spec ${key.keySpec}.`);
    }
    if (req.dryRun) throw dryRunSucceeded();
    return { view, key: this.deps.backends.secret(key, currentMaterial(key), (raw) => createSecretKey(raw)) };
  }
}

const hmac = (key: KeyObject, req: MacRequest): Buffer => createHmac(MAC_ALGORITHMS[req.algorithm].hash, key).update(req.message).digest();
