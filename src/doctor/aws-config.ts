import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { AWS_TOOL_LAUNCH, type ToolLaunch } from './facts.js';

// Where doctor's calls go and as whom, resolved the way the AWS SDKs and the AWS CLI resolve it,
// so that pointing doctor at an account is the same as pointing the AWS CLI at it: --profile, or
// AWS_PROFILE, or the default profile of AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE; the
// Region from --region, AWS_REGION, AWS_DEFAULT_REGION or the profile; the endpoint of each
// service from --endpoint, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services
// section, the profile's endpoint_url, then Keywarden's KEYWARDEN_ENDPOINT, and otherwise AWS's
// own. Doctor resolves all of it once, for its four clients alike: the CloudHSM v2 client it
// uses predates the SDK's own support for configured endpoints.

export type Service = 'kms' | 'cloudhsmv2' | 'cloudtrail' | 'ec2';
export const SERVICES: readonly Service[] = ['kms', 'cloudhsmv2', 'cloudtrail', 'ec2'];

/** The service ids of the SDKs' configured-endpoints scheme: AWS_ENDPOINT_URL_<ENV>, and `<config>` in a services section. */
const SERVICE_IDS: Record<Service, { env: string; config: string }> = {
  kms: { env: 'KMS', config: 'kms' },
  cloudhsmv2: { env: 'CLOUDHSM_V2', config: 'cloudhsm_v2' },
  cloudtrail: { env: 'CLOUDTRAIL', config: 'cloudtrail' },
  ec2: { env: 'EC2', config: 'ec2' },
};

export interface TargetOptions {
  profile?: string;
  region?: string;
  endpoint?: string;
}

export type EndpointSource = 'flag' | 'environment' | 'profile' | 'keywarden' | 'aws';

export interface Target {
  profile: string;
  region: string;
  regionSource: 'flag' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile';
  /** Per service; undefined means AWS's own endpoint. */
  endpoints: Record<Service, string | undefined>;
  endpointSource: EndpointSource;
  credentials: AwsCredentialIdentityProvider;
  awsCliOptions: string[];
  keywardenOptions: string[];
  tools: ToolLaunch;
}

export class TargetError extends Error {}

type Section = Record<string, string | undefined>;
type Env = Record<string, string | undefined>;

/** The profile, Region and endpoints, from the options, the environment and the shared config files' sections. */
export function resolveSettings(
  opts: TargetOptions,
  env: Env,
  files: { configFile: Record<string, Section>; credentialsFile: Record<string, Section> },
): Omit<Target, 'credentials'> {
  const profile = opts.profile ?? env.AWS_PROFILE ?? 'default';
  const section: Section = { ...files.credentialsFile[profile], ...files.configFile[profile] };
  if (opts.profile !== undefined && !files.configFile[profile] && !files.credentialsFile[profile]) {
    throw new TargetError(`the profile '${profile}' is not in the AWS config or credentials file (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE).`);
  }

  let region: string | undefined;
  let regionSource: Target['regionSource'] = 'flag';
  if (opts.region) region = opts.region;
  else if (env.AWS_REGION) [region, regionSource] = [env.AWS_REGION, 'AWS_REGION'];
  else if (env.AWS_DEFAULT_REGION) [region, regionSource] = [env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION'];
  else if (section.region) [region, regionSource] = [section.region, 'profile'];
  if (!region) throw new TargetError(`no Region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, or give the profile '${profile}' a region.`);

  const ignoreConfigured = (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? section.ignore_configured_endpoint_urls ?? '').toLowerCase() === 'true';
  const services = section.services ? files.configFile[`services.${section.services}`] ?? {} : {};
  const endpoints = {} as Record<Service, string | undefined>;
  let endpointSource: EndpointSource = 'aws';
  for (const service of SERVICES) {
    const id = SERVICE_IDS[service];
    const found: Array<[EndpointSource, string | undefined]> = [
      ['flag', opts.endpoint],
      ['environment', ignoreConfigured ? undefined : env[`AWS_ENDPOINT_URL_${id.env}`]],
      ['environment', ignoreConfigured ? undefined : env.AWS_ENDPOINT_URL],
      ['profile', ignoreConfigured ? undefined : services[`${id.config}.endpoint_url`]],
      ['profile', ignoreConfigured ? undefined : section.endpoint_url],
      ['keywarden', env.KEYWARDEN_ENDPOINT],
    ];
    const hit = found.find(([, url]) => url !== undefined && url !== '');
    endpoints[service] = hit?.[1];
    if (service === 'kms' && hit) endpointSource = hit[0];
  }
  for (const [service, url] of Object.entries(endpoints)) {
    if (url === undefined) continue;
    try {
      new URL(url);
    } catch {
      throw new TargetError(`the ${service} endpoint '${url}' is not a URL.`);
    }
  }

  // The AWS CLI reads the same profile files and AWS_ENDPOINT_URL* (v1.29, v2.13 on) but not the
  // flags given here, nor KEYWARDEN_ENDPOINT, nor (in v1) AWS_REGION.
  const awsCliOptions: string[] = [];
  if (opts.profile !== undefined) awsCliOptions.push('--profile', opts.profile);
  if ((regionSource === 'flag' || regionSource === 'AWS_REGION') && region !== (env.AWS_DEFAULT_REGION ?? section.region)) awsCliOptions.push('--region', region);
  if (endpointSource === 'flag' || endpointSource === 'keywarden') awsCliOptions.push('--endpoint-url', endpoints.kms!);
  // `keywarden` commands read KEYWARDEN_ENDPOINT (default http://127.0.0.1:4599) and AWS_REGION /
  // AWS_DEFAULT_REGION (default us-east-1) only.
  const keywardenOptions: string[] = [];
  const origin = (url: string) => new URL(url).origin;
  if (endpoints.kms !== undefined && origin(endpoints.kms) !== origin(env.KEYWARDEN_ENDPOINT || 'http://127.0.0.1:4599')) keywardenOptions.push('--endpoint', endpoints.kms);
  if (region !== (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1')) keywardenOptions.push('--region', region);

  const kms = endpoints.kms;
  const keywarden = kms !== undefined && !/\.amazonaws\.com(\.cn)?(:\d+)?(\/|$)/.test(new URL(kms).host + '/');
  const tools: ToolLaunch = keywarden
    ? {
        cloudhsmCli: ['keywarden cloudhsm-cli --cluster-id {cluster}', ...keywardenOptions].join(' '),
        cloudhsmMgmtUtil: ['keywarden cloudhsm_mgmt_util --cluster-id {cluster}', ...keywardenOptions].join(' '),
        keyMgmtUtil: ['keywarden key_mgmt_util --cluster-id {cluster}', ...keywardenOptions].join(' '),
      }
    : AWS_TOOL_LAUNCH;

  return { profile, region, regionSource, endpoints, endpointSource, awsCliOptions, keywardenOptions, tools };
}

/** Reads the shared config files and builds the credential chain for the profile. */
export async function resolveTarget(opts: TargetOptions, env: Env = process.env): Promise<Target> {
  const files = await loadSharedConfigFiles();
  const settings = resolveSettings(opts, env, files as { configFile: Record<string, Section>; credentialsFile: Record<string, Section> });
  // The SDK warns on the console when a profile and static keys are both in the environment; the
  // profile wins, as with the AWS CLI, and doctor's output stays its own.
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const credentials = defaultProvider({ ...(opts.profile !== undefined ? { profile: opts.profile } : {}), logger: quiet });
  return { ...settings, credentials };
}
