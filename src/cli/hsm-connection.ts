import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { call, type ClientConfig, ServiceCallError } from './client.js';

/** One HSM of the cluster as a tool lists it: `server 0(10.0.2.9)`, `Node id 0`. */
export interface Server {
  index: number;
  hsmId: string;
  ip: string;
}

export interface HeldSession {
  token: string;
  username: string;
  role: string;
}

/**
 * A tool's connection to one cluster through Keywarden's HSM client API, and the login it holds.
 *
 * Sessions outlive the tool: a login stays open on the service until `logout`, as the seed pages
 * warn ("if you do not log out, attempts to reconnect your key store will fail"). So that a later
 * run can still log that session out, the tool keeps its session token in a small file
 * (KEYWARDEN_STATE_DIR, default ~/.local/state/keywarden, mode 0600), one entry per endpoint,
 * region, cluster and tool, and resumes the session on start.
 */
export class HsmConnection {
  session: HeldSession | undefined;

  private constructor(
    private readonly cfg: ClientConfig,
    readonly clusterId: string,
    private readonly tool: string,
    readonly servers: Server[],
    readonly clusterState: string,
  ) {}

  /** Reads the cluster's HSMs (as the real tools read their configuration) and resumes a saved session. */
  static async open(cfg: ClientConfig, clusterId: string, tool: string): Promise<{ connection: HsmConnection; resumed: boolean; notResumed?: string }> {
    let info: { State: string; Hsms: Array<{ HsmId: string; EniIp: string; State: string }> };
    try {
      info = await call(cfg, 'KeywardenHsm.GetClusterInfo', 'keywarden', { ClusterId: clusterId });
    } catch (err) {
      if (err instanceof ServiceCallError) throw new Error(`cannot connect to cluster ${clusterId}: ${err.message.replace(/^[^:]+: /, '')}`);
      throw err;
    }
    const servers = info.Hsms.filter((h) => h.State === 'ACTIVE').map((h, index) => ({ index, hsmId: h.HsmId, ip: h.EniIp }));
    const connection = new HsmConnection(cfg, clusterId, tool, servers, info.State);
    const saved = connection.savedSessions()[connection.sessionKey];
    if (saved) {
      try {
        const who: { Username: string; Role: string } = await connection.call('GetSession', { SessionToken: saved.token });
        connection.session = { token: saved.token, username: who.Username, role: who.Role };
        return { connection, resumed: true };
      } catch (err) {
        if (!(err instanceof ServiceCallError)) throw err;
        // A cluster that serves nothing right now may still hold the session: keep the token.
        if (err.type === 'HsmUnavailable') {
          return { connection, resumed: false, notResumed: `the session of ${saved.username} that an earlier run left open cannot be resumed now: ${err.message.slice(err.type.length + 2)}` };
        }
        connection.forget();
      }
    }
    return { connection, resumed: false };
  }

  /** Calls one HSM API operation on this cluster; the held session token goes along if there is one. */
  call<T = any>(operation: string, input: Record<string, unknown> = {}): Promise<T> {
    const body: Record<string, unknown> = { ClusterId: this.clusterId, ...input };
    if (this.session && !('SessionToken' in input)) body.SessionToken = this.session.token;
    return call(this.cfg, `KeywardenHsm.${operation}`, 'keywarden', body);
  }

  async login(username: string, role: string, password: string): Promise<HeldSession> {
    const out: { SessionToken: string; Username: string; Role: string } = await this.call('Login', {
      Username: username,
      Role: role,
      Password: password,
      SessionToken: undefined,
    });
    this.session = { token: out.SessionToken, username: out.Username, role: out.Role };
    this.remember();
    return this.session;
  }

  async logout(): Promise<void> {
    if (!this.session) return;
    try {
      await this.call('Logout');
    } catch (err) {
      // A session the service no longer knows is as good as logged out.
      if (!(err instanceof ServiceCallError && err.type === 'HsmAccessDenied')) throw err;
    }
    this.session = undefined;
    this.forget();
  }

  private get sessionKey(): string {
    return `${this.cfg.endpoint.origin} ${this.cfg.region} ${this.clusterId} ${this.tool}`;
  }

  private remember(): void {
    const all = this.savedSessions();
    if (this.session) all[this.sessionKey] = { token: this.session.token, username: this.session.username, role: this.session.role };
    writeSessions(all);
  }

  private forget(): void {
    const all = this.savedSessions();
    if (!(this.sessionKey in all)) return;
    delete all[this.sessionKey];
    writeSessions(all);
  }

  private savedSessions(): Record<string, HeldSession> {
    try {
      const parsed = JSON.parse(readFileSync(sessionsFile(), 'utf8'));
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, HeldSession>) : {};
    } catch {
      return {};
    }
  }
}

export function sessionsFile(): string {
  const dir = process.env.KEYWARDEN_STATE_DIR || join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'keywarden');
  return join(dir, 'hsm-sessions.json');
}

function writeSessions(all: Record<string, HeldSession>): void {
  const file = sessionsFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
