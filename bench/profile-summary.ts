// A CPU profile (node --cpu-prof's .cpuprofile) reduced to what a reader needs to decide where
// the time goes: self time by function and by module, and total time (self and callees) of the
// service's own functions. Frames are named `function file:line`, with paths shortened to the
// part after dist/ or node_modules/.

export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FrameTime {
  frame: string;
  ms: number;
  /** Share of the busy time (everything but idle). */
  share: number;
}

export interface ProfileSummary {
  /** Profiled wall time, and the part of it the thread was not idle. */
  wallMs: number;
  busyMs: number;
  /** Of the busy time: garbage collection and the engine's own work outside any JavaScript frame. */
  gcMs: number;
  programMs: number;
  selfByFrame: FrameTime[];
  selfByModule: FrameTime[];
  /** The service's own functions (dist/src) by time spent in them and what they called. */
  totalByOwnFrame: FrameTime[];
}

const IDLE = '(idle)';

/**
 * `window`: only the samples taken between these two instants (microseconds of the monotonic
 * clock, which the profile's own times use on Linux, as process.hrtime does), so that start-up
 * and set-up stay out; ignored when it does not overlap the profile.
 */
export function summarizeProfile(p: CpuProfile, top = 30, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const inWindow = window !== undefined && window.fromUs < p.endTime && window.toUs > p.startTime;
  const from = inWindow ? Math.max(window.fromUs, p.startTime) : p.startTime;
  const to = inWindow ? Math.min(window.toUs, p.endTime) : p.endTime;
  // timeDeltas[i] is the time before sample i; the time up to the next sample belongs to sample i.
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (at < from || at >= to) continue;
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }
  const wallMs = (to - from) / 1000;
  let idleMs = 0;
  let gcMs = 0;
  let programMs = 0;
  const frameSelf = new Map<string, number>();
  const moduleSelf = new Map<string, number>();
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const name = node.callFrame.functionName;
    if (name === IDLE) idleMs += ms;
    else if (name === '(garbage collector)') gcMs += ms;
    else if (name === '(program)') programMs += ms;
    add(frameSelf, frameName(node.callFrame), ms);
    add(moduleSelf, moduleName(node.callFrame), ms);
  }
  const busyMs = wallMs - idleMs;

  // Total time: a node's self time plus its subtree's, counted once per frame name along a path
  // (a recursive function is not counted twice).
  const totalOwn = new Map<string, number>();
  const parentOf = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  for (const [id, ms] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (!f.url.includes('/dist/src/')) continue;
      const name = frameName(f);
      if (seen.has(name)) continue;
      seen.add(name);
      add(totalOwn, name, ms);
    }
  }
  const ranked = (m: Map<string, number>) =>
    [...m]
      .filter(([frame]) => !frame.startsWith(IDLE))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, ms]) => ({ frame, ms, share: busyMs > 0 ? ms / busyMs : 0 }));
  return { wallMs, busyMs, gcMs, programMs, selfByFrame: ranked(frameSelf), selfByModule: ranked(moduleSelf), totalByOwnFrame: ranked(totalOwn) };
}

export function formatProfile(s: ProfileSummary, title: string): string {
  const rows = (list: FrameTime[]) => list.map((f) => `  ${f.ms.toFixed(0).padStart(7)} ms  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.frame}`);
  return [
    title,
    `profiled ${s.wallMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms (${((100 * s.busyMs) / s.wallMs).toFixed(0)}%); of that, garbage collection ${s.gcMs.toFixed(0)} ms, engine outside JavaScript ${s.programMs.toFixed(0)} ms; shares below are of the busy time`,
    '',
    'Self time by function:',
    ...rows(s.selfByFrame),
    '',
    'Self time by module:',
    ...rows(s.selfByModule),
    '',
    "Total time (self and callees) of Keywarden's own functions:",
    ...rows(s.totalByOwnFrame),
    '',
  ].join('\n');
}

function add(m: Map<string, number>, key: string, ms: number): void {
  m.set(key, (m.get(key) ?? 0) + ms);
}

function frameName(f: CpuProfile['nodes'][number]['callFrame']): string {
  const name = f.functionName || '(anonymous)';
  if (!f.url) return name;
  return `${name} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
}

function moduleName(f: CpuProfile['nodes'][number]['callFrame']): string {
  return f.url ? shortUrl(f.url) : f.functionName || '(anonymous)';
}

/** The part of a script's URL that says what it is: after dist/ or node_modules/, or node's own. */
export function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const dist = path.lastIndexOf('/dist/');
  if (dist >= 0) return path.slice(dist + '/dist/'.length);
  return path;
}

/**
 * Node names a profile CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile, thread 0 being the
 * main one: the files of `names` in that order, main thread first.
 */
export function profilesByThread(names: readonly string[]): { file: string; thread: number }[] {
  return names
    .map((file) => ({ file, m: /^CPU\.\d+\.\d+\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(file) }))
    .filter((f) => f.m !== null)
    .map((f) => ({ file: f.file, thread: Number(f.m![1]) }))
    .sort((a, b) => a.thread - b.thread);
}
