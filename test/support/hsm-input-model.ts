import type { ModelSpec } from './hostile-input.js';

// KeywardenHsm (what the CloudHSM command-line tools call) has no service model: each handler in
// src/operations/hsm reads its own members through operations/hsm/input.ts. This is what they
// read, as a model slice for the fuzzer. The fuzz test fails when an operation is missing here.

const cluster = { shape: 'ClusterId' };
const token = { shape: 'SessionToken' };
const user = { Username: { shape: 'Username' }, Role: { shape: 'Role' } };

export const hsmInputModel: ModelSpec = {
  operations: {
    GetClusterInfo: { input: 'ClusterInput' },
    GetSession: { input: 'SessionInput' },
    Login: { input: 'LoginInput' },
    Logout: { input: 'SessionInput' },
    ListUsers: { input: 'ClusterInput' },
    CreateUser: { input: 'UserPasswordInput' },
    DeleteUser: { input: 'UserInput' },
    ChangePassword: { input: 'UserPasswordInput' },
    ActivateCluster: { input: 'ActivateInput' },
    CreateKey: { input: 'CreateKeyInput' },
    ListKeys: { input: 'ListKeysInput' },
    DeleteKey: { input: 'FiltersInput' },
    GetAttribute: { input: 'AttributeInput' },
    ListUserKeys: { input: 'UserKeysInput' },
  },
  shapes: {
    ClusterId: { type: 'string', min: 1, max: 64 },
    SessionToken: { type: 'string', min: 1, max: 256 },
    Username: { type: 'string', min: 1, max: 64 },
    Password: { type: 'string', min: 1, max: 64 },
    Role: { type: 'string', enum: ['admin', 'crypto-user', 'unactivated-admin', 'appliance'] },
    Label: { type: 'string', min: 1, max: 127 },
    Id: { type: 'string', min: 1, max: 130 },
    KeyReference: { type: 'string', min: 1, max: 20 },
    Token: { type: 'string', min: 1, max: 20 },
    Filter: { type: 'string' },
    Filters: { type: 'list', member: { shape: 'Filter' } },
    KeyLength: { type: 'integer', min: 16, max: 32 },
    MaxItems: { type: 'integer', min: 1, max: 10_000 },
    UserId: { type: 'integer', min: 1, max: 1_000_000 },
    Boolean: { type: 'boolean' },
    ClusterInput: { type: 'structure', required: ['ClusterId'], members: { ClusterId: cluster } },
    SessionInput: { type: 'structure', required: ['ClusterId', 'SessionToken'], members: { ClusterId: cluster, SessionToken: token } },
    LoginInput: {
      type: 'structure',
      required: ['ClusterId', 'Username', 'Role', 'Password'],
      members: { ClusterId: cluster, ...user, Password: { shape: 'Password' } },
    },
    UserInput: {
      type: 'structure',
      required: ['ClusterId', 'SessionToken', 'Username', 'Role'],
      members: { ClusterId: cluster, SessionToken: token, ...user },
    },
    UserPasswordInput: {
      type: 'structure',
      required: ['ClusterId', 'SessionToken', 'Username', 'Role', 'Password'],
      members: { ClusterId: cluster, SessionToken: token, ...user, Password: { shape: 'Password' } },
    },
    ActivateInput: { type: 'structure', required: ['ClusterId', 'Password'], members: { ClusterId: cluster, Password: { shape: 'Password' } } },
    CreateKeyInput: {
      type: 'structure',
      required: ['ClusterId', 'SessionToken', 'Label'],
      members: {
        ClusterId: cluster,
        SessionToken: token,
        Label: { shape: 'Label' },
        Id: { shape: 'Id' },
        KeyLengthBytes: { shape: 'KeyLength' },
        Extractable: { shape: 'Boolean' },
      },
    },
    ListKeysInput: {
      type: 'structure',
      required: ['ClusterId', 'SessionToken'],
      members: { ClusterId: cluster, SessionToken: token, Filters: { shape: 'Filters' }, MaxItems: { shape: 'MaxItems' }, StartingToken: { shape: 'Token' } },
    },
    FiltersInput: { type: 'structure', required: ['ClusterId', 'SessionToken'], members: { ClusterId: cluster, SessionToken: token, Filters: { shape: 'Filters' } } },
    AttributeInput: {
      type: 'structure',
      required: ['ClusterId', 'SessionToken', 'KeyReference'],
      members: { ClusterId: cluster, SessionToken: token, KeyReference: { shape: 'KeyReference' } },
    },
    UserKeysInput: {
      type: 'structure',
      required: ['ClusterId', 'SessionToken', 'UserId'],
      members: { ClusterId: cluster, SessionToken: token, UserId: { shape: 'UserId' } },
    },
  },
};
