import type { IncomingMessage, ServerResponse } from 'node:http';
import { healthReport, readinessReport, type HealthSources } from './health.js';
import type { ServiceMetrics } from './metrics.js';

// GET /health, /ready and /metrics, beside the AWS API on the same port. The AWS JSON protocol
// only ever POSTs to `/`, so these never take a request an AWS client could send; everything
// else (a GET of another path, a POST to these paths) goes on to the API, which answers it as
// before.

/**
 * Who may read /metrics: loopback callers only (the default: the counts of keys, stores and
 * calls say what the service holds and does, and the API shows that only to signed callers),
 * any caller (a Prometheus on another host or outside the container), or nobody.
 */
export const METRICS_ACCESS = ['loopback', 'any', 'off'] as const;
export type MetricsAccess = (typeof METRICS_ACCESS)[number];

export interface RouteOptions {
  health: HealthSources;
  metrics: ServiceMetrics;
  metricsAccess?: MetricsAccess;
}

/** Answers the request and returns true when it is one of these paths; false leaves it to the API. */
export function operabilityRoutes(o: RouteOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const access = o.metricsAccess ?? 'loopback';
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    switch (q === -1 ? url : url.slice(0, q)) {
      case '/health':
        answerJson(req, res, 200, healthReport(o.health));
        return true;
      case '/ready': {
        const report = readinessReport(o.health);
        answerJson(req, res, report.ready ? 200 : 503, report);
        return true;
      }
      case '/metrics':
        if (access === 'off') return false;
        if (access === 'loopback' && !isLoopback(req.socket.remoteAddress)) {
          answer(req, res, 403, 'text/plain; charset=utf-8', 'Keywarden serves /metrics to loopback callers only; start it with --metrics any to let other hosts read it.\n');
          return true;
        }
        o.metrics.text().then(
          (text) => answer(req, res, 200, o.metrics.contentType, text),
          (err: unknown) => answer(req, res, 500, 'text/plain; charset=utf-8', `The metrics could not be collected: ${(err as Error)?.message ?? err}\n`),
        );
        return true;
      default:
        return false;
    }
  };
}

function answerJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  answer(req, res, status, 'application/json', JSON.stringify(body) + '\n');
}

function answer(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: string): void {
  // A body sent with the GET is not read: dropped, so the connection can take the next request.
  req.resume();
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
