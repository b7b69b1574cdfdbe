import type { Report } from '../../doctor/diagnose.js';
import type { Principal } from '../../protocol/credentials.js';
import type { CallContext } from '../../protocol/service.js';

// `keywarden doctor` for one custom key store, run inside the service for the console. Doctor is
// a client of the public APIs, and stays one here: its SDK clients call this same service on its
// own loopback address, signed with the caller's own access key (and session token, when the
// caller's credentials carry one), so every read is authorized and audited exactly as if the
// caller had run `keywarden doctor --custom-key-store-id` themselves. Nothing is read around
// authorization, and nothing that the caller could not read is shown.

/** Where the service answers itself: its loopback URL, and the certificate to trust when it speaks HTTPS. */
export interface SelfEndpoint {
  url: string;
  ca?: Buffer;
}

export interface StoreDoctorOptions {
  endpoint: () => SelfEndpoint | undefined;
  principalOf: (accessKeyId: string) => Principal | undefined;
  /** The whole run's bound; reads still in flight then are abandoned. */
  timeoutMs?: number;
  /** Keys read with DescribeKey at most: the account's keys are listed to find the store's. */
  maxKeys?: number;
}

export type StoreDoctor = (ctx: CallContext, customKeyStoreId: string) => Promise<Report>;

export const STORE_DOCTOR_TIMEOUT_MS = 20_000;

export function storeDoctor(opts: StoreDoctorOptions): StoreDoctor {
  // Doctor's four AWS SDK clients take seconds of CPU to load: they are loaded on the first
  // diagnosis, not with the service, so that a start (and a refused one) does not pay for them.
  let run: Promise<typeof import('./store-doctor-run.js')> | undefined;
  return async (ctx, customKeyStoreId) => {
    run ??= import('./store-doctor-run.js');
    return (await run).runStoreDoctor(opts, ctx, customKeyStoreId);
  };
}

/** The URL the service reaches itself at: its own address, with the loopback address in place of a wildcard one. */
export function selfUrlOf(host: string, port: number, https: boolean): string {
  const own = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `${https ? 'https' : 'http'}://${own.includes(':') ? `[${own}]` : own}:${port}`;
}
