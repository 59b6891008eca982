/**
 * The backlog scenario from the generator's side (CAPS only: a plain relay keeps nothing for an
 * absent client). `fillBacklog` queues delivery notices for a store whose vendor is away, through
 * pickups a driver claims and delivers; `drainBacklog` then connects that vendor and times how long it takes to
 * receive and acknowledge every one.
 */
import type { ConsumerAck, StoredAck } from '../src/protocol/acks';
import type { Envelope } from '../src/protocol/envelope';
import { openSocket, orderEnvelope, type BenchSocket } from './bench-client';
import { wallNow } from './clock';
import type { DrainBacklogJob, DrainResult, FillBacklogJob } from './jobs';

/** Thrown when the hub refuses a notice, or the drain does not finish in time. */
export class BacklogError extends Error {
  override readonly name = 'BacklogError';
}

/**
 * Queues `count` delivery notices the way they arise, since the hub accepts a `delivered` only
 * from the driver holding its pickup: a vendor of the store posts `count` pickups (`window` at a
 * time) and leaves, so that no notice is sent to it; then a driver claims and delivers each one.
 * Resolves with the count.
 */
export async function fillBacklog(job: FillBacklogJob): Promise<number> {
  const poster = await openSocket(job.target, { role: 'vendor', clientId: `${job.tag}-poster`, store: job.store });
  try {
    await windowed(job, (seq) => poster.emitWithAck('pickup', orderEnvelope(job.tag, seq, job.store, wallNow())));
  } finally {
    poster.disconnect();
  }
  // The hub sends the driver at most PREFETCH pickups at a time, and the next as each is delivered.
  // Other generators fill at the same time through the same driver queue, so this filler is sent
  // some of their pickups and they some of its own: each filler carries exactly `count` of whatever
  // it is sent (the sum is what was posted), and leaves the rest unclaimed, which go back to the
  // queue for the others when it disconnects.
  let taken = 0;
  let delivered = 0;
  let done: (err?: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => (done = (err) => (err ? reject(err) : resolve())));
  const carry = async (driver: BenchSocket, pickup: Envelope) => {
    if (taken >= job.count) return;
    taken++;
    const claimed = await driver.emitWithAck('claim', { messageId: pickup.messageId });
    if (!claimed.ok) throw new BacklogError(`pickup ${pickup.messageId} not claimed: ${claimed.error.message}`);
    const answer = await driver.emitWithAck('delivered', { ...pickup, event: 'delivered', queueId: pickup.order.store, driver: `${job.tag}-filler` });
    if (!answer.ok || answer.duplicate) throw new BacklogError(`notice ${pickup.messageId} not stored: ${answer.ok ? 'duplicate' : answer.error.message}`);
    if (++delivered === job.count) done();
  };
  const driver = await openSocket(job.target, { role: 'driver', clientId: `${job.tag}-filler` }, (socket) => {
    socket.on('pickup', (envelope: Envelope) => void carry(socket, envelope).catch((err: Error) => done(err)));
  });
  try {
    await finished;
  } finally {
    driver.disconnect();
  }
  return job.count;
}

/** Runs `step` for 0 … count-1, `window` at a time; rejects on the first answer that is not a fresh store. */
async function windowed(job: FillBacklogJob, step: (seq: number) => Promise<StoredAck>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < job.count) {
      const seq = next++;
      const answer = await step(seq);
      if (!answer.ok || answer.duplicate) {
        throw new BacklogError(`message ${seq} of ${job.tag} not stored: ${answer.ok ? 'duplicate' : answer.error.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(job.window, job.count) }, lane));
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
