/**
 * A peer broker under test (Mosquitto, nats-server) as a child process of the benchmark: the
 * machine's own binary, in a process group of its own, with its descriptor limit raised
 * (fd-limit.ts), on a port of 127.0.0.1 that the caller chose. It is ready once that port takes a
 * connection (server-child.ts). `probe` reads its CPU time and RSS from `/proc` (it has no probe agent, and no
 * garbage collector to run first); `stop` shuts it down like a Node server (SIGTERM, SIGKILL after
 * a grace period).
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import type { Cleanup } from './cleanup';
import { withRaisedFdLimit } from './fd-limit';
import type { ProcessSample } from './probe-agent';
import { readProcessSample } from './proc-sample';
import { ServerChild, ServerError } from './server-child';

export interface NativeSpec {
  /** For messages: `mosquitto`, `jetstream`. */
  name: string;
  /** The binary, by absolute path. */
  command: string;
  args: string[];
  port: number;
  /** The URL clients connect to (`mqtt://…`, `nats://…`). */
  url: string;
}

export class NativeServer {
  private constructor(
    readonly spec: NativeSpec,
    private readonly server: ServerChild,
    private readonly cleanup: Cleanup,
  ) {}

  get url(): string {
    return this.spec.url;
  }

  /** Starts the binary and resolves once its port accepts a connection. */
  static async start(spec: NativeSpec, cleanup: Cleanup): Promise<NativeServer> {
    const [command, args] = withRaisedFdLimit(spec.command, spec.args);
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanup.addChild(child);
    const server = new ServerChild(spec.name, child);
    await server.ready(() => accepts(spec.port), cleanup);
    return new NativeServer(spec, server, cleanup);
  }

  /** CPU time and RSS of the server process, from `/proc` (proc-sample.ts). */
  async probe(): Promise<ProcessSample> {
    const { child } = this.server;
    const pid = child.pid;
    if (pid === undefined || child.exitCode !== null) throw new ServerError(`${this.spec.name} is not running:\n${this.server.lastLines()}`);
    return readProcessSample(pid);
  }

  stop(): Promise<void> {
    return this.cleanup.stopChild(this.server.child);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
