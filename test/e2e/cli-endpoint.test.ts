// Keywarden's client commands find the service and sign as the AWS CLI does: --endpoint,
// KEYWARDEN_ENDPOINT, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL and a profile's endpoint_url; the
// credentials and region of a named profile in the shared config and credentials files; and, when
// the service cannot be reached, the message names the endpoint and what chose it.
//
// The server knows only the profile's credential (with its session token) and one for the
// environment: a call signed with anything else, the dev credential included, is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '../support/aws-cli.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
let work: string;
let configFile: string;
let credentialsFile: string;
const DEAD = 'http://127.0.0.1:9';

const PROFILE_KEY = { accessKeyId: 'AKIAPROFILEDEV000001', secretAccessKey: 'profile-secret', sessionToken: 'profile-session-token' };
const ENV_KEY = { accessKeyId: 'AKIAENVIRONMENT00001', secretAccessKey: 'environment-secret' };

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-endpoint-'));
  const serverCredentials = join(work, 'server-credentials.json');
  writeFileSync(
    serverCredentials,
    JSON.stringify({
      credentials: [
        { ...PROFILE_KEY, accountId: '444455556666', principalArn: 'arn:aws:iam::444455556666:user/dev' },
        { ...ENV_KEY, accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/ci' },
      ],
    }),
  );
  server = await startServer({ args: ['--credentials', serverCredentials] });
  configFile = join(work, 'config');
  credentialsFile = join(work, 'credentials');
  writeFileSync(
    configFile,
    [
      '[profile dev]',
      'region = eu-west-2',
      `endpoint_url = ${server.url}`,
      '',
      '[profile routed]',
      'region = ap-south-1',
      `endpoint_url = ${DEAD}`,
      'services = keywarden-local',
      '',
      '[services keywarden-local]',
      'kms =',
      `  endpoint_url = ${server.url}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    credentialsFile,
    [
      '[dev]',
      `aws_access_key_id = ${PROFILE_KEY.accessKeyId}`,
      `aws_secret_access_key = ${PROFILE_KEY.secretAccessKey}`,
      `aws_session_token = ${PROFILE_KEY.sessionToken}`,
      '',
      '[routed]',
      `aws_access_key_id = ${PROFILE_KEY.accessKeyId}`,
      `aws_secret_access_key = ${PROFILE_KEY.secretAccessKey}`,
      `aws_session_token = ${PROFILE_KEY.sessionToken}`,
      '',
    ].join('\n'),
  );
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * `keywarden <args>` in an environment with none of the test suite's AWS settings: no credentials,
 * no region, no endpoint, the shared files of this test; `env` adds to it.
 */
function keywarden(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_DEFAULT_REGION: '',
      AWS_REGION: '',
      AWS_PROFILE: '',
      AWS_ENDPOINT_URL: '',
      AWS_ENDPOINT_URL_KMS: '',
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: '',
      KEYWARDEN_ENDPOINT: '',
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
      ...env,
    },
  });
}

const withEnvKey = { AWS_ACCESS_KEY_ID: ENV_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: ENV_KEY.secretAccessKey };

/** `network list --json` succeeded: the subnets of the region it signed for. */
function zonesOf(r: { status: number | null; stdout: string; stderr: string }): string[] {
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return (JSON.parse(r.stdout).Subnets as Array<{ AvailabilityZone: string }>).map((s) => s.AvailabilityZone).sort();
}

test('a named profile gives the endpoint, the region and the credentials (with its session token)', async () => {
  const [byFlag, byEnv] = await Promise.all([
    // --profile wins over the environment's keys, as with the AWS CLI.
    keywarden(['network', 'list', '--json', '--profile', 'dev'], { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }),
    keywarden(['network', 'list', '--json'], { AWS_PROFILE: 'dev' }),
  ]);
  assert.deepEqual(zonesOf(byFlag), ['eu-west-2a', 'eu-west-2b', 'eu-west-2c']);
  assert.deepEqual(zonesOf(byEnv), ['eu-west-2a', 'eu-west-2b', 'eu-west-2c']);

  const [region, routed, envKeysFirst, noneAtAll] = await Promise.all([
    // --region and AWS_REGION outrank the profile's region.
    keywarden(['network', 'list', '--json', '--region', 'us-west-2'], { AWS_PROFILE: 'dev', AWS_REGION: 'ca-central-1' }),
    // A services section's kms endpoint_url outranks the profile's own endpoint_url.
    keywarden(['network', 'list', '--json', '--profile', 'routed']),
    // With AWS_PROFILE (not --profile), keys in the environment are used, as the AWS CLI uses them.
    keywarden(['network', 'list', '--json'], { AWS_PROFILE: 'dev', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }),
    // Nothing configured: the dev credential, which this server does not accept.
    keywarden(['network', 'list', '--json', '--endpoint', server.url], { AWS_CONFIG_FILE: join(work, 'absent'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'absent') }),
  ]);
  assert.deepEqual(zonesOf(region), ['us-west-2a', 'us-west-2b', 'us-west-2c']);
  assert.deepEqual(zonesOf(routed), ['ap-south-1a', 'ap-south-1b', 'ap-south-1c']);
  for (const r of [envKeysFirst, noneAtAll]) {
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /^keywarden: UnrecognizedClientException: /);
  }
});

test('a profile that is in neither file is a usage error naming both files', async () => {
  const [flag, env] = await Promise.all([keywarden(['clock', 'show', '--profile', 'nosuch']), keywarden(['clock', 'show'], { AWS_PROFILE: 'nosuch' })]);
  for (const [r, via] of [[flag, '--profile'], [env, 'AWS_PROFILE']] as const) {
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr.trimEnd(),
      `keywarden: the profile 'nosuch' (${via}) is in neither ${configFile} nor ${credentialsFile}; add it there, point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at the files that have it, or name another profile.`,
    );
  }
});

test('the endpoint: --endpoint, KEYWARDEN_ENDPOINT, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, then the profile; a failure names it', async () => {
  const cases: Array<[string, string[], Record<string, string>, string | undefined]> = [
    ['AWS_ENDPOINT_URL', [], { ...withEnvKey, AWS_ENDPOINT_URL: server.url }, undefined],
    ['AWS_ENDPOINT_URL_KMS over AWS_ENDPOINT_URL', [], { ...withEnvKey, AWS_ENDPOINT_URL_KMS: server.url, AWS_ENDPOINT_URL: DEAD }, undefined],
    ['KEYWARDEN_ENDPOINT over the AWS ones', [], { ...withEnvKey, KEYWARDEN_ENDPOINT: DEAD, AWS_ENDPOINT_URL_KMS: server.url }, 'from KEYWARDEN_ENDPOINT'],
    ['--endpoint over all', ['--endpoint', DEAD], { ...withEnvKey, KEYWARDEN_ENDPOINT: server.url }, 'from --endpoint'],
    ['--endpoint-url, as the AWS CLI spells it', ['--endpoint-url', server.url], withEnvKey, undefined],
    ['AWS_ENDPOINT_URL over the profile', [], { AWS_PROFILE: 'dev', AWS_ENDPOINT_URL: DEAD }, 'from AWS_ENDPOINT_URL'],
    [
      'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS sets the AWS ones aside, the profile\u2019s too',
      [],
      { ...withEnvKey, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_ENDPOINT_URL: server.url, AWS_PROFILE: 'dev', KEYWARDEN_ENDPOINT: '' },
      undefined,
    ],
  ];
  const results = await Promise.all(cases.map(([, args, env]) => keywarden(['clock', 'show', '--json', ...args], env)));
  for (const [i, [what, , env, failure]] of cases.entries()) {
    const r = results[i]!;
    if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) {
      // Nothing but the default is left, and this server is not on it.
      assert.doesNotMatch(r.stdout, /"ClockControl"/, what);
      if (r.status !== 0) assert.match(r.stderr, /^keywarden: cannot reach Keywarden at http:\/\/127\.0\.0\.1:4599, the endpoint used when none is set \(/, what);
      continue;
    }
    if (failure === undefined) {
      assert.equal(r.status, 0, `${what}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).ClockControl, false, what);
    } else {
      assert.equal(r.status, 1, `${what}: ${r.stdout}`);
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr.trimEnd(),
        new RegExp(`^keywarden: cannot reach Keywarden at http://127\\.0\\.0\\.1:9, the endpoint ${failure} \\(.*\\)\\. Is 'keywarden serve' running there\\?$`),
        what,
      );
    }
  }
});

test('an endpoint that is not an http(s) URL is a usage error that says where it came from', async () => {
  const [notUrl, ftp] = await Promise.all([
    keywarden(['clock', 'show'], { ...withEnvKey, AWS_ENDPOINT_URL: 'localhost:4599' }),
    keywarden(['clock', 'show', '--endpoint', 'ftp://127.0.0.1:4599'], withEnvKey),
  ]);
  assert.equal(notUrl.status, 2);
  assert.match(notUrl.stderr, /^keywarden: 'localhost:4599' \(from AWS_ENDPOINT_URL\) is not an http:\/\/ or https:\/\/ URL\.$/m);
  assert.equal(ftp.status, 2);
  assert.match(ftp.stderr, /^keywarden: 'ftp:\/\/127\.0\.0\.1:4599' \(from --endpoint\) is not an http:\/\/ or https:\/\/ URL\.$/m);
});
