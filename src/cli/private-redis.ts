/**
 * A private `redis-server` that CAPS starts for its own use: the simulator's `--store redis`, the
 * benchmark's `redis` system, and the tests. It listens on a free port of 127.0.0.1, keeps its
 * files in a new temporary directory, and runs with the persistence docs/scaling.md asks for
 * (`--appendonly yes --appendfsync everysec`, no RDB snapshots), so a SIGKILLed one reloads every
 * acknowledged change from its append-only file. It is never the machine's shared Redis on 6379.
 *
 * The server runs in a process group of its own, so a Ctrl-C in the terminal reaches only its
 * owner, which decides how it ends. If the owner exits without `close` (a crash, `process.exit`),
 * an `exit` hook SIGKILLs the server and removes its directory.
 *
 * @example
 *   if (!redisServerInstalled()) throw new Error('apt-get install redis-server');
 *   const redis = await PrivateRedis.start({ logFile: '/tmp/run/redis.log' });
 *   startHub({ CAPS_STORE: redis.url });
 *   await redis.kill();      // SIGKILL, as a crash would
 *   await redis.restart();   // same port, same directory: it reloads its append-only file
 *   await redis.close();     // SIGTERM (SIGKILL after a grace period), directory removed
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describeRedis, type RedisSpec } from '../queue/store-spec';
import { freePort } from './free-port';

/** The binary, looked up on the PATH. */
const REDIS_SERVER = 'redis-server';

/** The only address it listens on. */
const HOST = '127.0.0.1';
/** What redis-server prints once it takes connections (after loading its append-only file). */
const READY = /Ready to accept connections/;
/** How long a start may take by default, append-only file loading included. */
const READY_MS = 30_000;
/** How long `close` waits after SIGTERM before it SIGKILLs. */
const GRACE_MS = 10_000;
/** Lines of output kept for error messages. */
const TAIL_LINES = 20;

/** Thrown when the server cannot be started: not installed, exited at once, or never ready. */
export class PrivateRedisError extends Error {
  override readonly name = 'PrivateRedisError';
}

/** Whether `redis-server` can be run here (`apt-get install redis-server` otherwise). */
export function redisServerInstalled(): boolean {
  return spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).error === undefined;
}

export interface PrivateRedisOptions {
  /** Where the server's output is appended, line by line; kept in memory only (the last lines) otherwise. */
  logFile?: string;
  /** How long each start may take before it fails; 30 s unless given. */
  readyMs?: number;
  /**
   * Further redis-server options for the server's port, after its own (a later option wins): a
   * password (`() => ['--requirepass', pw]`), or TLS on that port instead of plain TCP
   * (`(port) => ['--port', '0', '--tls-port', String(port), …]`). `spec` and `url` do not know of them.
   */
  args?: (port: number) => string[];
}

/** Every server still running, for the `exit` hook. */
const live = new Set<PrivateRedis>();
let hooked = false;

export class PrivateRedis {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly tail: string[] = [];

  private constructor(
    readonly port: number,
    /** Holds the append-only file; removed by `close`. */
    readonly dir: string,
    private readonly options: PrivateRedisOptions,
  ) {}

  /** Starts a new server on a free port, in a new directory; resolves once it takes connections. */
  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort(), mkdtempSync(join(tmpdir(), 'caps-redis-')), options);
    if (!hooked) {
      hooked = true;
      process.on('exit', () => {
        for (const redis of live) redis.killNow();
      });
    }
    live.add(server);
    try {
      await server.restart();
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  /** The server and its database 0, as the Redis store opens it. */
  get spec(): RedisSpec {
    return { kind: 'redis', host: HOST, port: this.port, db: 0 };
  }

  /** The same as a `CAPS_STORE` value: `redis://127.0.0.1:<port>/0`. */
  get url(): string {
    return describeRedis(this.spec);
  }

  /** The running server's process id, for reading its CPU time; `undefined` while it is down. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts the server again on the same port and directory; resolves once it takes connections. */
  async restart(): Promise<void> {
    if (this.child) throw new PrivateRedisError('redis-server is already running');
    const args = ['--port', String(this.port), '--bind', HOST, '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', ...(this.options.args?.(this.port) ?? [])];
    const child = spawn(REDIS_SERVER, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // Gone: it exited, or it could not be started at all (not installed).
    this.exited = new Promise((resolve) => {
      const gone = () => {
        if (this.child === child) this.child = undefined;
        resolve();
      };
      child.once('exit', gone);
      child.once('error', gone);
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.note(line));
    createInterface({ input: child.stderr! }).on('line', (line) => this.note(line));
    const readyMs = this.options.readyMs ?? READY_MS;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new PrivateRedisError(`${REDIS_SERVER} on port ${this.port} was not ready after ${readyMs} ms:\n${this.lastLines()}`)), readyMs);
      const onLine = (line: string) => READY.test(line) && finish();
      const onExit = () => finish(new PrivateRedisError(`${REDIS_SERVER} on port ${this.port} exited before it was ready:\n${this.lastLines()}`));
      const onError = (err: NodeJS.ErrnoException) =>
        finish(new PrivateRedisError(err.code === 'ENOENT' ? `${REDIS_SERVER} is not installed (apt-get install redis-server)` : `cannot start ${REDIS_SERVER}: ${err.message}`));
      const finish = (err?: Error) => {
        clearTimeout(timer);
        lines.off('line', onLine);
        child.off('exit', onExit);
        child.off('error', onError);
        if (err) reject(err);
        else resolve();
      };
      lines.on('line', onLine);
      child.once('exit', onExit);
      child.once('error', onError);
    });
  }

  /** SIGKILLs the server (it has no chance to write anything more) and resolves once it is gone. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /** Stops the server (SIGTERM, SIGKILL after a grace period) and removes its directory. Safe to call twice. */
  async close(): Promise<void> {
    if (this.child) {
      this.signal('SIGTERM');
      const timer = setTimeout(() => this.signal('SIGKILL'), GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  /** The server's last lines of output, for error messages. */
  lastLines(): string {
    return this.tail.join('\n');
  }

  private note(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    if (this.options.logFile !== undefined) appendFileSync(this.options.logFile, `${line}\n`);
  }

  /** Signals the server's process group: a child it forked to rewrite its append-only file goes too. */
  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** The `exit` hook's part: synchronous, as an exiting process allows. */
  private killNow(): void {
    this.signal('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
