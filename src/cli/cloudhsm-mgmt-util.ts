import { createHash } from 'node:crypto';
import type { Args } from './args.js';
import type { Server } from './hsm-connection.js';
import { type Dialect, describeError, runHsmTool, type ToolContext } from './hsm-tool.js';

// `keywarden cloudhsm_mgmt_util`: Client SDK 3's CloudHSM Management Utility (CMU), the tool
// seeds 003 and 004 use. Positional arguments; replies are one line per HSM of the cluster,
// `… on server N(<ENI IP>)`; user management asks for confirmation after a CAUTION banner.

/** CMU's user types and the roles they stand for. */
const ROLE_OF: Record<string, string> = { CO: 'admin', PCO: 'admin', CU: 'crypto-user', PRECO: 'unactivated-admin', AU: 'appliance' };
const TYPE_OF: Record<string, string> = { admin: 'CO', 'crypto-user': 'CU', 'unactivated-admin': 'PRECO', appliance: 'AU' };

const CAUTION = `
*************************CAUTION********************************
This is a CRITICAL operation, should be done on all nodes in the
cluster. Cav server does NOT synchronize these changes with the
nodes on which this operation is not executed or failed, please
ensure this operation is executed on all nodes in the cluster.
****************************************************************
`;

/** getAttribute's attribute constants (listAttributes) and how each value prints. */
const ATTRIBUTES: Record<number, [string, (k: WireKey) => string]> = {
  0: ['OBJ_ATTR_CLASS', () => hex32(4)],
  1: ['OBJ_ATTR_TOKEN', () => hex32(1)],
  2: ['OBJ_ATTR_PRIVATE', () => hex32(1)],
  3: ['OBJ_ATTR_LABEL', (k) => k.Label],
  256: ['OBJ_ATTR_KEY_TYPE', () => hex32(31)],
  260: ['OBJ_ATTR_ENCRYPT', () => hex32(1)],
  261: ['OBJ_ATTR_DECRYPT', () => hex32(1)],
  262: ['OBJ_ATTR_WRAP', () => hex32(1)],
  263: ['OBJ_ATTR_UNWRAP', () => hex32(1)],
  264: ['OBJ_ATTR_SIGN', () => hex32(1)],
  266: ['OBJ_ATTR_VERIFY', () => hex32(1)],
  353: ['OBJ_ATTR_VALUE_LEN', (k) => hex32(k.KeyLengthBytes)],
  354: ['OBJ_ATTR_EXTRACTABLE', (k) => hex32(k.Extractable ? 1 : 0)],
  355: ['OBJ_ATTR_LOCAL', () => hex32(1)],
  371: ['OBJ_ATTR_KCV', (k) => `0x${k.CheckValue}`],
};
const ALL_ATTRIBUTES = 512;

interface WireKey {
  Label: string;
  KeyLengthBytes: number;
  Extractable: boolean;
  CheckValue: string;
}

interface WireUser {
  UserId: number;
  Username: string;
  Role: string;
  LoginFailureCount: number;
}

const HELP = `Commands:
  loginHSM <CO|CU|PRECO|AU> <user name> <password | -hpswd>
  logoutHSM
  listUsers
  createUser <CO|CU> <user name> <password | -hpswd>
  changePswd <CO|CU|PRECO> <user name> <password | -hpswd>
  findAllKeys <user id> <key hash (0/1)>
  getAttribute <key handle> <attribute id>   (3 = OBJ_ATTR_LABEL, 512 = all)
  quit`;

