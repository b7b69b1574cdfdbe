import type { Args } from './args.js';
import { ServiceCallError } from './client.js';
import { type Dialect, describeError, runHsmTool, type ToolContext } from './hsm-tool.js';

// `keywarden key_mgmt_util`: Client SDK 3's Key Management Utility (KMU), the tool seeds 003 and
// 004 use to delete a key by handle. `-x value` arguments; replies are the Cfm3* return code lines
// and a status line per HSM ("Node id N and err state …"). KMU is for crypto users (CU) only.

/** HSM return codes the seeds and the KMU reference show. */
const SUCCESS = { code: 0x00, text: 'HSM Return: SUCCESS' };
const LOGIN_FAILURE = { code: 0xa3, text: 'HSM Error: RET_USER_LOGIN_FAILURE' };
const INVALID_HANDLE = { code: 0xa8, text: 'HSM Error: Invalid object handle is passed to this operation' };
const ACCESS_DENIED = { code: 0xc6, text: 'HSM Error: Key Access is denied.' };
const INVALID_USER_TYPE = { code: 0xdb, text: 'HSM Error: Invalid User Type.' };

type Status = typeof SUCCESS;

/** findKey's class and type constants: 4 = secret key, 31 = AES. */
const SECRET_CLASS = '4';
const AES_TYPE = '31';

const HELP = `Commands:
  loginHSM -u CU -s <user name> {-p <password> | -hpswd}
  logoutHSM
  listUsers
  findKey [-c <key class>] [-t <key type>] [-l <label>] [-id <key id>] [-sess <0|1>] [-kcv <check value>]
  deleteKey -k <key handle>
  exit`;

export const keyMgmtUtil: Dialect = {
  tool: 'key_mgmt_util',
  prompt: 'Command: ',
  exitCommands: new Set(['exit', 'quit']),
  async run(words, ctx) {
    const [command, ...rest] = words;
    const { conn, term } = ctx;
    try {
      switch (command) {
        case 'help':
          term.print(HELP);
          return true;
        case 'loginHSM': {
          const a = flags(rest, ['u', 's', 'p', 'hpswd'], ['hpswd']);
          const type = required(a, 'u', 'loginHSM -u CU -s <user name> -p <password>');
          const username = required(a, 's', 'loginHSM -u CU -s <user name> -p <password>');
          if (type.toUpperCase() !== 'CU') return report(ctx, 'Cfm3LoginHSM', INVALID_USER_TYPE, false);
          if (conn.session) {
            term.print(`\n\tAlready logged in as ${conn.session.username}; run logoutHSM first.`);
            return false;
          }
          const password = a.has('hpswd') ? await term.readSecret('Enter password:') : a.get('p');
          if (password === undefined) throw new Usage('loginHSM -u CU -s <user name> {-p <password> | -hpswd}');
          try {
            await conn.login(username, 'crypto-user', password);
          } catch (err) {
            if (err instanceof ServiceCallError && err.type === 'HsmAccessDenied') {
              term.note(describeError(err));
              return report(ctx, 'Cfm3LoginHSM', LOGIN_FAILURE);
            }
            throw err;
          }
          return report(ctx, 'Cfm3LoginHSM', SUCCESS);
        }
        case 'logoutHSM': {
          if (!conn.session) {
            term.print('\n\tError: not logged in; log in with loginHSM -u CU first.');
            return false;
          }
          await conn.logout();
          return report(ctx, 'Cfm3LogoutHSM', SUCCESS);
        }
        case 'listUsers': {
          const { Users }: { Users: Array<{ UserId: number; Username: string; Role: string; LoginFailureCount: number }> } = await conn.call('ListUsers', {
            SessionToken: undefined,
          });
          const type: Record<string, string> = { admin: 'CO', 'crypto-user': 'CU', 'unactivated-admin': 'PRECO', appliance: 'AU' };
          term.print(`\n\tNumber Of Users found ${Users.length}\n`);
          term.print('\tIndex       User ID     User Type       User Name           MofnPubKey    LoginFailureCnt         2FA');
          Users.forEach((u, i) =>
            term.print(
              `\t${String(i + 1).padEnd(10)}${String(u.UserId).padStart(8)}      ${type[u.Role]!.padEnd(16)}${u.Username.padEnd(26)}NO${String(u.LoginFailureCount).padStart(16)}${'NO'.padStart(17)}`,
            ),
          );
          term.print(`\n\tCfm3ListUsers returned: 0x00 : ${SUCCESS.text}`);
          return true;
        }
        case 'findKey': {
          const a = flags(rest, ['c', 't', 'l', 'id', 'sess', 'kcv', 'u', 'm']);
          if (a.has('u') || a.has('m')) throw new Usage('findKey here supports -c, -t, -l, -id, -sess and -kcv');
          if (!conn.session) return notLoggedIn(ctx);
          const filters: string[] = [];
          if (a.has('l')) filters.push(`attr.label=${a.get('l')}`);
          if (a.has('id')) filters.push(`attr.id=${a.get('id')}`);
          // CloudHSM shows 3 bytes of check value; a longer one given here is compared on those.
          if (a.has('kcv')) filters.push(`attr.check-value=0x${a.get('kcv')!.replace(/^0x/i, '').slice(0, 6)}`);
          const { Keys }: { Keys: Array<{ Handle: number }> } = await conn.call('ListKeys', { Filters: filters, MaxItems: 10_000 });
          // Every key here is a persistent (-sess 0) AES (-t 31) secret key (-c 4).
          const none = (a.has('c') && a.get('c') !== SECRET_CLASS) || (a.has('t') && a.get('t') !== AES_TYPE) || a.get('sess') === '1';
          const handles = none ? [] : Keys.map((k) => k.Handle);
          term.print(`Total number of keys present ${handles.length}\n`);
          term.print(` number of keys matched from start index 0::${Math.max(handles.length - 1, 0)}`);
          term.print(handles.join(', '));
          nodes(ctx, SUCCESS);
          term.print(`\n\tCfm3FindKey returned: 0x00 : ${SUCCESS.text}`);
          return true;
        }
        case 'deleteKey': {
          const a = flags(rest, ['k']);
          const handle = required(a, 'k', 'deleteKey -k <key handle>');
          if (!/^\d+$/.test(handle)) throw new Usage('deleteKey -k <key handle>');
          if (!conn.session) return notLoggedIn(ctx);
          try {
            await conn.call('DeleteKey', { Filters: [`key-reference=${handle}`] });
          } catch (err) {
            if (err instanceof ServiceCallError && err.type === 'HsmNotFound') return report(ctx, 'Cfm3FindKey', INVALID_HANDLE);
            if (err instanceof ServiceCallError && err.type === 'HsmAccessDenied') return report(ctx, 'Cfm3DeleteKey', ACCESS_DENIED, false);
            throw err;
          }
          return report(ctx, 'Cfm3DeleteKey', SUCCESS);
        }
        default:
          term.print(`\n\tCommand ${command} is not supported here. Type 'help' for the list of commands.`);
          return false;
      }
    } catch (err) {
      if (err instanceof Usage) {
        term.print(`\n\tSyntax: ${err.message}`);
        return false;
      }
      term.print(`\n\tError: ${describeError(err)}`);
      return false;
    }
  },
};

