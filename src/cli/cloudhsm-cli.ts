import type { Args } from './args.js';
import { type Dialect, describeError, PasswordMismatch, readPassword, runHsmTool, type ToolContext } from './hsm-tool.js';

// `keywarden cloudhsm-cli`: AWS CloudHSM Client SDK 5's CloudHSM CLI, the tool seed 000 uses.
// Every reply is a JSON envelope, `{"error_code": 0, "data": …}`, a non-zero code and a message
// string on failure; argument mistakes are reported on standard error, as the real tool's parser does.

interface WireKey {
  KeyReference: string;
  Id: string;
  Label: string;
  Owner: string;
  SharedUsers: string[];
  Class: string;
  KeyType: string;
  KeyLengthBytes: number;
  CheckValue: string;
  Extractable: boolean;
}

const HELP = `Commands (run them after 'login' unless noted):
  cluster activate [--password <PASSWORD>]                       set the admin password of a new cluster (no login)
  login --username <USERNAME> --role <admin|crypto-user> [--password <PASSWORD>]
  logout
  user list                                                      (no login)
  user create --username <USERNAME> --role <ROLE> [--password <PASSWORD>]
  user delete --username <USERNAME> --role <ROLE>
  user change-password --username <USERNAME> --role <ROLE> [--password <PASSWORD>]
  key list [--filter <FILTER>...] [--max-items <N>] [--starting-token <T>] [--verbose]
  key delete --filter <FILTER>...
  key generate-symmetric aes --label <LABEL> --key-length-bytes <16|24|32> [--attributes id=0x<HEX>]
  quit
Filters: key-reference=0x<HEX> or attr.label=<LABEL>, attr.id=0x<HEX>, attr.class=secret-key, attr.key-type=aes`;

class ArgumentError extends Error {}

export const cloudhsmCli: Dialect = {
  tool: 'cloudhsm-cli',
  prompt: 'aws-cloudhsm > ',
  exitCommands: new Set(['quit', 'exit']),
  async run(words, ctx) {
    try {
      return await dispatch(words, ctx);
    } catch (err) {
      if (err instanceof ArgumentError) {
        ctx.term.note(`error: ${err.message}\n\nFor more information, try 'help'.`);
        return false;
      }
      if (err instanceof PasswordMismatch) return reply(ctx, 1, err.message);
      return reply(ctx, 1, describeError(err));
    }
  },
};

export const cloudhsmCliCommand = (args: Args) => runHsmTool(cloudhsmCli, args);

async function dispatch(words: string[], ctx: ToolContext): Promise<boolean> {
  const [first, second] = words;
  const command = ['cluster', 'user', 'key'].includes(first!) ? `${first} ${second ?? ''}`.trim() : first!;
  const rest = words.slice(command.split(' ').length);
  const { conn, term } = ctx;
  switch (command) {
    case 'help':
      term.print(HELP);
      return true;
    case 'cluster activate': {
      const o = options(rest, ['password']);
      const password = await readPassword(term, o.get('password'), true);
      await conn.call('ActivateCluster', { Password: password });
      return reply(ctx, 0, 'Cluster activation successful');
    }
    case 'login': {
      const o = options(rest, ['username', 'role', 'password']);
      const username = required(o, 'username');
      const role = roleOption(o);
      if (conn.session) {
        return reply(ctx, 1, `Already logged in as ${conn.session.username} (${conn.session.role}); run logout first.`);
      }
      const session = await conn.login(username, role, await readPassword(term, o.get('password'), false));
      return reply(ctx, 0, { username: session.username, role: displayRole(session.role) });
    }
    case 'logout': {
      options(rest, []);
      if (!conn.session) return reply(ctx, 1, 'No user is logged in to this cluster from cloudhsm-cli.');
      await conn.logout();
      return reply(ctx, 0, 'Logout successful');
    }
    case 'user list': {
      options(rest, []);
      const out: { Users: Array<{ Username: string; Role: string; Locked: boolean }> } = await conn.call('ListUsers', { SessionToken: undefined });
      const users = out.Users.map((u) => ({ username: u.Username, role: displayRole(u.Role), locked: String(u.Locked), mfa: [], 'cluster-coverage': 'full' }));
      return reply(ctx, 0, { users });
    }
    case 'user create':
    case 'user change-password': {
      const o = options(rest, ['username', 'role', 'password']);
      const username = required(o, 'username');
      const role = roleOption(o);
      const password = await readPassword(term, o.get('password'), true);
      const out: { User: { Username: string; Role: string } } = await conn.call(command === 'user create' ? 'CreateUser' : 'ChangePassword', {
        Username: username,
        Role: role,
        Password: password,
      });
      return reply(ctx, 0, { username: out.User.Username, role: displayRole(out.User.Role) });
    }
    case 'user delete': {
      const o = options(rest, ['username', 'role']);
      const out: { User: { Username: string; Role: string } } = await conn.call('DeleteUser', { Username: required(o, 'username'), Role: roleOption(o) });
      return reply(ctx, 0, { username: out.User.Username, role: displayRole(out.User.Role) });
    }
    case 'key list': {
      const o = options(rest, ['filter', 'max-items', 'starting-token', 'verbose', 'v'], ['filter'], ['verbose', 'v']);
      const maxItems = o.get('max-items');
      if (maxItems !== undefined && !/^\d+$/.test(maxItems)) throw new ArgumentError(`invalid value '${maxItems}' for '--max-items <MAX_ITEMS>': expected a number`);
      const out: { Keys: WireKey[]; TotalKeyCount: number; NextToken?: string } = await conn.call('ListKeys', {
        Filters: o.all('filter'),
        MaxItems: maxItems === undefined ? undefined : Number(maxItems),
        StartingToken: o.get('starting-token'),
      });
      // Admins see every key but, as in CloudHSM CLI, --verbose adds nothing for them.
      const verbose = (o.has('verbose') || o.has('v')) && conn.session?.role !== 'admin';
      const data: Record<string, unknown> = {
        matched_keys: out.Keys.map((k) => (verbose ? verboseKey(k) : { 'key-reference': k.KeyReference, attributes: { label: k.Label } })),
        total_key_count: out.TotalKeyCount,
        returned_key_count: out.Keys.length,
      };
      if (out.NextToken !== undefined) data.next_token = out.NextToken;
      return reply(ctx, 0, data);
    }
    case 'key delete': {
      const o = options(rest, ['filter'], ['filter']);
      const filters = o.all('filter');
      if (filters.length === 0) throw new ArgumentError('the following required arguments were not provided:\n  --filter [<FILTER>...]');
      await conn.call('DeleteKey', { Filters: filters });
      return reply(ctx, 0, { message: 'Key deleted successfully' });
    }
    case 'key generate-symmetric': {
      if (rest[0] !== 'aes') throw new ArgumentError("key generate-symmetric supports 'aes' (key generate-symmetric aes --label <LABEL> --key-length-bytes 32)");
      const o = options(rest.slice(1), ['label', 'key-length-bytes', 'attributes'], ['attributes']);
      const length = required(o, 'key-length-bytes');
      if (!/^\d+$/.test(length)) throw new ArgumentError(`invalid value '${length}' for '--key-length-bytes <KEY_LENGTH_BYTES>': expected a number`);
      const attributes = new Map(o.all('attributes').map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] as const));
      const out: { Key: WireKey } = await conn.call('CreateKey', {
        Label: required(o, 'label'),
        KeyLengthBytes: Number(length),
        Id: attributes.get('id'),
        Extractable: attributes.has('extractable') ? attributes.get('extractable') === 'true' : undefined,
      });
      return reply(ctx, 0, { key: verboseKey(out.Key) });
    }
    default:
      throw new ArgumentError(`unrecognized command '${words.join(' ')}'`);
  }
}

