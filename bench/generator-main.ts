/**
 * A load-generator process, forked by generator-pool.ts. It holds client sockets and runs one job
 * at a time on the parent's word (jobs.ts), answering each over IPC. It exits when the parent
 * goes away, so a generator never outlives its benchmark.
 */
import { drainBacklog, fillBacklog } from './backlog-client';
import { IdleClients } from './idle-clients';
import type { Job, JobReply, JobRequest } from './jobs';
import { Pipeline } from './pipeline';

let pipeline: Pipeline | undefined;
const idle = new IdleClients();

function needPipeline(): Pipeline {
  if (!pipeline) throw new Error('no pipeline: send open-pipeline first');
  return pipeline;
}

async function run(job: Job): Promise<unknown> {
  switch (job.type) {
    case 'open-pipeline':
      await pipeline?.close();
      pipeline = await Pipeline.open(job);
      return { sockets: pipeline.sockets };
    case 'throughput':
      return needPipeline().throughput(job);
    case 'latency':
      return needPipeline().latency(job);
    case 'collect-pickups':
      return { pickup: needPipeline().takePickupLatency() };
    case 'fill-backlog':
      return { stored: await fillBacklog(job) };
    case 'drain-backlog':
      return drainBacklog(job);
    case 'open-idle':
      return { sockets: await idle.open(job) };
    case 'close': {
      const closed = ((await pipeline?.close()) ?? 0) + idle.close();
      pipeline = undefined;
      return { closed };
    }
  }
}

function reply(message: JobReply): void {
  process.send?.(message);
}

process.on('message', (message: JobRequest) => {
  run(message.job).then(
    (result) => reply({ id: message.id, ok: true, result }),
    (err: unknown) => reply({ id: message.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
