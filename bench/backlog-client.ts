/**
 * The backlog scenario from the generator's side (CAPS only: a plain relay keeps nothing for an
 * absent client). `fillBacklog` queues delivery notices for a store whose vendor is away, sending
 * them as a driver would; `drainBacklog` then connects that vendor and times how long it takes to
 * receive and acknowledge every one.
 */
import type { ConsumerAck, StoredAck } from '../src/protocol/acks';
import type { Envelope } from '../src/protocol/envelope';
import { openSocket, orderEnvelope } from './bench-client';
import { wallNow } from './clock';
import type { DrainBacklogJob, DrainResult, FillBacklogJob } from './jobs';

/** Thrown when the hub refuses a notice, or the drain does not finish in time. */
export class BacklogError extends Error {
  override readonly name = 'BacklogError';
}

/** Sends `count` notices, `window` at a time, each acknowledged once stored; resolves with the count. */
export async function fillBacklog(job: FillBacklogJob): Promise<number> {
  const driver = await openSocket(job.target, { role: 'driver', clientId: `${job.tag}-filler` });
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let stored = 0;
      let failed = false;
      const send = () => {
        const envelope: Envelope = { ...orderEnvelope(job.tag, next++, job.store, wallNow()), event: 'delivered', queueId: job.store, driver: `${job.tag}-filler` };
        driver.emit('delivered', envelope, (answer: StoredAck) => {
          if (failed) return;
          if (!answer.ok || answer.duplicate) {
            failed = true;
            return reject(new BacklogError(`notice ${envelope.messageId} not stored: ${answer.ok ? 'duplicate' : answer.error.message}`));
          }
          if (++stored === job.count) resolve();
          else if (next < job.count) send();
        });
      };
      for (let i = 0; i < Math.min(job.window, job.count); i++) send();
    });
  } finally {
    driver.disconnect();
  }
  return job.count;
}

/** Connects the store's vendor and resolves once it has acknowledged `count` distinct notices. */
export async function drainBacklog(job: DrainBacklogJob): Promise<DrainResult> {
  const seen = new Set<string>();
  const startedAt = wallNow();
  let done: (result: DrainResult) => void = () => undefined;
  const drained = new Promise<DrainResult>((resolve) => (done = resolve));
  const vendor = await openSocket(job.target, { role: 'vendor', clientId: `${job.tag}-vendor`, store: job.store }, (socket) => {
    socket.on('delivered', (envelope: Envelope, ack?: (result: ConsumerAck) => void) => {
      if (typeof ack === 'function') ack({ ok: true });
      seen.add(envelope.messageId);
      if (seen.size === job.count) done({ received: seen.size, elapsedMs: wallNow() - startedAt });
    });
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      drained,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BacklogError(`drained ${seen.size}/${job.count} notices in ${job.timeoutMs} ms`)), job.timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    vendor.disconnect();
  }
}
