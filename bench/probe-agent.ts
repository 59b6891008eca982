/**
 * Preloaded (`node --expose-gc -r …/probe-agent.ts`) into every server the benchmark starts, CAPS
 * hub and plain relay alike, so that both are measured the same way. It answers the parent over
 * IPC:
 *
 * - `probe`: runs two full garbage collections and answers with memory and CPU time;
 * - `profile-start` / `profile-stop`: a V8 CPU profile of just the span between the two (so that
 *   start-up, TypeScript compilation included, stays out of it), written to `path`.
 *
 * When the parent goes away it asks its process to shut down as SIGTERM would.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/** What can be read of any server process: bytes, and CPU time in microseconds since it started. */
export interface ProcessSample {
  rss: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  /** `process.hrtime` in milliseconds, to turn CPU time into a share of wall time. */
  atMs: number;
}

/** One reading of a Node server process: its heap too, after a full GC. */
export interface ServerSample extends ProcessSample {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

export type AgentRequest = { id: number } & ({ type: 'probe' } | { type: 'profile-start' } | { type: 'profile-stop'; path: string });

export type AgentReply = { type: 'agent-reply'; id: number; sample?: ServerSample; error?: string };

/** Samples every 200 µs rather than V8's default 1 ms: the runs are short. */
const SAMPLING_INTERVAL_US = 200;

const gc = (globalThis as { gc?: () => void }).gc;
let inspector: Session | undefined;

function sample(): ServerSample {
  gc?.();
  gc?.();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    atMs: Number(process.hrtime.bigint() / 1000n) / 1000,
  };
}

function post<T = unknown>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
}

async function handle(request: AgentRequest): Promise<Omit<AgentReply, 'type' | 'id'>> {
  switch (request.type) {
    case 'probe':
      return { sample: sample() };
    case 'profile-start':
      inspector = new Session();
      inspector.connect();
      await post(inspector, 'Profiler.enable');
      await post(inspector, 'Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
      await post(inspector, 'Profiler.start');
      return {};
    case 'profile-stop': {
      if (!inspector) throw new Error('no profile running');
      const { profile } = await post<{ profile: unknown }>(inspector, 'Profiler.stop');
      inspector.disconnect();
      inspector = undefined;
      writeFileSync(request.path, JSON.stringify(profile));
      return {};
    }
  }
}

process.on('message', (request: AgentRequest) => {
  if (typeof request?.id !== 'number') return;
  handle(request).then(
    (answer) => process.send?.({ type: 'agent-reply', id: request.id, ...answer } satisfies AgentReply),
    (err: unknown) => process.send?.({ type: 'agent-reply', id: request.id, error: String(err) } satisfies AgentReply),
  );
});
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
