/**
 * A private `redis-server` for a test: the product's own launcher (src/cli/private-redis.ts: a
 * free port, a temporary directory, `--appendonly yes --appendfsync everysec`, no RDB snapshots),
 * with a client to look at what a store wrote. Never the machine's shared Redis on 6379, which
 * other work uses.
 *
 * `kill` SIGKILLs it and `restart` starts it again on the same port and directory, where it reloads
 * its append-only file; `run` sends it a command; `cleanup` kills it (only this process) and
 * removes the directory.
 *
 * @example
 *   const redis = await RedisServer.start();
 *   t.defer(() => redis.cleanup());
 *   const hub = await t.hub({ store: redis.url });
 */
import Redis from 'ioredis';
import { PrivateRedis } from '../../src/cli/private-redis';
import type { RedisSpec } from '../../src/queue/store-spec';
import { WAIT_MS } from './wait-for';

export class RedisServer {
  /** A plain client for `run`, made on first use. */
  private client: Redis | undefined;

  private constructor(private readonly server: PrivateRedis) {}

  /** Starts a new server; resolves once it takes connections. */
  static async start(): Promise<RedisServer> {
    return new RedisServer(await PrivateRedis.start({ readyMs: WAIT_MS }));
  }

  get port(): number {
    return this.server.port;
  }

  /** `redis://127.0.0.1:<port>/0`: a `CAPS_STORE` value. */
  get url(): string {
    return this.server.url;
  }

  /** The same, parsed, as `RedisStore.open` takes it. */
  get spec(): RedisSpec {
    return this.server.spec;
  }

  /** Starts the server again on the same port and directory; resolves once it takes connections. */
  restart(): Promise<void> {
    return this.server.restart();
  }

  /** Runs one Redis command on the server, as a test looks at or changes what a store wrote. */
  run(command: string, ...args: (string | number)[]): Promise<unknown> {
    this.client ??= new Redis({ host: '127.0.0.1', port: this.port });
    return this.client.call(command, ...args);
  }

  /** SIGKILLs the server (no chance to write anything more) and waits until it is gone. */
  kill(): Promise<void> {
    return this.server.kill();
  }

  /** Kills the server if it runs and removes its directory. */
  async cleanup(): Promise<void> {
    this.client?.disconnect();
    await this.server.kill();
    await this.server.close();
  }
}
