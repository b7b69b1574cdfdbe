import type { ModelSpec } from './hostile-input.js';

// The KeywardenAdmin inputs (src/operations/admin/model.json) as a model slice for the fuzzer, with
// examples that the handlers accept, so that a hostile member meets the work behind it rather than
// the validator. The fuzz test fails when an admin operation is missing here.

const str = { shape: 'String' };
const subnet = { shape: 'SubnetId' };
const cluster = { shape: 'ClusterId' };
const store = { shape: 'CustomKeyStoreId' };
const int = { shape: 'Integer' };

export const adminInputModel: ModelSpec = {
  operations: {
    GetClock: { input: 'Empty' },
    AdvanceClock: { input: 'AdvanceClockInput' },
    ResetClock: { input: 'Empty' },
    ListSubnets: { input: 'Empty' },
    CreateSubnet: { input: 'CreateSubnetInput' },
    DeleteSubnet: { input: 'SubnetInput' },
    SetFreeAddresses: { input: 'SetFreeAddressesInput' },
    BackupCluster: { input: 'ClusterInput' },
    SetFault: { input: 'SetFaultInput' },
    ClearFault: { input: 'FaultInput' },
    ListFaults: { input: 'Empty' },
    DeleteBackingKey: { input: 'KeyInput' },
    ExportAuditEvents: { input: 'ExportAuditEventsInput' },
    VerifyAuditTrail: { input: 'Empty' },
    ExplainAuthorization: { input: 'ExplainInput' },
    DiagnoseCustomKeyStore: { input: 'StoreInput' },
  },
  shapes: {
    String: { type: 'string' },
    SubnetId: { type: 'string' },
    ClusterId: { type: 'string' },
    CustomKeyStoreId: { type: 'string' },
    KeyId: { type: 'string' },
    Integer: { type: 'integer' },
    FaultKind: { type: 'string', enum: ['NETWORK_CUT', 'CONNECT_INTERNAL_ERROR', 'SESSION_LIMIT'] },
    Empty: { type: 'structure', members: {} },
    Duration: { type: 'string', example: '1s' },
    AvailabilityZone: { type: 'string', example: 'us-east-1a' },
    AdvanceClockInput: { type: 'structure', required: ['Duration'], members: { Duration: { shape: 'Duration' } } },
    CreateSubnetInput: {
      type: 'structure',
      required: ['AvailabilityZone'],
      members: { AvailabilityZone: { shape: 'AvailabilityZone' }, FreeAddresses: int },
    },
    SubnetInput: { type: 'structure', required: ['SubnetId'], members: { SubnetId: subnet } },
    SetFreeAddressesInput: { type: 'structure', required: ['SubnetId', 'FreeAddresses'], members: { SubnetId: subnet, FreeAddresses: int } },
    ClusterInput: { type: 'structure', required: ['ClusterId'], members: { ClusterId: cluster } },
    SetFaultInput: {
      type: 'structure',
      required: ['Fault'],
      members: { Fault: { shape: 'FaultKind' }, ClusterId: cluster, CustomKeyStoreId: store, SessionsPerHsm: int },
    },
    FaultInput: { type: 'structure', required: ['Fault'], members: { Fault: { shape: 'FaultKind' }, ClusterId: cluster, CustomKeyStoreId: store } },
    StoreInput: { type: 'structure', required: ['CustomKeyStoreId'], members: { CustomKeyStoreId: store } },
    KeyInput: { type: 'structure', required: ['KeyId'], members: { KeyId: { shape: 'KeyId' } } },
    PrincipalArn: { type: 'string', example: 'arn:aws:iam::111122223333:user/fuzz' },
    Action: { type: 'string', example: 'kms:Decrypt' },
    Context: { type: 'map', key: str, value: str },
    ExplainInput: {
      type: 'structure',
      required: ['PrincipalArn', 'Action'],
      members: { PrincipalArn: { shape: 'PrincipalArn' }, Action: { shape: 'Action' }, KeyId: { shape: 'KeyId' }, EncryptionContext: { shape: 'Context' }, SourceIp: str },
    },
    ExportAuditEventsInput: { type: 'structure', members: { Since: str, Until: str, NextToken: str, MaxRecords: int } },
  },
};
