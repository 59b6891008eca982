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
import { once } from 'node:events';
import { Processes } from './processes';

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
  /** Starts `npm run simulate` in a process group of its own, with the test secret (processes.ts). */
  private readonly processes = new Processes();

  /** Runs the simulator to its exit, stdout and stderr kept apart (stdout must be the JSON alone). */
  async run(args: string[]): Promise<Run> {
    const { child } = this.processes.start('simulate', 'simulate', args);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // `close`, not `exit`: by then the last of stdout has been read.
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    return { code, signal, stdout, stderr };
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

  /** Takes down a run that a failed test left midway, its whole process group. */
  cleanup(): Promise<void> {
    return this.processes.cleanup();
  }
}

/**
 * The invariants, with the run's output attached so that a failure shows why: a matched field is
 * not shown in jest's diff, so the output is added to the failure's message.
 */
export function expectInvariants(report: Record<string, any>, context: string, orders: number): void {
  try {
    expect(report).toMatchObject({ ok: true, orders, delivered: orders, notified: orders, lost: 0, duplicateEffects: 0, unknownEffects: 0, deadLetters: 0, violations: [] });
  } catch (err) {
    (err as Error).message += `\n\nThe run's output: ${context}`;
    throw err;
  }
}
