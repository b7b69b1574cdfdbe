import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CloudHSMV2Client, DeleteClusterCommand, DeleteHsmCommand, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  KMSClient,
  UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { call, type ClientConfig } from '../../src/cli/client.js';
import { keywardenReader } from '../../src/cli/doctor.js';
import { resolveSettings } from '../../src/doctor/aws-config.js';
import { diagnose, type Report } from '../../src/doctor/diagnose.js';
import type { Finding, FixStep } from '../../src/doctor/finding.js';
import { destroyClients, gather, makeClients } from '../../src/doctor/gather.js';
import { run, TEST_ENV } from './aws-cli.js';
import { Shell } from './runbook.js';
import { BIN, ROOT } from './server.js';
import { pathWithRealTools } from './tools.js';

// A reader of AWS's troubleshooting guide at one Keywarden, in one Region: makes a cluster, a key
// store and keys through the public APIs (the AWS SDK for JavaScript), breaks them the way
// `keywarden fault` and the runbooks do, runs doctor (in process, or as `keywarden doctor`), and
// can follow a finding's fix to the letter in a bash session with the AWS CLI and the CloudHSM
// tools, as a person would copy it.

export const POLL_MS = 20;
const WAIT_MS = 30_000;

export interface QuickCluster {
  ClusterId: string;
  AdminPassword: string;
  KmsuserPassword: string;
  TrustAnchorCertificateFile: string;
}

export type Tool = 'awsCli' | 'cloudhsmCli' | 'legacyTools' | 'keywarden';

export class DoctorWorld {
  readonly kms: KMSClient;
  readonly cloudhsm: CloudHSMV2Client;
  readonly cfg: ClientConfig;
  readonly dir: string;
  /** What the reader's shell exports: the endpoint for the AWS CLI and for `keywarden`, the Region, the dev key. */
  readonly env: Record<string, string>;
  private shellSession: Shell | undefined;

