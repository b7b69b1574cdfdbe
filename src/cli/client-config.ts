import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Args, stringOption, UsageError } from './args.js';

// Where a client command finds the service and as whom it signs, settled the way the AWS CLI
// settles them, so that an environment set up for `aws --endpoint-url …` or a named profile works
// for `keywarden` unchanged. The shared config files and the SDK's credential chain are loaded only
// when the command line and the environment leave something open: each costs a tenth of a second
// or more at start-up.

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4599';
const DEFAULT_REGION = 'us-east-1';
/** The dev credential every Keywarden accepts unless its credentials file says otherwise. */
const DEV_CREDENTIAL = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Where and as whom the CLI calls a running service. */
export interface ClientConfig {
  endpoint: URL;
  /** What chose the endpoint (`--endpoint`, `AWS_ENDPOINT_URL`, …), for the message when it cannot be reached. */
  endpointSource?: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
}

type Section = Record<string, string | undefined>;

interface SharedFiles {
  config: Record<string, Section>;
  credentials: Record<string, Section>;
  configPath: string;
  credentialsPath: string;
}

const configPath = () => process.env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
const credentialsPath = () => process.env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials');

async function readSharedFiles(): Promise<SharedFiles> {
  const paths = { configPath: configPath(), credentialsPath: credentialsPath() };
  if (!existsSync(paths.configPath) && !existsSync(paths.credentialsPath)) return { config: {}, credentials: {}, ...paths };
  const { loadSharedConfigFiles } = await import('@smithy/shared-ini-file-loader');
  const files = await loadSharedConfigFiles({ filepath: paths.credentialsPath, configFilepath: paths.configPath, ignoreCache: true });
  return { config: files.configFile as Record<string, Section>, credentials: files.credentialsFile as Record<string, Section>, ...paths };
}

const isTrue = (v: string | undefined) => v !== undefined && v.trim().toLowerCase() === 'true';

const resolved = new WeakMap<Args, Promise<ClientConfig>>();

/** The command's endpoint, region and credentials, settled once per command line. */
export function clientConfig(args: Args): Promise<ClientConfig> {
  let cfg = resolved.get(args);
  if (!cfg) resolved.set(args, (cfg = resolve(args)));
  return cfg;
}

async function resolve(args: Args): Promise<ClientConfig> {
  const flagProfile = stringOption(args, 'profile');
  const profile = flagProfile ?? (process.env.AWS_PROFILE || undefined);
  let shared: Promise<SharedFiles> | undefined;
  const files = () => (shared ??= readSharedFiles());
  const section = async () => (await files()).config[profile ?? 'default'] ?? {};

  if (profile !== undefined) {
    const f = await files();
    if (!f.config[profile] && !f.credentials[profile]) {
      throw new UsageError(
        `the profile '${profile}' (${flagProfile !== undefined ? '--profile' : 'AWS_PROFILE'}) is in neither ${f.configPath} nor ${f.credentialsPath}; ` +
          'add it there, point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at the files that have it, or name another profile.',
      );
    }
  }

  const { url, source } = await endpointOf(args, profile, section, files);
  let endpoint: URL;
  try {
    endpoint = new URL(url);
  } catch {
    throw new UsageError(`'${url}' (from ${source}) is not a URL; give one like ${DEFAULT_ENDPOINT}.`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    throw new UsageError(`'${url}' (from ${source}) is not an http:// or https:// URL.`);
  }

  const region =
    stringOption(args, 'region') || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || (await section()).region || DEFAULT_REGION;
  return { endpoint, endpointSource: source, region, ...(await credentialsOf(flagProfile, profile)) };
}

/**
 * The endpoint: --endpoint (or --endpoint-url), KEYWARDEN_ENDPOINT, AWS_ENDPOINT_URL_KMS,
 * AWS_ENDPOINT_URL, the profile's services section for kms, the profile's endpoint_url, and the
 * default. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's ignore_configured_endpoint_urls)
 * sets aside the AWS ones, as it does for the AWS CLI; Keywarden's own stay.
 */
async function endpointOf(
  args: Args,
  profile: string | undefined,
  section: () => Promise<Section>,
  files: () => Promise<SharedFiles>,
): Promise<{ url: string; source: string }> {
  const flag = stringOption(args, 'endpoint') ?? stringOption(args, 'endpoint-url');
  if (flag !== undefined) return { url: flag, source: stringOption(args, 'endpoint') !== undefined ? '--endpoint' : '--endpoint-url' };
  if (process.env.KEYWARDEN_ENDPOINT) return { url: process.env.KEYWARDEN_ENDPOINT, source: 'KEYWARDEN_ENDPOINT' };
  const fromEnv = process.env.AWS_ENDPOINT_URL_KMS ? 'AWS_ENDPOINT_URL_KMS' : process.env.AWS_ENDPOINT_URL ? 'AWS_ENDPOINT_URL' : undefined;
  const ignored = () =>
    process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
      ? Promise.resolve(isTrue(process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS))
      : section().then((s) => isTrue(s.ignore_configured_endpoint_urls));
  if (fromEnv && !(await ignored())) return { url: process.env[fromEnv]!, source: fromEnv };
  const own = await section();
  if (!(await ignored())) {
    const name = profile ?? 'default';
    const { configPath } = await files();
    const services = own.services ? (await files()).config[`services.${own.services}`] : undefined;
    const forKms = services?.['kms.endpoint_url'];
    if (forKms) return { url: forKms, source: `the kms endpoint_url of the services section '${own.services}' (profile '${name}' in ${configPath})` };
    if (own.endpoint_url) return { url: own.endpoint_url, source: `the endpoint_url of profile '${name}' in ${configPath}` };
  }
  return { url: DEFAULT_ENDPOINT, source: 'the default endpoint' };
}

/**
 * Credentials in the AWS CLI's order: a --profile given on the command line; AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY; the profile of AWS_PROFILE (or `default`) through the SDK's chain (static
 * keys, credential_process, SSO, web identity); and, where nothing is configured at all, the dev
 * credential. A profile that was named but yields nothing is an error, not the dev credential.
 */
async function credentialsOf(
  flagProfile: string | undefined,
  profile: string | undefined,
): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> {
  const env = process.env;
  if (flagProfile === undefined && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  if (profile === undefined && !existsSync(configPath()) && !existsSync(credentialsPath()) && !env.AWS_WEB_IDENTITY_TOKEN_FILE) return DEV_CREDENTIAL;
  // Keywarden is never behind the EC2 instance metadata service: asking it would only stall for
  // seconds off EC2 (and send a request off this machine) before the dev credential is used.
  env.AWS_EC2_METADATA_DISABLED ??= 'true';
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  try {
    const c = await defaultProvider({ ...(profile !== undefined ? { profile } : {}), logger: quiet })();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
  } catch (err) {
    if (profile === undefined) return DEV_CREDENTIAL;
    throw new Error(`no credentials for the profile '${profile}': ${(err as Error).message.split('\n')[0]}`);
  }
}
