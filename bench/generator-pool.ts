/**
 * The load generators, as seen from the benchmark: `size` forked processes (generator-main.ts),
 * each running one job at a time. On a 2-core machine the generators share the CPU with the
 * server under test, so the pool is small and the jobs are light; see docs/benchmarks.md.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { childEnv } from '../src/config';
import type { Cleanup } from './cleanup';
import { withRaisedFdLimit } from './fd-limit';
import type { Job, JobReply, JobRequest, JobResults } from './jobs';

/** Thrown when a generator reports a failed job or dies. */
export class GeneratorError extends Error {
  override readonly name = 'GeneratorError';
}

const ENTRY = join(__dirname, 'generator-main.ts');

export class GeneratorPool {
  private nextId = 0;

  private constructor(
    private readonly children: ChildProcess[],
    private readonly cleanup: Cleanup,
  ) {}

  /** Forks `size` generators. */
  static start(size: number, cleanup: Cleanup): GeneratorPool {
    const children = Array.from({ length: size }, () => {
      // Through `sh` for the descriptor limit (fork appends ENTRY); the IPC channel survives the `exec`.
      const [command, args] = withRaisedFdLimit(process.execPath, ['-r', 'ts-node/register/transpile-only']);
      const child = fork(ENTRY, [], { execPath: command, execArgv: args, detached: true, env: childEnv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      cleanup.addChild(child);
      return child;
    });
    return new GeneratorPool(children, cleanup);
  }

  get size(): number {
    return this.children.length;
  }

  /** Runs `job` on generator `index`. */
  run<J extends Job>(index: number, job: J): Promise<JobResults[J['type']]> {
    const child = this.children[index];
    if (!child) throw new GeneratorError(`no generator ${index}`);
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: JobReply) => {
        if (reply?.id !== id) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (reply.ok) resolve(reply.result as JobResults[J['type']]);
        else reject(new GeneratorError(`generator ${index}, ${job.type}: ${reply.error}`));
      };
      const onExit = (code: number | null, signal: string | null) => {
        child.off('message', onMessage);
        reject(new GeneratorError(`generator ${index} exited (${signal ?? code}) during ${job.type}`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, job } satisfies JobRequest);
    });
  }

  /** Runs `jobFor(i)` on the first `count` generators at once (all of them by default). */
  all<J extends Job>(jobFor: (index: number) => J, count = this.size): Promise<JobResults[J['type']][]> {
    return Promise.all(Array.from({ length: Math.min(count, this.size) }, (_, i) => this.run(i, jobFor(i))));
  }

  /** Closes every generator's sockets (the processes stay for the next scenario). */
  async closeSockets(): Promise<void> {
    await this.all(() => ({ type: 'close' as const }));
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => this.cleanup.stopChild(child, 3_000)));
  }
}
