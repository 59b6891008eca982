/**
 * A private `redis-server` for a test: on a free port, in a temporary directory, with the
 * persistence docs/scaling.md asks for (`--appendonly yes --appendfsync everysec`, no RDB
 * snapshots). Never the machine's shared Redis on 6379, which other work uses.
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
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import { freePort } from '../../src/cli/free-port';
import type { RedisSpec } from '../../src/queue/store-spec';
import { waitFor, WAIT_MS } from './wait-for';

/** What redis-server prints once it takes connections (after loading its append-only file). */
const READY = /Ready to accept connections/;

export class RedisServer {
  private child: ChildProcess | undefined;
  private readonly output: string[] = [];
  /** A plain client for `run`, made on first use. */
  private client: Redis | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  /** Starts a new server; resolves once it takes connections. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), mkdtempSync(join(tmpdir(), 'caps-redis-')));
    try {
      await server.restart();
    } catch (err) {
      await server.cleanup();
      throw err;
    }
    return server;
  }

  /** `redis://127.0.0.1:<port>`: a `CAPS_STORE` value. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The same, parsed, as `RedisStore.open` takes it. */
  get spec(): RedisSpec {
    return { kind: 'redis', host: '127.0.0.1', port: this.port, db: 0 };
  }

  /** Starts the server again on the same port and directory; resolves once it takes connections. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no'],
      // A process group of its own, so that `kill` also ends a child it forked to rewrite its
      // append-only file, which would otherwise go on writing in the directory `cleanup` removes.
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.output.push(line));
    child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`redis-server was not ready after ${WAIT_MS} ms`)), WAIT_MS);
      const onLine = (line: string) => READY.test(line) && finish();
      const onExit = () => finish(new Error(`redis-server exited before it was ready:\n${this.output.slice(-10).join('\n')}`));
      const finish = (err?: Error) => {
        clearTimeout(timer);
        lines.off('line', onLine);
        child.off('exit', onExit);
        child.off('error', finish);
        if (err) reject(err);
        else resolve();
      };
      lines.on('line', onLine);
      child.once('exit', onExit);
      child.once('error', finish);
    });
  }

  /** Runs one Redis command on the server, as a test looks at or changes what a store wrote. */
  run(command: string, ...args: (string | number)[]): Promise<unknown> {
    this.client ??= new Redis({ host: '127.0.0.1', port: this.port });
    return this.client.call(command, ...args);
  }

  /** SIGKILLs the server and any child it forked (no chance to write anything more) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const gone = waitFor(child, 'exit');
    process.kill(-child.pid!, 'SIGKILL');
    await gone;
  }

  /** Kills the server if it runs and removes its directory. */
  async cleanup(): Promise<void> {
    this.client?.disconnect();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
