/**
 * A private `redis-server` for a test: the product's own launcher (src/cli/private-redis.ts: a
 * free port, a temporary directory, `--appendonly yes --appendfsync everysec`, no RDB snapshots),
 * with a client to look at what a store wrote. Never the machine's shared Redis on 6379, which
 * other work uses.
 *
 * `kill` SIGKILLs it and `restart` starts it again on the same port and directory, where it reloads
 * its append-only file; `run` sends it a command; `cleanup` kills it (only this process) and
 * removes the directory. Started with a `password`, it asks every client for it (`requirepass`);
 * with `tls`, it takes only TLS connections on its port, with the given certificate.
 *
 * @example
 *   const redis = await RedisServer.start();
 *   t.defer(() => redis.cleanup());
 *   const hub = await t.hub({ store: redis.url });
 */
import { readFileSync } from 'node:fs';
import Redis from 'ioredis';
import { PrivateRedis } from '../../src/cli/private-redis';
import { serverOptions } from '../../src/queue/redis/server-options';
import type { RedisSpec } from '../../src/queue/store-spec';
import type { TlsFiles } from './tls-files';
import { WAIT_MS } from './wait-for';

export interface RedisServerOptions {
  /** The password every client must give (`requirepass`). */
  password?: string;
  /** Serve TLS only, with this certificate. */
  tls?: TlsFiles;
}

export class RedisServer {
  /** A plain client for `run`, made on first use. */
  private client: Redis | undefined;

  private constructor(
    private readonly server: PrivateRedis,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts a new server; resolves once it takes connections. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const { password, tls } = options;
    const args = (port: number) => [
      ...(password === undefined ? [] : ['--requirepass', password]),
      ...(tls === undefined ? [] : ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no']),
    ];
    return new RedisServer(await PrivateRedis.start({ readyMs: WAIT_MS, args }), options);
  }

  get port(): number {
    return this.server.port;
  }

  /** `redis[s]://[:<password>@]127.0.0.1:<port>/0`: a `CAPS_STORE` value. */
  get url(): string {
    const { password, tls } = this.options;
    const credentials = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
    return `${tls ? 'rediss' : 'redis'}://${credentials}127.0.0.1:${this.port}/0`;
  }

  /** The same, parsed, as `RedisStore.open` takes it. */
  get spec(): RedisSpec {
    const { password, tls } = this.options;
    return { ...this.server.spec, ...(password !== undefined && { password }), ...(tls && { tls: true }) };
  }

  /** Starts the server again on the same port and directory; resolves once it takes connections. */
  restart(): Promise<void> {
    return this.server.restart();
  }

  /** Runs one Redis command on the server, as a test looks at or changes what a store wrote. */
  run(command: string, ...args: (string | number)[]): Promise<unknown> {
    const ca = this.options.tls && readFileSync(this.options.tls.ca);
    this.client ??= new Redis({ ...serverOptions(this.spec), ...(ca && { tls: { ca } }) });
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
