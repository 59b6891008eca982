/**
 * A student's client, run as a child process: the command as the instructor typed it, through the
 * shell, in a process group of its own, its output read line by line.
 *
 * The group is always killed: by `kill`, and, for a checker that exits any other way (an error,
 * Ctrl-C), by an `exit` hook, so that no student client outlives the check.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { childEnv } from '../config';
import { firstMatch } from './first-match';

/** Every group still running, killed when the checker exits. */
const running = new Set<number>();
let hooked = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function killRunningOnExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => running.forEach(killGroup));
}

export interface StudentProcessEvents {
  line: [line: string];
  exit: [];
}

export class StudentProcess extends EventEmitter<StudentProcessEvents> {
  /** Every line it printed (stdout and stderr), across restarts. */
  readonly lines: string[] = [];
  /** How each run ended that the check did not end itself, e.g. `exited with code 1`. */
  readonly crashes: string[] = [];
  private killing = false;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  /**
   * @param command e.g. `node student/vendor.js`, run by the shell
   * @param env variables on top of the checker's environment (`PORT`, `HUB_URL`)
   * @param cwd where the command runs
   */
  constructor(readonly command: string, private readonly env: NodeJS.ProcessEnv, private readonly cwd: string) {
    super();
    killRunningOnExit();
  }

  /** Starts the command (again, after `kill`). */
  start(): void {
    this.killing = false;
    const child = spawn(this.command, { shell: true, detached: true, cwd: this.cwd, env: childEnv(this.env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        this.emit('line', line);
      });
    }
    this.exited = new Promise((resolve) => {
      const done = (code?: number | Error | null, signal?: string | null) => {
        if (!this.killing) this.crashes.push(code instanceof Error ? `could not start: ${code.message}` : signal ? `was killed by ${signal}` : `exited with code ${code}`);
        this.emit('exit');
        resolve();
      };
      child.once('exit', done);
      // A command the shell cannot even start (spawn failed): no exit event follows.
      child.once('error', done);
    });
  }

  /**
   * SIGKILLs the whole group (the shell and whatever it started, even if the shell itself has
   * exited), and waits for the exit.
   */
  async kill(): Promise<void> {
    const pid = this.child?.pid;
    this.killing = true;
    if (pid !== undefined) {
      killGroup(pid);
      running.delete(pid);
    }
    await this.exited;
  }

  /** The first line, printed or still to come, that matches `pattern`. */
  line(pattern: RegExp, timeoutMs: number, what: string): Promise<string> {
    return firstMatch(this.lines, this, 'line', (line: string) => pattern.test(line), timeoutMs, what);
  }
}
