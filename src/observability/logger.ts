import { pino, type DestinationStream, type Logger } from 'pino';
import { textDestination } from './text-log.js';

// The service's log after start-up: one line per record, JSON for machines (the default when the
// output is not a terminal) or text for people. The lines `keywarden serve` prints while starting
// (where it listens, how to point the AWS CLI at it, start-up warnings) are not log records: they
// stay plain text, so a terminal shows them as it always did.

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type { Logger };

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; standard error by default (standard output carries the start-up lines). */
  destination?: DestinationStream;
}

/** The destination of each logger createLogger made: its lines are pino's JSON, level label and ISO time first. */
const destinations = new WeakMap<Logger, DestinationStream>();

/**
 * Where a logger made by createLogger writes, for a record written on the path of every request
 * (request-log.ts) as a line put together by hand, in the layout pino gives it, rather than
 * through pino's generic serialiser. Undefined for any other logger.
 */
export function lineDestination(logger: Logger): DestinationStream | undefined {
  return destinations.get(logger);
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? (process.stderr.isTTY ? 'text' : 'json');
  const destination =
    opts.destination === undefined
      ? format === 'text'
        ? textDestination(process.stderr)
        : // Written off the thread that answers calls, 8 KiB or a fifth of a second at a time
          // (a write per line cost a busy service ~10% of its CPU in thread hand-offs); what is
          // left is written when the process exits. A reader that stops reading costs lines
          // beyond 16 MiB, not the service's memory.
          pino.destination({ dest: 2, sync: false, minLength: 8192, periodicFlush: 200, maxLength: 16 * 1024 * 1024 })
      : format === 'text'
        ? textDestination(opts.destination)
        : opts.destination;
  const logger = pino(
    {
      level: opts.level ?? 'info',
      // No pid or hostname on every line: one service per process, and the collector knows the host.
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  destinations.set(logger, destination);
  return logger;
}