function reply(ctx: ToolContext, code: number, data: unknown): boolean {
  ctx.term.print(JSON.stringify({ error_code: code, data }, null, 2));
  return code === 0;
}

/** How CloudHSM CLI names each role. */
function displayRole(role: string): string {
  return role === 'appliance' ? 'internal(APPLIANCE_USER)' : role;
}

function roleOption(o: Options): string {
  const role = required(o, 'role');
  if (role !== 'admin' && role !== 'crypto-user') {
    throw new ArgumentError(`invalid value '${role}' for '--role <ROLE>'\n  [possible values: crypto-user, admin]`);
  }
  return role;
}

function verboseKey(k: WireKey) {
  return {
    'key-reference': k.KeyReference,
    'key-info': {
      'key-owners': [{ username: k.Owner, 'key-coverage': 'full' }],
      'shared-users': k.SharedUsers.map((username) => ({ username, 'key-coverage': 'full' })),
      'key-quorum-values': { 'manage-key-quorum-value': 0, 'use-key-quorum-value': 0 },
      'cluster-coverage': 'full',
    },
    attributes: {
      'key-type': k.KeyType,
      label: k.Label,
      id: `0x${k.Id}`,
      'check-value': `0x${k.CheckValue}`,
      class: k.Class,
      encrypt: true,
      decrypt: true,
      token: true,
      'always-sensitive': true,
      derive: false,
      destroyable: true,
      extractable: k.Extractable,
      local: true,
      modifiable: true,
      'never-extractable': !k.Extractable,
      private: true,
      sensitive: true,
      sign: true,
      trusted: false,
      unwrap: true,
      verify: true,
      wrap: true,
      'wrap-with-trusted': false,
      'key-length-bytes': k.KeyLengthBytes,
    },
  };
}

interface Options {
  get(name: string): string | undefined;
  all(name: string): string[];
  has(name: string): boolean;
}

/**
 * `--name value` options (`--name=value` too). Names in `multi` take every word up to the next
 * option (`--filter attr.label=a attr.id=0x01`); names in `flags` take none.
 */
function options(words: string[], known: string[], multi: string[] = [], flags: string[] = []): Options {
  const values = new Map<string, string[]>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const m = /^--?([a-z][a-z-]*)(?:=(.*))?$/.exec(word);
    if (!m || (word.startsWith('-') && !word.startsWith('--') && m[1]!.length > 1)) {
      throw new ArgumentError(`unexpected argument '${word}' found`);
    }
    const name = m[1]!;
    if (!known.includes(name)) throw new ArgumentError(`unexpected argument '${word}' found`);
    const list = values.get(name) ?? [];
    values.set(name, list);
    if (flags.includes(name)) continue;
    if (m[2] !== undefined) list.push(m[2]);
    else if (multi.includes(name)) while (i + 1 < words.length && !words[i + 1]!.startsWith('--')) list.push(words[++i]!);
    else {
      const value = words[++i];
      if (value === undefined) throw new ArgumentError(`a value is required for '--${name} <${name.toUpperCase().replace(/-/g, '_')}>' but none was supplied`);
      list.push(value);
    }
  }
  return {
    get: (name) => values.get(name)?.at(-1),
    all: (name) => values.get(name) ?? [],
    has: (name) => values.has(name),
  };
}

function required(o: Options, name: string): string {
  const value = o.get(name);
  if (value === undefined) throw new ArgumentError(`the following required arguments were not provided:\n  --${name} <${name.toUpperCase().replace(/-/g, '_')}>`);
  return value;
}
