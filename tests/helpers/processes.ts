/**
 * Real child processes for end-to-end tests, started with the README's own commands
 * (`npm run hub`, `npm run vendor -- …`). Each runs in a process group of its own, as a terminal
 * would run it, so `stop` (SIGINT, like Ctrl-C) and `kill` (SIGKILL) reach the whole group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv } from '../../src/config';
export { freePort } from '../../src/cli/free-port';
import { TEST_SECRET } from './setup';
import { waitFor, WAIT_MS } from './wait-for';

const ROOT = `${__dirname}/../..`;

export class Proc extends EventEmitter<{ line: [line: string]; exit: [code: number | null, signal: string | null] }> {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  private exitInfo: { code: number | null; signal: string | null } | undefined;

  constructor(readonly name: string, command: string, args: string[], env: NodeJS.ProcessEnv) {
    super();
    this.child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      // The test secret, so that no test creates the real one in the home directory; our clients sign with it too.
      env: childEnv({ LOG_FORMAT: 'pretty', CAPS_SECRET: TEST_SECRET, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        this.emit('line', line);
      });
    }
    // `close`, not `exit`: it comes once the output pipes are drained, so a test that reads
    // `lines` after the exit sees every line the process wrote.
    this.child.on('close', (code, signal) => {
      this.exitInfo = { code, signal };
      this.emit('exit', code, signal);
    });
  }

  /** Lines so far that match `pattern`. */
  matching(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line));
  }

  /** Resolves with the first line, past or future, that matches `pattern`. */
  async line(pattern: RegExp, timeoutMs = WAIT_MS): Promise<string> {
    let found: string | undefined;
    await this.count(pattern, 1, timeoutMs, (line) => (found = line));
    return found ?? this.lines.find((line) => pattern.test(line))!;
  }

  /** Resolves once `count` lines match `pattern`; fails early if the process exits first. */
  async count(pattern: RegExp, count: number, timeoutMs = WAIT_MS, onMatch?: (line: string) => void): Promise<void> {
    let seen = this.matching(pattern).length;
    if (seen >= count) return;
    const fail = (why: string) => new Error(`${this.name}: ${why}: ${seen}/${count} lines matching ${pattern}; last lines:\n${this.lines.slice(-15).join('\n')}`);
    let onExit: (() => void) | undefined;
    const exited = new Promise<never>((_, reject) => this.once('exit', (onExit = () => reject(fail('exited')))));
    try {
      await Promise.race([
        waitFor<[string]>(this, 'line', (l) => pattern.test(l) && (onMatch?.(l), ++seen >= count), timeoutMs).catch((err: Error) => {
          throw fail(err.message);
        }),
        this.exitInfo ? Promise.reject(fail('had exited')) : exited,
      ]);
    } finally {
      if (onExit) this.off('exit', onExit);
    }
  }

  /** Resolves with the exit, once the process has ended. */
  exited(): Promise<{ code: number | null; signal: string | null }> {
    if (this.exitInfo) return Promise.resolve(this.exitInfo);
    return waitFor<[number | null, string | null]>(this, 'exit').then(([code, signal]) => ({ code, signal }));
  }

  /** Sends `signal` to the whole process group. */
  signal(signal: NodeJS.Signals): void {
    if (this.exitInfo || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** SIGKILLs the group and waits for the exit. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited();
  }
}

/** Starts processes with `npm run <script> -- <args>` and kills whatever is left at cleanup. */
export class Processes {
  private readonly started: Proc[] = [];
  /** One state directory for every process of this test (a vendor's default journal lives there), removed at cleanup. */
  private stateDir: string | undefined;

  start(name: string, script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Proc {
    return this.run(name, 'npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], env);
  }

  /** Starts any other command (a classroom client in tests/fixtures/lab), from the project's root. */
  run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
    this.stateDir ??= mkdtempSync(join(tmpdir(), 'caps-state-'));
    const proc = new Proc(name, command, args, { CAPS_STATE_DIR: this.stateDir, ...env });
    this.started.push(proc);
    return proc;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.started.map((proc) => proc.kill()));
    this.started.length = 0;
    if (this.stateDir) rmSync(this.stateDir, { recursive: true, force: true });
    this.stateDir = undefined;
  }
}


/** The order ids in lines like `DRIVER: delivered <id>`, counted. */
export function countIds(lines: string[], pattern: RegExp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const id = pattern.exec(line)?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
