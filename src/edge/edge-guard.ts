/**
 * The hub's front door: every Socket.IO connection and every HTTP request passes here before
 * anything else sees it.
 *
 * - Socket.IO (`allowRequest`, run by the engine on each new connection, polling or WebSocket
 *   upgrade alike): `Host` and `Origin` (origin-policy.ts), then a place under the connection
 *   limits (connection-limits.ts). A refusal is an HTTP 403 whose body says why.
 * - HTTP routes ({@link EdgeGuard.http}): the same `Host` and `Origin` check.
 * - `X-Content-Type-Options: nosniff` on every response ({@link EdgeGuard.watch}), the engine's included.
 * - {@link onlyMethods}: 405, with `Allow`, for a route's unexpected methods.
 *
 * Refusals are logged at `warn`, at most one line per kind every {@link WARN_EVERY_MS}, with the
 * count of those left out, so that a flood of refused requests cannot flood the log.
 *
 * @example
 *   const guard = new EdgeGuard(config.trust, new Callers(config.trust.trustedProxies), logger);
 *   const http = createServer(guard.http((req, res) => …routes…));
 *   const io = new Server(http, { allowRequest: guard.allowRequest });
 *   guard.watch(io.engine, http);
 */
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as SocketIoServer } from 'socket.io';
import type { TrustPolicy } from '../config';
import type { Logger } from '../logger';
import type { Callers } from './caller';
import { ConnectionLimits, type Place } from './connection-limits';
import { OriginPolicy } from './origin-policy';

export const WARN_EVERY_MS = 10_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type Engine = SocketIoServer['engine'];
/** What the guard needs of an engine socket. */
interface EngineSocket {
  request: IncomingMessage;
  on(event: 'close', listener: (this: EngineSocket) => void): unknown;
}

export interface EdgeGuardOptions {
  /** The clock refusal warnings are spaced by (tests pass one). */
  now?: () => number;
}

export class EdgeGuard {
  readonly limits: ConnectionLimits;
  private readonly policy: OriginPolicy;
  /** Places taken by handshakes that have not yet become engine sockets. */
  private readonly pending = new WeakMap<IncomingMessage, Place>();
  /** The handshakes admitted in this turn of the event loop, which {@link settle} looks at once it ends. */
  private unsettled: IncomingMessage[] = [];
  private readonly warned = new Map<string, { at: number; leftOut: number }>();
  private readonly now: () => number;

  constructor(
    trust: Pick<TrustPolicy, 'allowedHosts' | 'allowedOrigins' | 'maxConnections' | 'maxConnectionsPerAddress'>,
    /** Who each request's caller is, which the per-address limit counts (the hub's, from `TRUSTED_PROXIES`). */
    private readonly callers: Callers,
    private readonly logger: Logger,
    options: EdgeGuardOptions = {},
  ) {
    this.policy = new OriginPolicy(trust);
    this.limits = new ConnectionLimits(trust);
    this.now = options.now ?? Date.now;
  }

  /** Socket.IO's `allowRequest` option: admits a new connection or refuses it with a reason. */
  readonly allowRequest = (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void => {
    const refusal = this.policy.check(req.headers);
    if (refusal) {
      this.warn(refusal.code, refusal.message, req);
      return callback(refusal.message, false);
    }
    const caller = this.callers.of(req);
    const taken = this.limits.take(caller);
    if ('refused' in taken) {
      this.warn('too_many_connections', taken.refused, req);
      return callback(taken.refused, false);
    }
    this.pending.set(req, taken.place);
    // Engine.io makes the engine socket, which takes the place over, within this turn. What is left
    // once the turn ends is looked at then, rather than every connection keeping a listener on its
    // TCP socket for as long as it lives (a few hundred bytes each, docs/benchmarks.md).
    if (this.unsettled.push(req) === 1) setImmediate(this.settle);
    callback(null, true);
  };

  /**
   * For each handshake of the turn that no engine socket took over: if its TCP connection is gone
   * already (a malformed upgrade), gives its place back; if it is still under way, its TCP
   * connection's end will.
   */
  private readonly settle = (): void => {
    const handshakes = this.unsettled;
    this.unsettled = [];
    for (const req of handshakes) {
      const place = this.pending.get(req);
      if (place === undefined) continue;
      if (req.socket.destroyed) place.release();
      else {
        req.socket.once('close', () => {
          if (this.pending.get(req) === place) place.release();
        });
      }
    }
  };

  /**
   * Hands each new engine socket the place its handshake took, and puts `nosniff` on every
   * response of `http`: the engine's own too, refusals included, which never reach the routes.
   */
  watch(engine: Engine, http: HttpServer): void {
    /** Places held by engine sockets, each given back when its socket closes. */
    const held = new WeakMap<EngineSocket, Place>();
    // One listener function for every engine socket (its place is looked up), not a closure each.
    function giveBack(this: EngineSocket): void {
      held.get(this)?.release();
    }
    engine.on('connection', (socket: EngineSocket) => {
      const place = this.pending.get(socket.request);
      if (!place) return;
      this.pending.delete(socket.request);
      held.set(socket, place);
      socket.on('close', giveBack);
    });
    // First of the request listeners, before Socket.IO's own (it attached itself in its constructor).
    http.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('X-Content-Type-Options', 'nosniff'));
  }

  /** Wraps the hub's HTTP handler: `Host` and `Origin` checked before any route runs. */
  http(handler: Handler): Handler {
    return (req, res) => {
      const refusal = this.policy.check(req.headers);
      if (!refusal) return handler(req, res);
      this.warn(refusal.code, refusal.message, req);
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end(`${refusal.message}\n`);
    };
  }

  private warn(kind: string, message: string, req: IncomingMessage): void {
    const now = this.now();
    const last = this.warned.get(kind);
    if (last && now - last.at < WARN_EVERY_MS) {
      last.leftOut++;
      return;
    }
    const leftOut = last?.leftOut ?? 0;
    this.warned.set(kind, { at: now, leftOut: 0 });
    this.logger.warn({ kind, address: this.callers.of(req).address, ...(leftOut > 0 ? { alsoRefused: leftOut } : {}) }, `refused: ${message}`);
  }
}

/**
 * Wraps a route so that methods other than `methods` get 405 with an `Allow` header. `HEAD` is
 * allowed wherever `GET` is (Node leaves the body out).
 */
export function onlyMethods(methods: readonly string[], handler: Handler): Handler {
  const allowed = methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : [...methods];
  return (req, res) => {
    if (allowed.includes(req.method ?? '')) return handler(req, res);
    res.writeHead(405, { allow: allowed.join(', '), 'content-type': 'text/plain; charset=utf-8' }).end(`${req.method} is not allowed here; use ${allowed.join(' or ')}\n`);
  };
}
