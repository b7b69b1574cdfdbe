import { type Args, UsageError } from './args.js';
import { call, clientConfig, print } from './client.js';

interface ClockView {
  Now: number;
  OffsetSeconds: number;
  ClockControl: boolean;
  Clock: 'real' | 'manual';
}

/** `keywarden clock show`, `keywarden clock advance DURATION` and `keywarden clock reset`. */
export async function clock(args: Args): Promise<number> {
  const [sub, duration] = args.positional;
  const cfg = await clientConfig(args);
  let view: ClockView;
  if (sub === 'show') view = await call(cfg, 'KeywardenAdmin.GetClock', 'keywarden', {});
  else if (sub === 'advance') {
    if (!duration) throw new UsageError('clock advance needs a duration, for example: keywarden clock advance 30d');
    view = await call(cfg, 'KeywardenAdmin.AdvanceClock', 'keywarden', { Duration: duration });
  } else if (sub === 'reset') view = await call(cfg, 'KeywardenAdmin.ResetClock', 'keywarden', {});
  else throw new UsageError("clock takes 'show', 'advance DURATION' or 'reset'.");
  print(args, view, () =>
    view.Clock === 'manual'
      ? `service time ${new Date(view.Now * 1000).toISOString()} (manual clock, advanced by ${formatOffset(view.OffsetSeconds)} in all; only 'clock advance' moves it)`
      : `service time ${new Date(view.Now * 1000).toISOString()} (ahead of real time by ${formatOffset(view.OffsetSeconds)})`,
  );
  return 0;
}

function formatOffset(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return `${d}d ${h}h ${m}m ${s}s`;
}