  constructor(
    readonly url: string,
    readonly region: string,
    name: string,
    readonly credentials = { accessKeyId: 'test', secretAccessKey: 'test' },
  ) {
    // The world's own calls (the state the reader's doctor then reads) each take a connection of
    // their own: a kept-alive one could be the one the server closes as idle (after 5 s) just as it
    // is reused, which fails the call with ECONNRESET, and these clients do not retry.
    this.kms = new KMSClient({ endpoint: url, region, credentials, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: false }) } });
    this.cloudhsm = new CloudHSMV2Client({ endpoint: url, region, credentials, maxAttempts: 1, requestHandler: this.kms.config.requestHandler });
    this.cfg = { endpoint: new URL(url), ...credentials, region };
    this.dir = mkdtempSync(join(tmpdir(), `keywarden-doctor-${name}-`));
    this.env = {
      ...TEST_ENV,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: url,
      KEYWARDEN_ENDPOINT: url,
      KEYWARDEN_STATE_DIR: join(this.dir, '.keywarden-state'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }

  admin = (op: string, input: unknown = {}) => call(this.cfg, `KeywardenAdmin.${op}`, 'keywarden', input);
  hsm = (op: string, input: unknown) => call(this.cfg, `KeywardenHsm.${op}`, 'keywarden', input);

  /** `keywarden <args>` in the reader's environment. */
  keywarden(args: string[], input?: string) {
    return run(process.execPath, [BIN, ...args], { env: this.env, cwd: this.dir, ...(input !== undefined ? { input } : {}) });
  }

  async quickstart(extra: string[] = []): Promise<QuickCluster> {
    const r = await this.keywarden(['cluster', 'quickstart', '--json', '--trust-anchor-file', join(this.dir, `ca-${Date.now()}.crt`), ...extra]);
    assert.equal(r.status, 0, `quickstart: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  async createStore(name: string, q: QuickCluster, trustAnchor: string): Promise<string> {
    const out = await this.kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: name, CloudHsmClusterId: q.ClusterId, KeyStorePassword: q.KmsuserPassword, TrustAnchorCertificate: trustAnchor }));
    return out.CustomKeyStoreId!;
  }

  async store(id: string) {
    return (await this.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores![0]!;
  }

  /** Polls DescribeCustomKeyStores until the store is in `state` (or fails the test after 30 s). */
  async waitFor(id: string, state: string): Promise<{ ConnectionState?: string; ConnectionErrorCode?: string }> {
    const end = Date.now() + WAIT_MS;
    for (;;) {
      const s = await this.store(id);
      if (s.ConnectionState === state) return s;
      if (Date.now() > end) assert.fail(`store ${id} is ${s.ConnectionState} ${s.ConnectionErrorCode ?? ''}, not ${state}, after ${WAIT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async connect(id: string, expect = 'CONNECTED') {
    await this.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    return this.waitFor(id, expect);
  }

  async disconnect(id: string) {
    await this.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await this.waitFor(id, 'DISCONNECTED');
  }

  updatePassword = (id: string, password: string) => this.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, KeyStorePassword: password }));

  /** A key in the store and a message encrypted under it. */
  async key(storeId: string): Promise<{ keyId: string; arn: string; blob: Uint8Array }> {
    const meta = (await this.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }))).KeyMetadata!;
    const blob = (await this.kms.send(new EncryptCommand({ KeyId: meta.KeyId, Plaintext: Buffer.from('made before the failure') }))).CiphertextBlob!;
    return { keyId: meta.KeyId!, arn: meta.Arn!, blob };
  }

  keyState = async (keyId: string) => (await this.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState;

  /** Decrypt: 'ok', or the error's name and message. */
  async decrypt(blob: Uint8Array): Promise<string> {
    try {
      const out = await this.kms.send(new DecryptCommand({ CiphertextBlob: blob }));
      assert.equal(Buffer.from(out.Plaintext!).toString(), 'made before the failure');
      return 'ok';
    } catch (err) {
      return `${(err as Error).name}: ${(err as Error).message}`;
    }
  }

  async login(clusterId: string, username: string, password: string, role = 'crypto-user'): Promise<string> {
    return (await this.hsm('Login', { ClusterId: clusterId, Username: username, Role: role, Password: password })).SessionToken;
  }

  /** As an admin, sets kmsuser's password (which unlocks it). */
  async setKmsuserPassword(clusterId: string, adminPassword: string, password: string): Promise<void> {
    const token = await this.login(clusterId, 'admin', adminPassword, 'admin');
    await this.hsm('ChangePassword', { ClusterId: clusterId, SessionToken: token, Username: 'kmsuser', Role: 'crypto-user', Password: password });
    await this.hsm('Logout', { ClusterId: clusterId, SessionToken: token });
  }

  /** Five wrong passwords: kmsuser is locked. */
  async lockKmsuser(clusterId: string): Promise<void> {
    for (let i = 0; i < 5; i++) await assert.rejects(this.login(clusterId, 'kmsuser', 'WrongPassword1'));
  }

  async cluster(clusterId: string) {
    return (await this.cloudhsm.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }))).Clusters?.[0];
  }

  /** DeleteHsm for each HSM, then polls DescribeClusters until none is left. */
  async deleteHsms(clusterId: string): Promise<void> {
    for (const h of (await this.cluster(clusterId))!.Hsms ?? []) await this.cloudhsm.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: h.HsmId }));
    await this.until(async () => ((await this.cluster(clusterId))?.Hsms ?? []).length === 0, `the HSMs of ${clusterId} are not gone`);
  }

  /**
   * Its HSMs, then the cluster, and polls DescribeClusters until the cluster is gone: DeleteCluster
   * leaves it DELETE_IN_PROGRESS for the server's --cluster-delay-ms, and a report made within that
   * time would see a cluster being deleted, not one that no longer exists.
   */
  async deleteCluster(clusterId: string): Promise<void> {
    await this.deleteHsms(clusterId);
    await this.cloudhsm.send(new DeleteClusterCommand({ ClusterId: clusterId }));
    await this.until(async () => (await this.cluster(clusterId)) === undefined, `cluster ${clusterId} is not gone`);
  }

  /** Polls until `done` holds, or fails the test after 30 s saying `what`. */
  private async until(done: () => Promise<boolean>, what: string): Promise<void> {
    const end = Date.now() + WAIT_MS;
    while (!(await done())) {
      assert.ok(Date.now() < end, `${what} after ${WAIT_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Doctor in this process, through the same gatherer and rules as the command, with the reader's environment. */
  async report(opts: { deep?: boolean; customKeyStoreId?: string; keyId?: string } = {}): Promise<Report> {
    const settings = resolveSettings({}, this.env, { configFile: {}, credentialsFile: {} });
    const target = { ...settings, credentials: async () => this.credentials };
    const clients = makeClients(target);
    try {
      const deep = opts.deep ?? true;
      return diagnose(
        await gather(clients, target, {
          ...(deep ? { deep: keywardenReader(target) } : {}),
          ...(opts.customKeyStoreId ? { customKeyStoreId: opts.customKeyStoreId } : {}),
          ...(opts.keyId ? { keyId: opts.keyId } : {}),
        }),
      );
    } finally {
      destroyClients(clients);
    }
  }

  /** `keywarden doctor <args>` as a process. */
  doctor(args: string[], env: Record<string, string> = {}) {
    return run(process.execPath, [BIN, 'doctor', ...args], { env: { ...this.env, ...env }, cwd: this.dir });
  }

  get shell(): Shell {
    this.shellSession ??= new Shell(this.dir, {
      ...this.env,
      PATH: [join(ROOT, 'bin'), pathWithRealTools()].join(delimiter),
      HOME: this.dir,
      LANG: 'C.UTF-8',
    });
    return this.shellSession;
  }

  /**
   * Follows a finding's fix as printed: each step with the first of `prefer`'s tools it offers
   * (AWS CLI commands for EC2 are skipped: Keywarden does not serve EC2), the tools' sessions fed
   * the lines typed after their prompts and the passwords they ask for. Placeholders take
   * `values` (and <new-cluster-id> the output of create-cluster); one left over fails the test.
   * Returns the steps run, by tool.
   */
  async runFix(f: Finding, values: { adminPassword: string; newPassword: string }, prefer: Tool[] = ['keywarden', 'awsCli', 'cloudhsmCli', 'legacyTools']): Promise<Array<Tool | 'skipped'>> {
    const fill = new Map<string, string>([
      ['<admin-password>', values.adminPassword],
      ['<new-kmsuser-password>', values.newPassword],
    ]);
    const used: Array<Tool | 'skipped'> = [];
    for (const step of f.fix.steps) {
      const tool = prefer.find((t) => runnable(step, t));
      used.push(tool ?? 'skipped');
      if (!tool) {
        assert.ok(!step.cloudhsmCli && !step.legacyTools && !step.keywarden && (step.awsCli ?? []).every(isEc2), `step "${step.say}" has commands doctor's reader could run`);
        continue;
      }
      const lines = step[tool]!.map((l) => l.replace(/<[a-z0-9-]+>/g, (p) => fill.get(p) ?? p));
      if (tool === 'awsCli' || tool === 'keywarden') {
        for (const command of lines) {
          if (isEc2(command)) continue;
          assert.doesNotMatch(command, /<[a-z0-9-]+>/, `every placeholder of "${command}" has a value`);
          const { output, status } = await this.shell.run(command, undefined);
          assert.equal(status, 0, `$ ${command}\n${output}`);
          if (/ create-cluster /.test(command)) fill.set('<new-cluster-id>', output.trim());
        }
      } else {
        for (const session of sessions(lines, values)) {
          assert.doesNotMatch(session.launch + session.input.join('\n'), /<[a-z0-9-]+>/, 'every placeholder has a value');
          const { output, status } = await this.shell.run(session.launch, session.input);
          assert.equal(status, 0, `$ ${session.launch}\n${output}`);
          assert.doesNotMatch(output, /"error_code": 1|HSM Error|Cfm3\w+ returned: 0x[1-9a-f]/i, `${session.launch}\n${session.input.join('\n')}\n---\n${output}`);
        }
      }
    }
    return used;
  }

  close(): void {
    this.kms.destroy();
    this.cloudhsm.destroy();
    this.shellSession?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const isEc2 = (command: string) => /^aws (\S+ )*ec2 /.test(command);

function runnable(step: FixStep, tool: Tool): boolean {
  const lines = step[tool];
  if (!lines || lines.length === 0) return false;
  return tool !== 'awsCli' || !lines.every(isEc2);
}

/** A tool's lines as sessions: the command that starts it and what is typed at its prompt, passwords and confirmations included. */
function sessions(lines: string[], values: { adminPassword: string; newPassword: string }): Array<{ launch: string; input: string[] }> {
  const out: Array<{ launch: string; input: string[] }> = [];
  for (const line of lines) {
    const typed = /^(?:aws-cloudhsm > |aws-cloudhsm>|Command: )(.*)$/.exec(line);
    if (!typed) {
      out.push({ launch: line, input: [] });
      continue;
    }
    const session = out[out.length - 1]!;
    const text = typed[1]!;
    session.input.push(text);
    // The CloudHSM CLI asks for a login's password when the line has none.
    const login = /^login --username (\S+) --role \S+$/.exec(text);
    if (login) session.input.push(login[1] === 'admin' ? values.adminPassword : values.newPassword);
    // cloudhsm_mgmt_util asks before it changes users on every HSM.
    if (/^(changePswd|createUser) /.test(text)) session.input.push('y');
  }
  return out;
}