export const keyMgmtUtilCommand = (args: Args) => runHsmTool(keyMgmtUtil, args);

class Usage extends Error {}

/** `Cfm3X returned: 0x.. : …` and, unless told otherwise, the per-HSM status lines. */
function report(ctx: ToolContext, call: string, status: Status, withNodes = true): boolean {
  ctx.term.print(`\n\t${call} returned: 0x${status.code.toString(16).padStart(2, '0')} : ${status.text}`);
  if (withNodes) nodes(ctx, status);
  return status.code === 0;
}

function nodes(ctx: ToolContext, status: Status): void {
  ctx.term.print('\n\tCluster Error Status');
  for (const s of ctx.conn.servers) {
    ctx.term.print(`\tNode id ${s.index} and err state 0x${status.code.toString(16).padStart(8, '0')} : ${status.text}`);
  }
}

function notLoggedIn(ctx: ToolContext): boolean {
  ctx.term.print('\n\tError: not logged in; log in with loginHSM -u CU -s <user name> -p <password> first.');
  return false;
}

/** `-x value` arguments; names in `bare` take no value. */
function flags(words: string[], known: string[], bare: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const name = words[i]!.replace(/^-/, '');
    if (!words[i]!.startsWith('-') || !known.includes(name)) throw new Usage(`unknown argument '${words[i]}'; known: ${known.map((k) => `-${k}`).join(' ')}`);
    if (bare.includes(name)) out.set(name, '');
    else {
      const value = words[++i];
      if (value === undefined) throw new Usage(`-${name} needs a value`);
      out.set(name, value);
    }
  }
  return out;
}

function required(a: Map<string, string>, name: string, syntax: string): string {
  const value = a.get(name);
  if (value === undefined) throw new Usage(syntax);
  return value;
}
