import { diagnosisToWire } from './diagnosis-shape.js';
import { adminOperation } from './operation.js';

/**
 * `keywarden doctor --custom-key-store-id` for the console: doctor's findings for one store, read
 * through the public APIs as the caller (store-doctor.ts), within a time limit. The store must
 * exist in the caller's account and Region, so a mistyped id gets KMS's own NotFound answer.
 */
export const diagnoseCustomKeyStore = adminOperation('DiagnoseCustomKeyStore', async (input, ctx, app) => {
  await app.keyStores.stores.get(ctx, input.CustomKeyStoreId);
  return diagnosisToWire(await app.storeDoctor(ctx, input.CustomKeyStoreId));
});
