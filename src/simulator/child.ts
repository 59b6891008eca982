/**
 * One child process of the simulator (the hub or a worker), run with ts-node, its output appended
 * to a log file in the run directory, and an IPC channel to the simulator.
 *
 * Every child is started in a process group of its own (`detached`), so that a Ctrl-C in the
 * terminal reaches only the simulator, which then decides how each child ends. Children that are
 * still alive when the simulator exits, for whatever reason, are SIGKILLed by an `exit` hook; and
 * each child also ends itself when its IPC channel closes (see orphan-guard.ts and worker.ts), which
 * covers a simulator that was SIGKILLed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root: children run from here so that ts-node finds tsconfig.json. */
export const ROOT = resolve(__dirname, '../..');

/** How a child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildOptions {
  /** The TypeScript entry point, relative to the repository root. */
  entry: string;
  args?: string[];
  /** Modules to preload after ts-node, relative to the repository root. */
  preload?: string[];
  /** V8 flags for the child's node process. */
  nodeFlags?: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Where stdout and stderr go (appended, so a restarted child adds to its log). */
  logFile: string;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Last resort: a child that outlives the simulator would keep a port or a store open. */
function killLiveChildrenOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export interface ChildEvents {
  message: [message: unknown];
  exit: [exit: ChildExit];
}

/** A running child process. Start a new one to restart; the log file carries on. */
export class Child extends EventEmitter<ChildEvents> {
  readonly process: ChildProcess;
  private exitInfo: ChildExit | undefined;
  private readonly exitPromise: Promise<ChildExit>;

  constructor(readonly options: ChildOptions) {
    super();
    killLiveChildrenOnExit();
    const log = openSync(options.logFile, 'a');
    try {
      this.process = fork(resolve(ROOT, options.entry), options.args ?? [], {
        cwd: ROOT,
        env: options.env,
        execArgv: [...(options.nodeFlags ?? []), '-r', 'ts-node/register/transpile-only', ...(options.preload ?? []).flatMap((m) => ['-r', resolve(ROOT, m)])],
        stdio: ['ignore', log, log, 'ipc'],
        detached: true,
      });
    } finally {
      // The child has its own copy of the descriptor.
      closeSync(log);
    }
    live.add(this.process);
    this.process.on('message', (message) => this.emit('message', message));
    this.exitPromise = new Promise((done) => {
      this.process.on('exit', (code, signal) => {
        live.delete(this.process);
        this.exitInfo = { code, signal };
        this.emit('exit', this.exitInfo);
        done(this.exitInfo);
      });
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Resolves once the child has exited. */
  exited(): Promise<ChildExit> {
    return this.exitPromise;
  }

  /** Sends an IPC message; ignored if the child is gone. */
  send(message: unknown): void {
    if (this.running && this.process.connected) this.process.send(message as object, () => undefined); // a child that just exited: nothing to do
  }

  /** Sends `signal` to the child; does nothing if it has exited. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.process.kill(signal);
  }

  /** SIGKILLs the child and resolves once it is gone. */
  async kill(): Promise<ChildExit> {
    this.signal('SIGKILL');
    return this.exited();
  }

  /**
   * Asks the child to end (`ask`), waits up to `graceMs` for it, then SIGKILLs it.
   * Resolves with how it ended.
   */
  async end(ask: () => void, graceMs: number): Promise<ChildExit> {
    if (!this.running) return this.exited();
    ask();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((done) => (timer = setTimeout(() => done('late'), graceMs)));
    const ended = await Promise.race([this.exited(), late]);
    clearTimeout(timer);
    return ended === 'late' ? this.kill() : ended;
  }

  /** The last `lines` lines of this child's log file, for error messages. */
  logTail(lines = 15): string {
    try {
      return readFileSync(this.options.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
