/**
 * What every dashboard HTTP route shares: answers in JSON, the methods a route allows (anything
 * else is a real 405 with `Allow`), a bounded request body (past it, one 413), and
 * `X-Content-Type-Options: nosniff` on every response, so that no browser takes an answer for
 * something other than its declared type.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Failure, HubError } from '../protocol/acks';
import type { RouteHandler } from './port';

/** Headers on every dashboard response. */
export const BASE_HEADERS = { 'x-content-type-options': 'nosniff' } as const;

/** The errors only HTTP has, beside the hub's own codes. */
export type HttpErrorCode = HubError['code'] | 'method_not_allowed' | 'payload_too_large';
export type HttpFailure = Failure | { ok: false; error: { code: HttpErrorCode; message: string } };

/** Sends `body` as JSON with `status`. */
export function json(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...BASE_HEADERS, ...headers }).end(`${JSON.stringify(body)}\n`);
}

/** `{ ok: false, error }` for an HTTP answer. */
export function httpFailure(code: HttpErrorCode, message: string): HttpFailure {
  return { ok: false, error: { code, message } };
}

/**
 * Wraps `handler` so that it sees only `methods`; anything else is answered 405 with `Allow`.
 * A GET route allows HEAD too: Node sends the headers and drops the body.
 */
export function allowing(methods: readonly ('GET' | 'POST')[], handler: RouteHandler): RouteHandler {
  const allowed = methods.includes('GET') ? [...methods, 'HEAD'] : [...methods];
  const allow = allowed.join(', ');
  return (req, res) => {
    if (allowed.includes(req.method ?? '')) return handler(req, res);
    // The body, if any, is not wanted; reading it lets the connection carry the next request.
    req.resume();
    json(res, 405, httpFailure('method_not_allowed', `${req.method ?? 'this method'} is not allowed here; use ${allow}`), { allow });
  };
}

/** Returned by {@link readBody} for a body over its limit. */
export const TOO_LARGE = Symbol('too large');

/**
 * The request body as text, or {@link TOO_LARGE} once it passes `maxBytes` (declared or sent).
 * Past the limit the rest is read and dropped, not kept, so the caller can answer 413 and the
 * client, still sending, reads that answer instead of a reset connection.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string | typeof TOO_LARGE> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > maxBytes) {
      req.resume();
      return resolve(TOO_LARGE);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve(TOO_LARGE);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8'))); // no effect once TOO_LARGE
    req.on('error', reject);
  });
}