export const cloudhsmMgmtUtil: Dialect = {
  tool: 'cloudhsm_mgmt_util',
  prompt: 'aws-cloudhsm>',
  exitCommands: new Set(['quit', 'exit']),
  async run(words, ctx) {
    const [command, ...args] = words;
    const { conn, term } = ctx;
    const each = (f: (s: Server) => string) => conn.servers.forEach((s) => term.print(f(s)));
    const failed = (err: unknown) => {
      term.print(`HSM Error: ${describeError(err)}`);
      each((s) => `${command} failed on server ${s.index}(${s.ip})`);
      return false;
    };
    try {
      switch (command) {
        case 'help':
          term.print(HELP);
          return true;
        case 'loginHSM': {
          const [type, name] = expect(args, 3, 'loginHSM <user type> <user name> <password | -hpswd>');
          const role = roleOf(type!);
          if (conn.session) {
            term.print(`HSM Error: already logged in as ${conn.session.username}(${TYPE_OF[conn.session.role]}); run logoutHSM first.`);
            return false;
          }
          const password = await passwordArg(ctx, args[2]!);
          await conn.login(name!, role, password);
          each((s) => `loginHSM success on server ${s.index}(${s.ip})`);
          return true;
        }
        case 'logoutHSM': {
          expect(args, 0, 'logoutHSM');
          if (!conn.session) {
            term.print('HSM Error: not logged in');
            return false;
          }
          await conn.logout();
          each((s) => `logoutHSM success on server ${s.index}(${s.ip})`);
          return true;
        }
        case 'listUsers': {
          expect(args, 0, 'listUsers');
          const { Users }: { Users: WireUser[] } = await conn.call('ListUsers', { SessionToken: undefined });
          for (const s of conn.servers) {
            term.print(`Users on server ${s.index}(${s.ip}):`);
            term.print(`Number of users found:${Users.length}\n`);
            term.print('    User Id             User Type       User Name                          MofnPubKey    LoginFailureCnt         2FA');
            for (const u of Users) {
              term.print(
                `${String(u.UserId).padStart(10)}${' '.repeat(14)}${TYPE_OF[u.Role]!.padEnd(16)}${u.Username.padEnd(41)}NO${String(u.LoginFailureCount).padStart(16)}${'NO'.padStart(17)}`,
              );
            }
          }
          return true;
        }
        case 'createUser':
        case 'changePswd': {
          const [type, name] = expect(args, 3, `${command} <user type> <user name> <password | -hpswd>`);
          const role = roleOf(type!);
          const password = await passwordArg(ctx, args[2]!);
          term.print(CAUTION);
          if (!(await confirm(ctx))) return true;
          const out: { User: { Username: string } } = await conn.call(command === 'createUser' ? 'CreateUser' : 'ChangePassword', {
            Username: name,
            Role: role,
            Password: password,
          });
          const verb = command === 'createUser' ? 'Creating User' : 'Changing password for';
          term.print(`${verb} ${out.User.Username}(${type!.toUpperCase()}) on ${conn.servers.length} nodes`);
          return true;
        }
        case 'findAllKeys': {
          const [userId, withHash] = expect(args, 2, 'findAllKeys <user id> <key hash (0/1)>');
          if (!/^\d+$/.test(userId!) || !['0', '1'].includes(withHash!)) throw new Usage('findAllKeys <user id> <key hash (0/1)>');
          const { Keys }: { Keys: Array<{ Handle: number; Shared: boolean }> } = await conn.call('ListUserKeys', { UserId: Number(userId) });
          const list = Keys.map((k) => `${k.Handle}${k.Shared ? '(s)' : ''}`).join(',');
          const hash = createHash('sha256').update(list).digest('hex');
          for (const s of conn.servers) {
            term.print(`Keys on server ${s.index}(${s.ip}):`);
            term.print(`Number of keys found ${Keys.length}`);
            term.print(`number of keys matched from start index 0::${Keys.length}`);
            term.print(list);
            if (withHash === '1' && Keys.length > 0) term.print(`Key Hash:\n${hash}\n`);
            term.print(`findAllKeys success on server ${s.index}(${s.ip})`);
          }
          return true;
        }
        case 'getAttribute': {
          const [handle, attribute] = expect(args, 2, 'getAttribute <key handle> <attribute id>');
          const id = Number(attribute);
          if (!/^\d+$/.test(handle!) || !(id in ATTRIBUTES || id === ALL_ATTRIBUTES)) {
            throw new Usage('getAttribute <key handle> <attribute id> (listAttributes: 3 = OBJ_ATTR_LABEL, 512 = all)');
          }
          const { Key }: { Key: WireKey } = await conn.call('GetAttribute', { KeyReference: handle });
          const shown = id === ALL_ATTRIBUTES ? Object.values(ATTRIBUTES) : [ATTRIBUTES[id]!];
          conn.servers.forEach((s, i) => {
            term.print(`${i > 0 ? '\n' : ''}Attribute Value on server ${s.index}(${s.ip}):`);
            for (const [name, value] of shown) term.print(`${name}\n${value(Key)}`);
          });
          return true;
        }
        default:
          term.print(`Invalid command: ${command}. Type 'help' for the list of commands.`);
          return false;
      }
    } catch (err) {
      if (err instanceof Usage) {
        term.print(`Syntax: ${err.message}`);
        return false;
      }
      return failed(err);
    }
  },
};

export const cloudhsmMgmtUtilCommand = (args: Args) => runHsmTool(cloudhsmMgmtUtil, args);

class Usage extends Error {}

function expect(args: string[], n: number, syntax: string): string[] {
  if (args.length !== n) throw new Usage(syntax);
  return args;
}

function roleOf(type: string): string {
  const role = ROLE_OF[type.toUpperCase()];
  if (!role) throw new Usage(`user type must be one of CO, PCO, CU, PRECO or AU, not '${type}'`);
  return role;
}

/** `-hpswd` hides the password: it is then typed at a prompt (twice on a terminal). */
async function passwordArg(ctx: ToolContext, given: string): Promise<string> {
  if (given !== '-hpswd') return given;
  const typed = await ctx.term.readNewSecret('Enter password:', 'Re-enter password:');
  if (typed === undefined || typed[0] !== typed[1]) throw new Error('Passwords do not match');
  return typed[0];
}

/** `Do you want to continue(y/n)?`, asked again until the answer is y or n. */
async function confirm(ctx: ToolContext): Promise<boolean> {
  for (;;) {
    const answer = await ctx.term.readLine('Do you want to continue(y/n)?');
    if (answer === undefined) return false;
    // From a script the answer is not echoed by a terminal; show it, as a transcript would.
    if (!ctx.term.interactive) ctx.term.print(`Do you want to continue(y/n)?${answer}`);
    if (/^y$/i.test(answer.trim())) return true;
    if (/^n$/i.test(answer.trim())) return false;
    ctx.term.print("Invalid option, please type 'y' or 'n'\n");
  }
}

const hex32 = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
