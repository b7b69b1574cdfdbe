import { signedHeaders } from './sigv4.js';

// The APIs the console calls, each an ordinary signed AWS JSON 1.1 call to the page's own origin:
// the service authorizes and records it exactly as it would a call from the AWS CLI.

const SERVICES = {
  kms: { prefix: 'TrentService', signingName: 'kms' },
  cloudhsmv2: { prefix: 'BaldrApiService', signingName: 'cloudhsm' },
  cloudtrail: { prefix: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101', signingName: 'cloudtrail' },
  // Keywarden's own admin API: the subnets' free addresses, which AWS shows through EC2 instead.
  keywarden: { prefix: 'KeywardenAdmin', signingName: 'keywarden' },
};

/** An error answer of the service: its AWS error name and message. */
export class ApiError extends Error {
  /** @param {string} type @param {string} message @param {number} status */
  constructor(type, message, status) {
    super(message ? `${type}: ${message}` : type);
    this.type = type;
    this.detail = message;
    this.status = status;
  }
}

/** The errors that say the access key itself is not accepted, as opposed to a refusal of one call. */
export const SIGN_IN_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'InvalidClientTokenId',
]);

/**
 * @param {import('./session.js').Session} session
 * @param {{ onSignedOut?: (err: ApiError) => void }} [hooks]
 */
export function createApi(session, hooks = {}) {
  /**
   * @param {keyof typeof SERVICES} service
   * @param {string} operation
   * @param {object} [input]
   */
  async function call(service, operation, input = {}) {
    const { prefix, signingName } = SERVICES[service];
    const body = JSON.stringify(input);
    const headers = await signedHeaders({
      host: location.host,
      target: `${prefix}.${operation}`,
      body,
      service: signingName,
      region: session.region,
      credentials: session,
      now: Date.now(),
    });
    // No cookies exist and none are sent: the signature is the only authority a call carries.
    const res = await fetch(new URL('/', location.href), { method: 'POST', headers, body, credentials: 'omit', cache: 'no-store' });
    const text = await res.text();
    let json = {};
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new ApiError('InvalidResponse', `the service answered ${res.status} with a body that is not JSON`, res.status);
    }
    if (!res.ok) {
      const type = String(json.__type ?? res.headers.get('x-amzn-ErrorType') ?? `HTTP ${res.status}`).replace(/^.*#/, '').replace(/:.*$/, '');
      const err = new ApiError(type, String(json.message ?? json.Message ?? ''), res.status);
      if (SIGN_IN_ERRORS.has(type)) hooks.onSignedOut?.(err);
      throw err;
    }
    return json;
  }

  /**
   * Every page of a list operation, up to `maxPages` (a bound, so a runaway marker cannot loop).
   * KMS pages with Marker/NextMarker, CloudHSM and CloudTrail with NextToken.
   */
  async function callAll(service, operation, input, member, maxPages = 50) {
    const items = [];
    let token;
    for (let page = 0; page < maxPages; page++) {
      const marker = service === 'kms' ? { Marker: token } : { NextToken: token };
      const out = await call(service, operation, token === undefined ? input : { ...input, ...marker });
      items.push(...(out[member] ?? []));
      token = service === 'kms' ? (out.Truncated ? out.NextMarker : undefined) : out.NextToken;
      if (!token) return items;
    }
    return items;
  }

  return { call, callAll, session };
}
