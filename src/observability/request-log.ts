import type { AnsweredRequest } from '../protocol/server.js';
import type { Logger } from './logger.js';

/** One `info` line per answered request: who called what, how it ended and how long it took. */
export function requestLog(logger: Logger): (answer: AnsweredRequest) => void {
  return (a) => {
    if (!logger.isLevelEnabled('info')) return;
    logger.info(
      {
        requestId: a.requestId,
        service: a.service,
        operation: a.operation,
        principal: a.principal,
        sourceIp: a.sourceIp,
        status: a.status,
        errorType: a.errorType,
        // Microseconds are noise next to the network; a thousandth of a millisecond is plenty.
        durationMs: Math.round(a.durationMs * 1000) / 1000,
      },
      'request completed',
    );
  };
}
