import { randomBytes } from 'node:crypto';
import { customKeyStoreKey } from './key-store.js';
import type { LoadClient } from './load.js';

// The request the builds are compared on: one of the hot operations, with a key made for it on the
// server at hand, a service key or a key in a new, connected custom key store.

export const HOT_OPERATIONS = ['Encrypt', 'Decrypt', 'GenerateDataKey'] as const;
export type HotOperation = (typeof HOT_OPERATIONS)[number];
export type KeyKind = 'service' | 'store';

export const isHotOperation = (op: string): op is HotOperation => (HOT_OPERATIONS as readonly string[]).includes(op);
export const isKeyKind = (kind: string): kind is KeyKind => kind === 'service' || kind === 'store';

/** The body of `op` on a new key of `kind` (4 KiB of plaintext for Encrypt, the ciphertext of as much for Decrypt). */
export async function hotRequest(client: LoadClient, serverUrl: string, op: HotOperation, kind: KeyKind): Promise<Buffer> {
  const keyId =
    kind === 'store'
      ? await customKeyStoreKey(client, serverUrl)
      : (await client.call<{ KeyMetadata: { KeyId: string } }>('TrentService.CreateKey', { Description: 'keywarden bench' })).KeyMetadata.KeyId;
  const encrypt = { KeyId: keyId, Plaintext: randomBytes(4096).toString('base64') };
  const input =
    op === 'Decrypt'
      ? { CiphertextBlob: (await client.call<{ CiphertextBlob: string }>('TrentService.Encrypt', encrypt)).CiphertextBlob }
      : op === 'GenerateDataKey'
        ? { KeyId: keyId, KeySpec: 'AES_256' }
        : encrypt;
  return Buffer.from(JSON.stringify(input));
}
