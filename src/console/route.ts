import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ConsoleFile, loadConsoleFiles } from './files.js';
import { SECURITY_HEADERS } from './security-headers.js';

export const CONSOLE_PATH = '/console';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
/** The API's handler answers every failure itself; its promise only says when it is done. */
type ApiHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * The endpoint's handler with the web console in front of it: GET and HEAD under /console are the
 * console's static files; everything else, every POST included, goes to the API as before. The
 * console serves no data of its own: the page signs ordinary API calls, so authorization and the
 * audit trail treat it like any other client.
 */
export function withConsole(api: ApiHandler, files: Map<string, ConsoleFile> = loadConsoleFiles()): Handler {
  return (req, res) => {
    const path = pathOf(req.url ?? '/');
    if (path !== CONSOLE_PATH && !path.startsWith(CONSOLE_PATH + '/')) return void api(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      // A POST here is an API call whatever its path (the API dispatches on X-Amz-Target).
      if (req.method === 'POST') return void api(req, res);
      return answer(res, 405, { Allow: 'GET, HEAD' }, 'Method not allowed.\n', req.method);
    }
    // The page's modules are loaded relative to /console/, so the bare path must gain its slash.
    if (path === CONSOLE_PATH) return answer(res, 308, { Location: `${CONSOLE_PATH}/` }, '', req.method);
    const file = files.get(path === `${CONSOLE_PATH}/` ? '/index.html' : path.slice(CONSOLE_PATH.length));
    if (!file) return answer(res, 404, {}, 'Not found.\n', req.method);
    if (req.headers['if-none-match'] === file.etag) return answer(res, 304, { ETag: file.etag }, '', req.method);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': file.type,
      'Content-Length': file.body.length,
      // Revalidated on every load, so a page never runs a mix of old and new modules.
      'Cache-Control': 'no-cache',
      ETag: file.etag,
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };
}

function pathOf(url: string): string {
  const q = url.search(/[?#]/);
  return q < 0 ? url : url.slice(0, q);
}

function answer(res: ServerResponse, status: number, headers: Record<string, string>, text: string, method: string | undefined): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache',
  });
  res.end(method === 'HEAD' ? undefined : text);
}
