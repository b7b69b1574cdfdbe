import { type Args, stringOption, UsageError } from './args.js';
import { call, clientConfig, print } from './client.js';
import type { ExplainAuthorizationRequest, ExplainAuthorizationResponse } from '../operations/admin/model.types.js';

/** `keywarden policy explain …`: the answer to "why was I denied?", from the running service. */
export async function policy(args: Args): Promise<number> {
  const [sub] = args.positional;
  if (sub !== 'explain') throw new UsageError("policy takes 'explain'.");
  const principal = stringOption(args, 'principal');
  const action = stringOption(args, 'action');
  const keyId = stringOption(args, 'key-id');
  if (!principal || !action || !keyId) throw new UsageError('policy explain needs --principal ARN, --action kms:ACTION and --key-id ID.');
  const input: ExplainAuthorizationRequest = {
    PrincipalArn: principal,
    Action: action,
    KeyId: keyId,
    ...contextOption(stringOption(args, 'context')),
    ...(stringOption(args, 'source-ip') !== undefined ? { SourceIp: stringOption(args, 'source-ip') } : {}),
  };
  const result: ExplainAuthorizationResponse = await call(await clientConfig(args), 'KeywardenAdmin.ExplainAuthorization', 'keywarden', input);
  print(args, result, () => result.Lines.join('\n'));
  return result.Allowed ? 0 : 1;
}

/** `k=v,k2=v2`, or a JSON object for values that hold commas or equals signs. */
function contextOption(text: string | undefined): { EncryptionContext?: Record<string, string> } {
  if (text === undefined) return {};
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError('--context is not valid JSON.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) {
      throw new UsageError('--context as JSON must be an object of string values.');
    }
    return { EncryptionContext: parsed as Record<string, string> };
  }
  const context: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--context takes k=v pairs separated by commas, not '${pair}'.`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { EncryptionContext: context };
}
