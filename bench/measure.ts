import type { BenchConfig } from './config.js';
import { childCpuMs, ownCpuMs } from './cpu.js';
import { runLoad, type LoadClient } from './load.js';
import type { ScenarioResult } from './report.js';
import type { LatencyRecorder } from './stats.js';

/** One closed-loop load: a request body sent again and again to one server. */
export interface Scenario {
  name: string;
  server: ScenarioResult['server'];
  serverPid: number;
  client: LoadClient;
  target: string;
  body: Buffer;
  /** Which interleaved round it belongs to (1, 2, …), for the scenarios compared with the ceiling. */
  round?: number;
}

/** A warm-up, then the measured phase, with the CPU both sides used during it. */
export async function measure(s: Scenario, config: BenchConfig, recorder: LatencyRecorder, signal: AbortSignal): Promise<ScenarioResult> {
  const common = { concurrency: config.concurrency, maxRequests: config.maxRequests, signal };
  const warm = config.warmupSeconds > 0 ? await runLoad(s.client, s.target, s.body, { ...common, durationMs: config.warmupSeconds * 1000 }) : undefined;
  recorder.reset();
  const serverBefore = childCpuMs(s.serverPid);
  const clientBefore = ownCpuMs();
  const run = await runLoad(s.client, s.target, s.body, { ...common, durationMs: config.seconds * 1000, recorder });
  const clientCpuMs = ownCpuMs() - clientBefore;
  const serverAfter = childCpuMs(s.serverPid);
  const serverCpuMs = serverBefore === undefined || serverAfter === undefined ? undefined : serverAfter - serverBefore;
  const wallMs = run.elapsedSeconds * 1000;
  const result: ScenarioResult = {
    name: s.name,
    server: s.server,
    target: s.target,
    requestBytes: s.body.length,
    ...run,
    errorKinds: [...(warm?.errorKinds ?? []).map((k) => ({ ...k, what: `(warm-up) ${k.what}` })), ...run.errorKinds],
    warmupErrors: warm?.errors ?? 0,
    warmupRequests: warm ? warm.ok + warm.errors : 0,
    ...recorder.summary(),
    serverCpuPercent: serverCpuMs === undefined ? undefined : (100 * serverCpuMs) / wallMs,
    serverCpuUsPerOp: serverCpuMs === undefined || run.ok === 0 ? undefined : (1000 * serverCpuMs) / run.ok,
    clientCpuPercent: (100 * clientCpuMs) / wallMs,
  };
  if (s.round !== undefined) result.round = s.round;
  return result;
}
