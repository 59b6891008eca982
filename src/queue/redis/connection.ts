/**
 * The Redis store's one connection, set up to fail fast. While Redis is unreachable a hub must
 * answer `unavailable` at once (its clients then retry), not hold every call until Redis returns;
 * so no call ever waits for a connection:
 *
 * - `enableOfflineQueue: false`: a call made while there is no connection rejects at once, rather
 *   than waiting in ioredis's offline queue. This, not a command timeout, is the main switch: a
 *   timeout would still hold each call for its whole length, and a command that timed out may
 *   still run later on a connection that reports itself healthy.
 * - `maxRetriesPerRequest: 0` and `autoResendUnfulfilledCommands: false`: calls in flight when the
 *   connection drops reject at once, rather than being sent again after a reconnection. Redis may
 *   have run such a call before it went away; the hub's answer was `unavailable`, the client sends
 *   it again, and the store's de-duplication takes the copy for what it is.
 * - `socketTimeout`: a Redis that stops answering without closing the connection (stopped, or a
 *   network that drops packets) counts as gone once a call has waited {@link SOCKET_TIMEOUT_MS}
 *   for any byte of reply: the socket is closed, which rejects the calls in flight.
 *
 * ioredis reconnects by itself, forever, at most {@link RECONNECT_MAX_MS} apart, so the store
 * recovers without the hub being restarted. The connection logs once when it is lost and once
 * when it is back, and emits `down` when it is lost (again while it is down, whenever the reason
 * changes: from a dropped connection to a refused one, say) and `back` when it is back.
 */
import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import type { Logger } from '../../logger';
import { describeRedis, type RedisSpec } from '../store-spec';
import { RedisUnreachableError } from './errors';
import { serverOptions } from './server-options';

/** How long a call may wait for the first byte of its reply before the connection counts as dead. */
const SOCKET_TIMEOUT_MS = 5_000;
/** The longest pause between two reconnection attempts. */
const RECONNECT_MAX_MS = 1_000;
/** How long the first connection may take to be set up. */
const CONNECT_TIMEOUT_MS = 5_000;
/** The reason given for a connection that closed without an error. */
const CLOSED = 'the connection was closed';

/** What to do about a refusal of the credentials, which Redis words for its own protocol. */
function credentialsHint(why: string): string {
  if (why.startsWith('NOAUTH')) return ' (this Redis asks for a password: give it in the store name, as redis://:<password>@host:port or redis://<user>:<password>@host:port)';
  if (why.startsWith('WRONGPASS')) return ' (Redis refused the user or password the store name gives)';
  return '';
}

export class RedisConnection extends EventEmitter<{ down: []; back: [] }> {
  readonly client: Redis;
  /** `redis://host:port/db`, for messages. */
  readonly where: string;
  /** Why the connection is down, as the last error said. */
  private lastError = CLOSED;
  /** Whether it has been up once: only then is a loss an outage. */
  private opened = false;
  private outage = false;
  /**
   * Whether the hub serves from this connection or stands by on it, waiting for the writer lease
   * (redis/standby.ts): what losing Redis means for it, as the log says.
   */
  standingBy = false;

  private constructor(spec: RedisSpec, private readonly logger: Logger) {
    super();
    this.where = describeRedis(spec);
    this.client = new Redis({
      ...serverOptions(spec),
      connectionName: 'caps-hub',
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      socketTimeout: SOCKET_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 100, RECONNECT_MAX_MS),
    });
    // Without a listener, ioredis prints every failed reconnection attempt itself.
    this.client.on('error', (err: Error) => {
      const changed = err.message !== this.lastError;
      this.lastError = err.message;
      // Down already: only the reason is new. Each failed reconnection repeats the same error, hence the check.
      if (this.outage && changed) this.emit('down');
      else this.lose();
    });
    this.client.on('close', () => this.lose());
    this.client.on('ready', () => {
      this.lastError = CLOSED;
      if (!this.outage) return;
      this.outage = false;
      this.logger.info(`Redis at ${this.where} is back; ${this.standingBy ? 'this hub goes on standing by' : 'the queue store takes calls again'}`);
      this.emit('back');
    });
  }

  /** Connects to `spec`; rejects with {@link RedisUnreachableError} if Redis cannot be reached now. */
  static async open(spec: RedisSpec, logger: Logger): Promise<RedisConnection> {
    const connection = new RedisConnection(spec, logger);
    try {
      await connection.client.connect();
    } catch (err) {
      connection.client.disconnect();
      const why = connection.lastError === CLOSED ? (err as Error).message : connection.lastError;
      throw new RedisUnreachableError(`cannot use ${connection.where} as the queue store: ${why}${credentialsHint(why)}`);
    }
    connection.opened = true;
    return connection;
  }

  /** Whether calls can be made now. */
  get up(): boolean {
    return this.client.status === 'ready';
  }

  /** Why calls cannot be made now, for /healthz and errors. */
  get problem(): string {
    return `Redis at ${this.where} is unreachable (${this.lastError})`;
  }

  /** Waits for the replies to every call made so far, then closes the connection. */
  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      // No connection to quit politely: stop the reconnection attempts.
      this.client.disconnect();
    }
  }

  /** Marks the connection lost, saying so once an outage. */
  private lose(): void {
    if (!this.opened || this.outage || this.client.status === 'ready' || this.client.status === 'end') return;
    this.outage = true;
    const meanwhile = this.standingBy ? 'this hub goes on standing by, and can take over only once it is back' : 'the hub answers unavailable until it is back';
    this.logger.warn(`lost the connection to Redis at ${this.where} (${this.lastError}); ${meanwhile}`);
    this.emit('down');
  }
}
