// The CloudHSM command-line tools of the seed pages, driven through `./bin/keywarden` against a
// real server: CloudHSM CLI (seed 000), cloudhsm_mgmt_util and key_mgmt_util (seeds 003/004).
// Clusters are made the way a reader makes them (create, HSMs, CSR, initialize), through the SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateClusterCommand, CreateHsmCommand, DeleteHsmCommand } from '@aws-sdk/client-cloudhsm-v2';
import { describeCluster, initializedCluster, keywarden, type ToolRun, until } from '../support/hsm-cluster.js';
import { hsmSdk } from '../support/sdk-setup.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';
import { call, type ServiceCallError } from '../../src/cli/client.js';

const ADMIN_PW = 'AdminPassword1';
const KMS_PW = 'KmsuserPassword1';

let server: TestServer;
let work: string;
let dirs = 0;

before(async () => {
  // Three sessions per HSM, so that the capacity test can fill a one-HSM cluster.
  server = await startServer({ args: ['--cluster-delay-ms', '0', '--hsm-sessions', '3'] });
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-hsm-'));
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A fresh place for the tools to keep their session tokens: one person at one machine. */
const stateDir = () => join(work, `state-${++dirs}`);

/** Runs one tool with a script on standard input. */
function tool(name: 'cloudhsm-cli' | 'cloudhsm_mgmt_util' | 'key_mgmt_util', clusterId: string, script: string[], state: string): Promise<ToolRun> {
  return keywarden(server.url, [name, '--cluster-id', clusterId], script.join('\n') + '\n', { KEYWARDEN_STATE_DIR: state });
}

/** CloudHSM CLI prints one pretty-printed JSON envelope per command. */
function envelopes(stdout: string): Array<{ error_code: number; data: any }> {
  const out: Array<{ error_code: number; data: any }> = [];
  let doc = '';
  for (const line of stdout.split('\n')) {
    if (!doc && line !== '{') continue;
    doc += line + '\n';
    if (line === '}') {
      out.push(JSON.parse(doc));
      doc = '';
    }
  }
  return out;
}

/** An ACTIVE cluster with admin (ADMIN_PW) and kmsuser (KMS_PW), set up with CloudHSM CLI. */
async function activeCluster(hsmCount = 2): Promise<string> {
  const id = await initializedCluster(server.url, hsmCount);
  const r = await tool(
    'cloudhsm-cli',
    id,
    [
      `cluster activate --password ${ADMIN_PW}`,
      `login --username admin --role admin --password ${ADMIN_PW}`,
      `user create --username kmsuser --role crypto-user --password ${KMS_PW}`,
      'logout',
    ],
    stateDir(),
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual(envelopes(r.stdout).map((e) => e.error_code), [0, 0, 0, 0], r.stdout);
  return id;
}

test('CloudHSM CLI: activate a new cluster, create kmsuser, reset its password, find and delete a key by id (seed 000)', async () => {
  const id = await initializedCluster(server.url, 2);
  const state = stateDir();
  const before = envelopes((await tool('cloudhsm-cli', id, ['user list'], state)).stdout);
  assert.deepEqual(
    before[0]!.data.users.map((u: any) => [u.username, u.role, u.locked]),
    [
      ['admin', 'unactivated-admin', 'false'],
      ['app_user', 'internal(APPLIANCE_USER)', 'false'],
    ],
  );
  // A password the tool prompts for is the next line of the script: one line, even where a
  // terminal would ask for it twice (cluster activate, change-password).
  const setup = await tool(
    'cloudhsm-cli',
    id,
    [
      'cluster activate',
      ADMIN_PW,
      'login --username admin --role admin',
      ADMIN_PW,
      `user create --username KMSUser --role crypto-user --password ${KMS_PW}`,
      'user change-password --username kmsuser --role crypto-user',
      'tempPassword',
      'logout',
      'login --username kmsuser --role crypto-user',
      'tempPassword',
      'key generate-symmetric aes --label arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab --key-length-bytes 32',
      'quit',
    ],
    state,
  );
  assert.equal(setup.status, 0, setup.stdout + setup.stderr);
  const replies = envelopes(setup.stdout);
  assert.deepEqual(replies.slice(0, 6), [
    { error_code: 0, data: 'Cluster activation successful' },
    { error_code: 0, data: { username: 'admin', role: 'admin' } },
    { error_code: 0, data: { username: 'kmsuser', role: 'crypto-user' } },
    { error_code: 0, data: { username: 'kmsuser', role: 'crypto-user' } },
    { error_code: 0, data: 'Logout successful' },
    { error_code: 0, data: { username: 'kmsuser', role: 'crypto-user' } },
  ]);
  assert.equal((await describeCluster(server.url, id)).State, 'ACTIVE');
  const key = replies[6]!.data.key;
  assert.match(key['key-reference'], /^0x[0-9a-f]{16}$/);
  assert.match(key.attributes.id, /^0x[0-9a-f]{16}$/);
  assert.deepEqual([key.attributes.class, key.attributes['key-type'], key.attributes['key-length-bytes']], ['secret-key', 'aes', 32]);

  // The session is still open (no logout): this run resumes it.
  const backingKeyId = key.attributes.id.slice(2);
  const work = await tool(
    'cloudhsm-cli',
    id,
    [
      'key list',
      `key list --filter attr.id="0x${backingKeyId}" --verbose`,
      'key list --filter attr.label=nothing-has-this-label',
      `key delete --filter attr.id="0x${backingKeyId}"`,
      'key list',
      'logout',
    ],
    state,
  );
  assert.match(work.stderr, /Resuming the session of kmsuser \(crypto-user\)/);
  const [all, byId, none, deleted, after, logout] = envelopes(work.stdout);
  assert.deepEqual(all!.data, {
    matched_keys: [{ 'key-reference': key['key-reference'], attributes: { label: key.attributes.label } }],
    total_key_count: 1,
    returned_key_count: 1,
  });
  assert.deepEqual(byId!.data.matched_keys[0]['key-info']['key-owners'], [{ username: 'kmsuser', 'key-coverage': 'full' }]);
  assert.equal(byId!.data.matched_keys[0].attributes['check-value'].length, 8);
  assert.deepEqual(none!.data, { matched_keys: [], total_key_count: 0, returned_key_count: 0 });
  assert.deepEqual(deleted, { error_code: 0, data: { message: 'Key deleted successfully' } });
  assert.equal(after!.data.total_key_count, 0);
  assert.deepEqual(logout, { error_code: 0, data: 'Logout successful' });
  assert.equal(work.status, 0);
});

test('CloudHSM CLI: weak passwords, bad names and wrong roles are refused; a failing last command exits 1', async () => {
  const id = await activeCluster(1);
  const state = stateDir();
  const r = await tool(
    'cloudhsm-cli',
    id,
    [
      `login --username admin --role admin --password ${ADMIN_PW}`,
      'user create --username bob --role crypto-user --password short',
      'user create --username bob --role crypto-user --password has_underscore1',
      'user create --username bob-1 --role crypto-user --password BobPassword1',
      'user create --username bob --role crypto-user',
      'BobPassword1',
      `user create --username kmsuser --role crypto-user --password ${KMS_PW}`,
      'user create --username bob --role auditor --password BobPassword1',
      'key list --filter attr.colour=red',
      'logout',
      `login --username kmsuser --role admin --password ${KMS_PW}`,
    ],
    state,
  );
  const replies = envelopes(r.stdout);
  assert.equal(replies[0]!.error_code, 0);
  assert.deepEqual(replies[1], {
    error_code: 1,
    data: 'The password must consist of 7-32 alphanumeric characters. It is case-sensitive and cannot contain any special characters.',
  });
  assert.equal(replies[2]!.data, replies[1]!.data);
  assert.match(replies[3]!.data, /not a valid username/);
  assert.deepEqual(replies[4], { error_code: 0, data: { username: 'bob', role: 'crypto-user' } });
  assert.match(replies[5]!.data, /already exists/);
  assert.match(r.stderr, /invalid value 'auditor' for '--role <ROLE>'/);
  assert.match(replies[6]!.data, /Cannot filter on 'attr.colour'/);
  assert.equal(replies[7]!.data, 'Logout successful');
  assert.deepEqual([replies[8]!.error_code, /is a crypto-user, not an admin/.test(replies[8]!.data)], [1, true]);
  assert.equal(r.status, 1, 'the last command failed');

  const unknown = await tool('cloudhsm-cli', 'cluster-doesnotexist', ['user list'], stateDir());
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /cannot connect to cluster cluster-doesnotexist: Cluster cluster-doesnotexist does not exist/);
  const noId = await keywarden(server.url, ['cloudhsm-cli'], 'user list\n');
  assert.equal(noId.status, 2);
  assert.match(noId.stderr, /--cluster-id is required/);
});

test('CloudHSM CLI: five wrong passwords lock kmsuser; the sixth login fails even with the right one; an admin reset unlocks', async () => {
  const id = await activeCluster(1);
  const wrong = Array.from({ length: 5 }, () => 'login --username kmsuser --role crypto-user --password WrongPassword1');
  const r = await tool('cloudhsm-cli', id, [...wrong, `login --username kmsuser --role crypto-user --password ${KMS_PW}`, 'user list'], stateDir());
  const replies = envelopes(r.stdout);
  assert.deepEqual(replies.slice(0, 6).map((e) => e.error_code), [1, 1, 1, 1, 1, 1]);
  assert.match(replies[4]!.data, /now locked after 5 failed logins/);
  assert.match(replies[5]!.data, /kmsuser is locked after 5 failed logins/);
  assert.equal(replies[6]!.data.users.find((u: any) => u.username === 'kmsuser').locked, 'true');

  const reset = await tool(
    'cloudhsm-cli',
    id,
    [`login --username admin --role admin --password ${ADMIN_PW}`, 'user change-password --username kmsuser --role crypto-user --password tempPassword', 'logout', 'user list', 'login --username kmsuser --role crypto-user --password tempPassword', 'logout'],
    stateDir(),
  );
  const after = envelopes(reset.stdout);
  assert.deepEqual(after.map((e) => e.error_code), [0, 0, 0, 0, 0, 0], reset.stdout);
  assert.equal(after[3]!.data.users.find((u: any) => u.username === 'kmsuser').locked, 'false');
  assert.equal(reset.status, 0);
});

test('a login left open by a tool lasts after it exits and blocks a reset of the password until logout', async () => {
  const id = await activeCluster(1);
  const person = stateDir();
  const left = await tool('cloudhsm-cli', id, [`login --username kmsuser --role crypto-user --password ${KMS_PW}`, 'quit'], person);
  assert.equal(envelopes(left.stdout)[0]!.error_code, 0);

  const admin = stateDir();
  const blocked = await tool(
    'cloudhsm-cli',
    id,
    [`login --username admin --role admin --password ${ADMIN_PW}`, 'user change-password --username kmsuser --role crypto-user --password tempPassword', 'user delete --username kmsuser --role crypto-user'],
    admin,
  );
  const [, change, remove] = envelopes(blocked.stdout);
  assert.equal(change!.error_code, 1);
  assert.match(change!.data, /kmsuser is logged in .*cannot be changed/);
  assert.match(remove!.data, /logged in; a user who is logged in cannot be deleted/);

  // The person comes back, logs in again by mistake, then logs out the session they left open.
  const back = await tool('cloudhsm-cli', id, [`login --username kmsuser --role crypto-user --password ${KMS_PW}`, 'logout', 'logout'], person);
  const [again, out, twice] = envelopes(back.stdout);
  assert.match(again!.data, /Already logged in as kmsuser \(crypto-user\); run logout first/);
  assert.deepEqual(out, { error_code: 0, data: 'Logout successful' });
  assert.equal(twice!.error_code, 1);
  assert.equal(statSync(join(person, 'hsm-sessions.json')).mode & 0o777, 0o600);

  const unblocked = await tool('cloudhsm-cli', id, ['user change-password --username kmsuser --role crypto-user --password tempPassword', 'logout'], admin);
  assert.deepEqual(envelopes(unblocked.stdout).map((e) => e.error_code), [0, 0], unblocked.stdout);
});

test('cloudhsm_mgmt_util: loginHSM, changePswd with its CAUTION banner, listUsers, getAttribute, one line per HSM (seed 004)', async () => {
  const id = await activeCluster(2);
  const ips: string[] = (await describeCluster(server.url, id)).Hsms!.map((h) => h.EniIp!);
  const state = stateDir();
  const r = await tool(
    'cloudhsm_mgmt_util',
    id,
    [`loginHSM CO admin ${ADMIN_PW}`, 'changePswd CU kmsuser tempPassword', 'maybe', 'y', 'changePswd CU kmsuser NotThisOne1', 'n', 'listUsers', 'logoutHSM', 'quit'],
    state,
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const out = r.stdout;
  assert.ok(out.includes(ips.map((ip, i) => `loginHSM success on server ${i}(${ip})`).join('\n')), out);
  assert.ok(out.includes('*************************CAUTION********************************\nThis is a CRITICAL operation, should be done on all nodes in the'), out);
  assert.ok(out.includes("Do you want to continue(y/n)?maybe\nInvalid option, please type 'y' or 'n'"), out);
  assert.ok(out.includes('Do you want to continue(y/n)?y\nChanging password for kmsuser(CU) on 2 nodes'), out);
  assert.equal(out.match(/Changing password/g)?.length, 1, 'answering n changes nothing');
  assert.ok(out.includes(`Users on server 1(${ips[1]}):\nNumber of users found:3\n`), out);
  assert.match(out, /\n {9}3 {14}CU {14}kmsuser {34}NO {15}0 {15}NO\n/);
  assert.ok(out.includes(ips.map((ip, i) => `logoutHSM success on server ${i}(${ip})`).join('\n')), out);

  // kmsuser now logs in with the new password and reads a key's label (attribute 3).
  const key = envelopes(
    (await tool('cloudhsm-cli', id, ['login --username kmsuser --role crypto-user --password tempPassword', 'key generate-symmetric aes --label the-label --key-length-bytes 32', 'logout'], stateDir())).stdout,
  )[1]!.data.key;
  const handle = parseInt(key['key-reference'], 16);
  const cu = await tool('cloudhsm_mgmt_util', id, ['loginHSM CU kmsuser tempPassword', `getAttribute ${handle} 3`, 'getAttribute 1 3', 'logoutHSM'], stateDir());
  assert.ok(cu.stdout.includes(`Attribute Value on server 0(${ips[0]}):\nOBJ_ATTR_LABEL\nthe-label\n\nAttribute Value on server 1(${ips[1]}):\nOBJ_ATTR_LABEL\nthe-label`), cu.stdout);
  assert.match(cu.stdout, /HSM Error: No key has the key reference 0x0000000000000001\.\ngetAttribute failed on server 0/);

  const co = await tool('cloudhsm_mgmt_util', id, [`loginHSM CO admin ${ADMIN_PW}`, 'findAllKeys 3 0', 'logoutHSM', 'loginHSM CU kmsuser wrongPassword1'], stateDir());
  assert.ok(co.stdout.includes(`Keys on server 0(${ips[0]}):\nNumber of keys found 1\nnumber of keys matched from start index 0::1\n${handle}\nfindAllKeys success on server 0(${ips[0]})`), co.stdout);
  assert.match(co.stdout, /HSM Error: Login failed: the password is not correct \(1 of 5 failed logins before kmsuser is locked\)\.\nloginHSM failed on server 0/);
  assert.equal(co.status, 1);
});

test('key_mgmt_util: loginHSM as kmsuser, findKey, deleteKey by handle (0x00, 0xa8, 0xc6), logoutHSM (seeds 003/004)', async () => {
  const id = await activeCluster(2);
  const setup = await tool(
    'cloudhsm-cli',
    id,
    [
      `login --username admin --role admin --password ${ADMIN_PW}`,
      'user create --username bob --role crypto-user --password BobPassword1',
      'logout',
      'login --username bob --role crypto-user --password BobPassword1',
      'key generate-symmetric aes --label bobs-key --key-length-bytes 32',
      'logout',
      `login --username kmsuser --role crypto-user --password ${KMS_PW}`,
      'key generate-symmetric aes --label kms-key --key-length-bytes 32',
      'key generate-symmetric aes --label kms-key-2 --key-length-bytes 16',
      'key list --max-items 1',
      'key list --max-items 1 --starting-token 1',
      'logout',
    ],
    stateDir(),
  );
  const replies = envelopes(setup.stdout);
  const [bobs, mine, mine2] = [replies[4], replies[7], replies[8]].map((e) => parseInt(e!.data.key['key-reference'], 16));
  const ref = (handle: number) => `0x${handle.toString(16).padStart(16, '0')}`;
  assert.deepEqual(replies[9]!.data, {
    matched_keys: [{ 'key-reference': ref(mine!), attributes: { label: 'kms-key' } }],
    total_key_count: 2,
    returned_key_count: 1,
    next_token: '1',
  });
  assert.deepEqual(replies[10]!.data, { matched_keys: [{ 'key-reference': ref(mine2!), attributes: { label: 'kms-key-2' } }], total_key_count: 2, returned_key_count: 1 });

  const r = await tool(
    'key_mgmt_util',
    id,
    [
      'loginHSM -u CO -s admin -p AdminPassword1',
      `loginHSM -u CU -s kmsuser -p ${KMS_PW}`,
      'findKey',
      'findKey -l kms-key -c 4 -t 31',
      'findKey -t 0',
      `deleteKey -k ${mine}`,
      'deleteKey -k 252126',
      `deleteKey -k ${bobs}`,
      'listUsers',
      'logoutHSM',
      'exit',
    ],
    stateDir(),
  );
  const out = r.stdout;
  assert.match(out, /Cfm3LoginHSM returned: 0xdb : HSM Error: Invalid User Type\./);
  assert.match(out, /Cfm3LoginHSM returned: 0x00 : HSM Return: SUCCESS\n\n\tCluster Error Status\n\tNode id 0 and err state 0x00000000 : HSM Return: SUCCESS\n\tNode id 1 and err state 0x00000000 : HSM Return: SUCCESS/);
  assert.ok(out.includes(`Total number of keys present 2\n\n number of keys matched from start index 0::1\n${mine}, ${mine2}\n`), out);
  assert.ok(out.includes(`Total number of keys present 1\n\n number of keys matched from start index 0::0\n${mine}\n`), out);
  assert.ok(out.includes('Total number of keys present 0\n'), out);
  assert.match(out, /Cfm3DeleteKey returned: 0x00 : HSM Return: SUCCESS\n\n\tCluster Error Status\n\tNode id 0 and err state 0x00000000 : HSM Return: SUCCESS/);
  assert.match(out, /Cfm3FindKey returned: 0xa8 : HSM Error: Invalid object handle is passed to this operation\n\n\tCluster Error Status\n\tNode id 0 and err state 0x000000a8/);
  assert.match(out, /Cfm3DeleteKey returned: 0xc6 : HSM Error: Key Access is denied\.\n/);
  assert.match(out, /Number Of Users found 4/);
  assert.match(out, /\t4 {16}4 {6}CU {14}bob {23}NO {15}0 {15}NO\n/);
  assert.match(out, /Cfm3LogoutHSM returned: 0x00 : HSM Return: SUCCESS/);
  assert.equal(r.status, 0, out + r.stderr);

  const left = envelopes((await tool('cloudhsm-cli', id, [`login --username kmsuser --role crypto-user --password ${KMS_PW}`, 'key list', 'logout'], stateDir())).stdout);
  assert.deepEqual(left[1]!.data.matched_keys.map((k: any) => parseInt(k['key-reference'], 16)), [mine2]);

  const bad = await tool('key_mgmt_util', id, ['loginHSM -u CU -s kmsuser -p WrongPassword1'], stateDir());
  assert.match(bad.stdout, /Cfm3LoginHSM returned: 0xa3 : HSM Error: RET_USER_LOGIN_FAILURE\n\n\tCluster Error Status\n\tNode id 0 and err state 0x000000a3/);
  assert.match(bad.stderr, /password is not correct/);
  assert.equal(bad.status, 1);
});

test('sessions per HSM are finite (--hsm-sessions): a login beyond them fails until one logs out', async () => {
  const id = await activeCluster(1);
  const holders = [stateDir(), stateDir(), stateDir()];
  for (const state of holders) {
    const r = await tool('cloudhsm-cli', id, [`login --username kmsuser --role crypto-user --password ${KMS_PW}`], state);
    assert.equal(r.status, 0, r.stdout);
  }
  const full = await tool('cloudhsm-cli', id, [`login --username admin --role admin --password ${ADMIN_PW}`], stateDir());
  assert.match(envelopes(full.stdout)[0]!.data, /have no session available \(all 3 are in use\)/);
  await tool('cloudhsm-cli', id, ['logout'], holders[0]!);
  const room = await tool('cloudhsm-cli', id, [`login --username admin --role admin --password ${ADMIN_PW}`, 'logout'], stateDir());
  assert.equal(envelopes(room.stdout)[0]!.error_code, 0);
});

test('a cluster whose HSMs are all deleted keeps its users but serves nothing until an HSM is added', async () => {
  const id = await activeCluster(1);
  const hsmId = (await describeCluster(server.url, id)).Hsms![0]!.HsmId;
  const hsm = hsmSdk(server.url);
  await hsm.send(new DeleteHsmCommand({ ClusterId: id, HsmId: hsmId }));
  await until('the HSM to go', async () => ((await describeCluster(server.url, id)).Hsms!.length === 0 ? true : undefined));
  const none = await tool('cloudhsm-cli', id, ['user list'], stateDir());
  assert.match(envelopes(none.stdout)[0]!.data, new RegExp(`Cluster ${id} has no active HSM, so it serves nothing`));
  assert.equal(none.status, 1);
  await hsm.send(new CreateHsmCommand({ ClusterId: id, AvailabilityZone: 'us-east-1b' }));
  hsm.destroy();
  await until('a new ACTIVE HSM', async () => ((await describeCluster(server.url, id)).Hsms!.some((h) => h.State === 'ACTIVE') ? true : undefined));
  const back = await tool('cloudhsm-cli', id, ['user list'], stateDir());
  assert.deepEqual(envelopes(back.stdout)[0]!.data.users.map((u: any) => u.username), ['admin', 'app_user', 'kmsuser']);
});

test('interactive on a terminal: the prompt, and a password typed without echo', { skip: !hasScript() }, async () => {
  const id = await activeCluster(1);
  const command = `${process.execPath} ${BIN} cloudhsm-cli --cluster-id ${id} --endpoint ${server.url}`;
  // `script` gives the tool a pseudo-terminal; each line is typed once the tool asks for it.
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, KEYWARDEN_STATE_DIR: stateDir(), AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' },
  });
  let screen = '';
  child.stdout.on('data', (c: Buffer) => (screen += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const type = async (waitFor: string, line: string) => {
    await until(`'${waitFor}'`, async () => (screen.includes(waitFor) ? true : undefined), 15_000);
    child.stdin.write(line + '\r');
  };
  try {
    await type('aws-cloudhsm > ', 'login --username admin --role admin');
    await type('Enter password:', ADMIN_PW);
    await until('the login reply', async () => (screen.includes('"role": "admin"') ? true : undefined), 15_000);
    child.stdin.write('logout\r');
    await until('the logout reply', async () => (screen.includes('Logout successful') ? true : undefined), 15_000);
    child.stdin.write('quit\r');
    assert.equal(await exited, 0, screen);
  } finally {
    child.kill();
  }
  assert.match(screen, /aws-cloudhsm > .*login --username admin --role admin/);
  assert.match(screen, /Enter password:/);
  assert.ok(!screen.includes(ADMIN_PW), `the password was echoed:\n${screen}`);
  assert.match(screen, /"data": "Logout successful"/);
});

test('the HSM client API (KeywardenHsm) checks its input and answers with its own error types', async () => {
  const cfg = { endpoint: new URL(server.url), accessKeyId: 'test', secretAccessKey: 'test', region: 'us-east-1' };
  const fails = async (op: string, input: unknown, type: string, message: RegExp) => {
    await assert.rejects(call(cfg, `KeywardenHsm.${op}`, 'keywarden', input), (err: ServiceCallError) => {
      assert.equal(err.type, type, err.message);
      assert.match(err.message, message);
      return true;
    });
  };
  await fails('ListUsers', {}, 'HsmInvalidRequest', /ClusterId is required and must be a non-empty string/);
  await fails('ListUsers', { ClusterId: 'cluster-nosuchclust' }, 'HsmNotFound', /Cluster cluster-nosuchclust does not exist in us-east-1/);
  await fails('Login', { ClusterId: 'cluster-nosuchclust', Username: 'admin', Role: 'officer', Password: 'x' }, 'HsmInvalidRequest', /Role must be one of admin, crypto-user/);
  await fails('ListKeys', { ClusterId: 'cluster-nosuchclust', SessionToken: 't', MaxItems: 'ten' }, 'HsmInvalidRequest', /MaxItems must be a whole number/);
  await fails('Logout', { ClusterId: 'cluster-nosuchclust', SessionToken: 'nope' }, 'HsmNotFound', /does not exist/);
  await fails('Teleport', {}, 'UnknownOperationException', /KeywardenHsm.Teleport/);
  const subnets: Array<{ SubnetId: string }> = JSON.parse((await keywarden(server.url, ['network', 'list', '--json'])).stdout).Subnets;
  const hsm = hsmSdk(server.url);
  const uninitialized = (await hsm.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: subnets.map((s) => s.SubnetId) }))).Cluster!.ClusterId!;
  hsm.destroy();
  await fails('ListUsers', { ClusterId: uninitialized }, 'HsmUnavailable', /is (CREATE_IN_PROGRESS|UNINITIALIZED); its HSMs serve users once the cluster is initialized/);
  await assert.rejects(call(cfg, 'KeywardenHsm.ListUsers', 'kms', { ClusterId: uninitialized }), (err: ServiceCallError) => err.type === 'InvalidSignatureException');
});

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}
