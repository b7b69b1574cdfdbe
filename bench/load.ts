import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Signer } from './sigv4.js';
import type { LatencyRecorder } from './stats.js';

export interface Answer {
  status: number;
  /** Length of the body received, whether kept or not. */
  bytes: number;
  body: Buffer;
}

/**
 * A signing HTTP client for one server. One keep-alive agent per server, shared by warm-up and
 * measurement, so the measured phase starts on warm sockets and never pays for connecting.
 */
export class LoadClient {
  readonly agent: Agent;
  private readonly hostHeader: string;

  constructor(
    readonly url: URL,
    private readonly signer: Signer,
    private readonly timeoutMs: number,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
    this.hostHeader = url.host;
  }

  /** Signs (freshly: X-Amz-Date is now) and sends one request. Resolves for every HTTP status. */
  send(target: string, body: Buffer, keepBody: boolean): Promise<Answer> {
    return this.transmit(this.sign(target, body), body, keepBody);
  }

  sign(target: string, body: Buffer): Record<string, string> {
    return this.signer.sign(this.hostHeader, target, body);
  }

  transmit(headers: Record<string, string>, body: Buffer, keepBody: boolean): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      const req = request(
        { agent: this.agent, host: this.url.hostname, port: this.url.port, method: 'POST', path: '/', headers },
        (res) => {
          const status = res.statusCode ?? 0;
          // A success's body is only counted, not kept: the loop should cost the client as little as possible.
          const keep = keepBody || status !== 200;
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            if (keep) chunks.push(c);
          });
          res.on('end', () => resolve({ status, bytes, body: keep ? Buffer.concat(chunks) : EMPTY }));
          res.on('error', reject);
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * One call whose answer must be 200 with a JSON body; for setup, not for load. A kept-alive
   * connection the server closes as idle (Keywarden after 5 s) just as the call goes out is reset;
   * the call is then sent once more, on a new connection.
   */
  async call<T>(target: string, input: unknown): Promise<T> {
    const body = Buffer.from(JSON.stringify(input));
    const answer = await this.send(target, body, true).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') throw err;
      return this.send(target, body, true);
    });
    if (answer.status !== 200) throw new Error(`${target} answered HTTP ${answer.status}: ${answer.body.toString()}`);
    return JSON.parse(answer.body.toString()) as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

const EMPTY = Buffer.alloc(0);

/** Milliseconds from now (the monotonic clock) to `at`, in nanoseconds of process.hrtime.bigint(). */
const msUntil = (at: bigint): number => Number(at - process.hrtime.bigint()) / 1e6;

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  /** Hard cap on requests started, whatever the clock says. */
  maxRequests: number;
  /** Latencies of successful requests go here; absent during warm-up. */
  recorder?: LatencyRecorder;
  /** Ends the loop early (Ctrl-C): workers stop starting requests at once. */
  signal?: AbortSignal;
  /**
   * Paced instead of as fast as answers come: request i (from 0) starts no sooner than i / rate
   * seconds after the load began, by whichever worker is free, so the server sees this rate as long
   * as it keeps up.
   */
  ratePerSecond?: number;
}

export interface LoadResult {
  ok: number;
  errors: number;
  /** Distinct failures (status and start of body, or the network error) with their counts. */
  errorKinds: { what: string; count: number }[];
  elapsedSeconds: number;
  opsPerSecond: number;
  /** Average body size of the successful answers: shows the ceiling really moved Keywarden's bytes. */
  meanResponseBytes: number;
  stoppedBy: 'time' | 'request cap' | 'error limit' | 'abort';
}

/** Stop early once a scenario has clearly failed; the numbers would mean nothing anyway. */
const ERROR_LIMIT = 10_000;
const ERROR_KINDS_KEPT = 10;

/**
 * Closed loop: `concurrency` workers, each sending one request and waiting for its answer before
 * sending the next (paced at `ratePerSecond` if given). Ends when the duration is up, the request
 * cap is reached, or errors pile up.
 * Given several clients (one per node of a deployment), the requests go to each in turn, as a
 * round-robin load balancer would send them.
 */
export async function runLoad(client: LoadClient | readonly LoadClient[], target: string, body: Buffer, opts: LoadOptions): Promise<LoadResult> {
  const clients: readonly LoadClient[] = client instanceof LoadClient ? [client] : client;
  if (clients.length === 0) throw new Error('runLoad needs at least one client');
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(opts.durationMs * 1e6));
  let started = 0;
  let ok = 0;
  let errors = 0;
  let okBytes = 0;
  let stoppedBy: LoadResult['stoppedBy'] = 'time';
  const kinds = new Map<string, number>();

  const fail = (what: string) => {
    errors++;
    if (kinds.has(what) || kinds.size < ERROR_KINDS_KEPT) kinds.set(what, (kinds.get(what) ?? 0) + 1);
  };

  const worker = async () => {
    for (;;) {
      if (opts.signal?.aborted) {
        stoppedBy = 'abort';
        break;
      }
      if (process.hrtime.bigint() >= deadline) break;
      if (started >= opts.maxRequests) {
        stoppedBy = 'request cap';
        break;
      }
      if (errors >= ERROR_LIMIT) {
        stoppedBy = 'error limit';
        break;
      }
      const index = started++;
      const to = clients[index % clients.length]!;
      if (opts.ratePerSecond !== undefined) {
        const due = start + BigInt(Math.round((index * 1e9) / opts.ratePerSecond));
        // A timer measures from the event loop's idea of now, which lags the clock: it can fire a
        // little before its time, so the clock is read again until the request is due.
        for (let ms = msUntil(due); ms > 0; ms = msUntil(due)) await sleep(Math.ceil(ms));
        if (process.hrtime.bigint() >= deadline) break;
      }
      try {
        const headers = to.sign(target, body);
        // The clock starts after signing: latency is the server's answer time plus the wire, not our signing.
        const t0 = process.hrtime.bigint();
        const answer = await to.transmit(headers, body, false);
        const t1 = process.hrtime.bigint();
        if (answer.status === 200) {
          ok++;
          okBytes += answer.bytes;
          opts.recorder?.record(t1 - t0);
        } else {
          fail(`HTTP ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
        }
      } catch (err) {
        fail(`network: ${(err as Error).message}`);
      }
    }
  };

  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsedSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    ok,
    errors,
    errorKinds: [...kinds].map(([what, count]) => ({ what, count })),
    elapsedSeconds,
    opsPerSecond: ok / elapsedSeconds,
    meanResponseBytes: ok === 0 ? 0 : okBytes / ok,
    stoppedBy,
  };
}
