/**
 * One server under test (a CAPS hub or the plain relay) as a child process of the benchmark.
 * It runs on Node with `--expose-gc` and the probe agent preloaded (probe-agent.ts), in a
 * process group of its own, with its descriptor limit raised (fd-limit.ts), listening on
 * 127.0.0.1 only. `probe` reads its memory after a full GC; `startProfile`/`stopProfile` take a
 * CPU profile of a span; `stop` shuts it down (SIGTERM, SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { childEnv } from '../src/config';
import type { Cleanup } from './cleanup';
import { withRaisedFdLimit } from './fd-limit';
import type { AgentReply, AgentRequest, ServerSample } from './probe-agent';
import { ServerChild, ServerError } from './server-child';

const ROOT = join(__dirname, '..');
const AGENT_TIMEOUT_MS = 60_000;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface ServerSpec {
  /** For messages: `plain`, `memory`, `lmdb`. */
  name: string;
  /** The TypeScript entry point, relative to the repository root. */
  script: string;
  args?: string[];
  /** Environment overrides (on top of this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** V8 flags for the server's node process. */
  nodeFlags?: readonly string[];
  port: number;
}

export class ServerProcess {
  private requests = 0;

  private constructor(
    readonly spec: ServerSpec,
    private readonly server: ServerChild,
    private readonly cleanup: Cleanup,
  ) {}

  private get child(): ChildProcess {
    return this.server.child;
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return `http://127.0.0.1:${this.spec.port}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts the server and resolves once `/healthz` answers. */
  static async start(spec: ServerSpec, cleanup: Cleanup): Promise<ServerProcess> {
    const nodeArgs = [
      ...(spec.nodeFlags ?? []),
      '--expose-gc',
      '--gc-memory-reducer-start-delay-ms=200',
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      join(ROOT, 'bench', 'probe-agent.ts'),
      join(ROOT, spec.script),
      ...(spec.args ?? []),
    ];
    const [command, args] = withRaisedFdLimit(process.execPath, nodeArgs);
    const child = spawn(command, args, { cwd: ROOT, detached: true, env: childEnv(spec.env), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    cleanup.addChild(child);
    const server = new ServerChild(spec.name, child);
    await server.ready(() => healthy(`http://127.0.0.1:${spec.port}/healthz`), cleanup);
    return new ServerProcess(spec, server, cleanup);
  }

  /** A reading of the server's memory (after a full GC) and CPU time. */
  async probe(): Promise<ServerSample> {
    const reply = await this.ask({ type: 'probe' });
    if (!reply.sample) throw new ServerError(`${this.spec.name}: a probe answered no sample`);
    return reply.sample;
  }

  /** Starts a CPU profile of the server. */
  async startProfile(): Promise<void> {
    await this.ask({ type: 'profile-start' });
  }

  /** Stops the CPU profile and has the server write it to `path` (a `.cpuprofile`). */
  async stopProfile(path: string): Promise<void> {
    await this.ask({ type: 'profile-stop', path });
  }

  private ask(request: DistributiveOmit<AgentRequest, 'id'>): Promise<AgentReply> {
    const id = ++this.requests;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new ServerError(`${this.spec.name}: no answer to ${request.type}`)), AGENT_TIMEOUT_MS);
      const onMessage = (message: AgentReply) => {
        if (message?.type !== 'agent-reply' || message.id !== id) return;
        if (message.error !== undefined) done(new ServerError(`${this.spec.name}: ${request.type} failed: ${message.error}`));
        else done(undefined, message);
      };
      const onExit = () => done(new ServerError(`${this.spec.name} exited during ${request.type}:\n${this.lastLines()}`));
      const done = (err?: Error, reply?: AgentReply) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(reply!);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ ...request, id });
    });
  }

  /** Stops the server (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. */
  stop(): Promise<void> {
    return this.cleanup.stopChild(this.child);
  }

  lastLines(): string {
    return this.server.lastLines();
  }
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1_000, () => req.destroy());
  });
}
