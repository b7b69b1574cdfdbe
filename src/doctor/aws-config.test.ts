import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AWS_TOOL_LAUNCH } from './facts.js';
import { resolveSettings, TargetError } from './aws-config.js';

// Where doctor's calls go, as the AWS SDKs and CLI decide it: the flag, the per-service and the
// general environment variable, the profile's services section and endpoint_url, then
// KEYWARDEN_ENDPOINT; the Region from the flag, AWS_REGION, AWS_DEFAULT_REGION, the profile.

const files = (config: Record<string, Record<string, string>> = {}, credentials: Record<string, Record<string, string>> = {}) => ({ configFile: config, credentialsFile: credentials });

describe('resolveSettings', () => {
  test('the Region: flag, AWS_REGION, AWS_DEFAULT_REGION, then the profile; none is an error', () => {
    const f = files({ default: { region: 'ap-south-1' } });
    assert.equal(resolveSettings({ region: 'eu-west-1' }, { AWS_REGION: 'us-west-2' }, f).region, 'eu-west-1');
    assert.equal(resolveSettings({}, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'us-east-2' }, f).region, 'us-west-2');
    assert.equal(resolveSettings({}, { AWS_DEFAULT_REGION: 'us-east-2' }, f).region, 'us-east-2');
    assert.equal(resolveSettings({}, {}, f).region, 'ap-south-1');
    assert.throws(() => resolveSettings({}, {}, files()), (e: Error) => e instanceof TargetError && /no Region: pass --region/.test(e.message));
  });

  test('endpoints: --endpoint, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the services section, endpoint_url, KEYWARDEN_ENDPOINT', () => {
    const f = files({ kw: { region: 'eu-west-3', endpoint_url: 'http://127.0.0.1:1001', services: 'local' }, 'services.local': { 'kms.endpoint_url': 'http://127.0.0.1:1002' } });
    const env = { AWS_PROFILE: 'kw' };
    let s = resolveSettings({}, env, f);
    assert.equal(s.endpoints.kms, 'http://127.0.0.1:1002');
    assert.equal(s.endpoints.cloudhsmv2, 'http://127.0.0.1:1001');
    assert.equal(s.endpointSource, 'profile');
    s = resolveSettings({}, { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:1003', AWS_ENDPOINT_URL_CLOUDHSM_V2: 'http://127.0.0.1:1004' }, f);
    assert.deepEqual(s.endpoints, { kms: 'http://127.0.0.1:1003', cloudhsmv2: 'http://127.0.0.1:1004', cloudtrail: 'http://127.0.0.1:1003', ec2: 'http://127.0.0.1:1003' });
    s = resolveSettings({ endpoint: 'http://127.0.0.1:1005' }, { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:1003' }, f);
    assert.equal(s.endpoints.ec2, 'http://127.0.0.1:1005');
    s = resolveSettings({}, { AWS_REGION: 'us-east-1', KEYWARDEN_ENDPOINT: 'http://127.0.0.1:4599' }, files());
    assert.equal(s.endpoints.kms, 'http://127.0.0.1:4599');
    assert.equal(s.endpointSource, 'keywarden');
    s = resolveSettings({}, { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1003', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, files());
    assert.equal(s.endpoints.kms, undefined);
    assert.equal(s.endpointSource, 'aws');
    assert.throws(() => resolveSettings({ endpoint: 'not a url' }, { AWS_REGION: 'us-east-1' }, files()), /is not a URL/);
  });

  test('a --profile that no file has is an error', () => {
    assert.throws(() => resolveSettings({ profile: 'nope', region: 'us-east-1' }, {}, files()), /the profile 'nope' is not in the AWS config or credentials file/);
    assert.equal(resolveSettings({ profile: 'kw', region: 'us-east-1' }, {}, files({}, { kw: { aws_access_key_id: 'x' } })).profile, 'kw');
  });

  test('printed aws commands carry what the AWS CLI would not find itself; the tools are Keywarden\u2019s when the endpoint is not AWS', () => {
    let s = resolveSettings({ profile: 'kw', region: 'eu-west-1', endpoint: 'http://127.0.0.1:4600' }, {}, files({ kw: {} }));
    assert.deepEqual(s.awsCliOptions, ['--profile', 'kw', '--region', 'eu-west-1', '--endpoint-url', 'http://127.0.0.1:4600']);
    assert.deepEqual(s.keywardenOptions, ['--endpoint', 'http://127.0.0.1:4600', '--region', 'eu-west-1']);
    assert.equal(s.tools.cloudhsmCli, 'keywarden cloudhsm-cli --cluster-id {cluster} --endpoint http://127.0.0.1:4600 --region eu-west-1');
    // What `keywarden` finds by itself (KEYWARDEN_ENDPOINT, or its default, and AWS_REGION) it is not told.
    s = resolveSettings({ endpoint: 'http://127.0.0.1:4599/' }, { AWS_REGION: 'us-east-1' }, files());
    assert.deepEqual(s.keywardenOptions, []);
    s = resolveSettings({}, { AWS_DEFAULT_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:4600', KEYWARDEN_ENDPOINT: 'http://127.0.0.1:4600' }, files());
    assert.deepEqual(s.keywardenOptions, []);
    s = resolveSettings({}, { AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:4599', KEYWARDEN_ENDPOINT: 'http://127.0.0.1:4599' }, files());
    assert.deepEqual(s.awsCliOptions, []);
    s = resolveSettings({}, { AWS_REGION: 'us-east-1', KEYWARDEN_ENDPOINT: 'http://127.0.0.1:4599' }, files());
    assert.deepEqual(s.awsCliOptions, ['--region', 'us-east-1', '--endpoint-url', 'http://127.0.0.1:4599']);
    assert.deepEqual(s.keywardenOptions, []);
    s = resolveSettings({}, { AWS_REGION: 'us-east-1' }, files());
    assert.deepEqual(s.tools, AWS_TOOL_LAUNCH);
    s = resolveSettings({ endpoint: 'https://kms.us-east-1.amazonaws.com' }, { AWS_REGION: 'us-east-1' }, files());
    assert.deepEqual(s.tools, AWS_TOOL_LAUNCH);
  });
});
