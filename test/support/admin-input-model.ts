import type { ModelSpec } from './hostile-input.js';

// KeywardenAdmin has no service model: each handler in src/operations/admin reads its own members.
// This is what they read, written as a model slice so that the fuzzer treats the admin API like
// the modelled ones, with examples that the handlers accept so that a hostile member meets the work
// behind it. The fuzz test fails when an admin operation is missing here.

const str = { shape: 'String' };
const subnet = { shape: 'SubnetId' };
const cluster = { shape: 'ClusterId' };
const store = { shape: 'CustomKeyStoreId' };
const int = { shape: 'Integer' };

export const adminInputModel: ModelSpec = {
  operations: {
    GetClock: { input: 'Empty' },
    AdvanceClock: { input: 'AdvanceClockInput' },
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
    KeyInput: { type: 'structure', required: ['KeyId'], members: { KeyId: { shape: 'KeyId' } } },
    ExportAuditEventsInput: { type: 'structure', members: { Since: str, Until: str, NextToken: str, MaxRecords: int } },
  },
};
