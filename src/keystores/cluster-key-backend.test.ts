import { clusterBackendHarness } from '../../test/support/cluster-backend-harness.js';
import { keyBackendContract } from '../kms/key-backend-contract.js';

keyBackendContract('custom key store (software engine)', () => clusterBackendHarness());
