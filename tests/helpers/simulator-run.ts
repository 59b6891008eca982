/**
 * `npm run simulate` as a real child process, for the simulator's tests: run to its exit with
 * `--json`, its one JSON object read from stdout, and the delivery invariants checked with the
 * run's output attached, so that a failure shows why. Nothing here sleeps or looks at the clock:
 * a test waits for the run's exit.
 *
 * @example
 *   const runs = new SimulatorRuns();
 *   afterEach(() => runs.cleanup());
 *   const { report, context } = await runs.report(['--orders', '500', '--chaos']);
 *   expectInvariants(report, context, 500);
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { childEnv } from '../../src/config';

const ROOT = resolve(__dirname, '../..');

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A run's `--json` report, the run, and its output as a text to attach to a failed expectation. */
export interface ReportedRun {
  report: Record<string, any>;
  run: Run;
  context: string;
}

export class SimulatorRuns {
  private child: ChildProcess | undefined;

  /** Runs the simulator to its exit, stdout and stderr kept apart (stdout must be the JSON alone). */
  run(args: string[]): Promise<Run> {
    const proc = spawn('npm', ['run', '--silent', 'simulate', '--', ...args], {
      cwd: ROOT,
      detached: true,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((done, fail) => {
      proc.on('error', fail);
      proc.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
    });
  }

  /** Runs the simulator with `--json` and returns its report, failing with its output if there is none. */
  async report(args: string[]): Promise<ReportedRun> {
    const run = await this.run([...args, '--json']);
    const context = `exit ${run.code} (${run.signal}); stderr:\n${run.stderr.slice(-3000)}\nstdout:\n${run.stdout.slice(-3000)}`;
    try {
      return { report: JSON.parse(run.stdout), run, context };
    } catch {
      throw new Error(`stdout is not one JSON object; ${context}`);
    }
  }

  /** The simulator runs in a process group of its own; a test that failed midway takes it all down. */
  cleanup(): void {
    const child = this.child;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** The invariants, with the run's output attached so that a failure shows why. */
export function expectInvariants(report: Record<string, any>, context: string, orders: number): void {
  expect({ report, context }).toMatchObject({
    report: { ok: true, orders, delivered: orders, notified: orders, lost: 0, duplicateEffects: 0, unknownEffects: 0, deadLetters: 0, violations: [] },
  });
}
