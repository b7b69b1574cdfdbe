import type { KmsOperations } from '../../protocol/models/kms.types.js';
import { operationsOf } from '../../protocol/service.js';
import type { KmsApp } from './app.js';

/** A KMS operation: `kmsOperation('Sign', async (input, ctx, kms) => …)`, typed from the KMS model. */
export const kmsOperation = operationsOf<KmsApp, KmsOperations>();
