/**
 * Pipeline ends over NATS JetStream, through the standard Node client `nats`. Each pipeline gets
 * its own stream, `<tag>`, on the file store, with work-queue retention (a message is removed once
 * acknowledged, as a CAPS queue removes it), holding `<tag>.pickup` and `<tag>.delivered.<store>`:
 *
 * - a vendor publishes its pickup with its message id (JetStream de-duplicates on it, as the hub
 *   does); the stream's PubAck, once the message is in the store, is the pickup's ack;
 * - the drivers pull from one durable consumer on `<tag>.pickup` with explicit acks, so that each
 *   pickup goes to exactly one of them; a driver acks it and publishes the notice to its store's
 *   subject, again waiting for the PubAck;
 * - each vendor pulls its store's notices from a durable consumer of its own and acks each one.
 *
 * Pull batches and `max_ack_pending` play CAPS's prefetch: 100 pickups per driver, 500 notices per
 * vendor.
 */
import { AckPolicy, connect, RetentionPolicy, StorageType, type ConsumerMessages, type JetStreamClient, type JsMsg, type NatsConnection } from 'nats';
import type { Envelope } from '../src/protocol/envelope';
import type { OpenPipelineJob } from './jobs';
import { DRIVER_IN_FLIGHT, VENDOR_IN_FLIGHT } from './peer-brokers';
import { driverName, storeName, vendorName, type DriverEnd, type OnStored, type PipelineEnds, type VendorEnd } from './pipeline-ends';

/**
 * How long a PubAck or an API answer may take: the client's default, 5 s, is shorter than a loaded
 * two-core machine can promise, and the bench bounds its runs itself.
 */
const ANSWER_TIMEOUT_MS = 30_000;

const encode = (envelope: Envelope) => Buffer.from(JSON.stringify(envelope));

/**
 * Publishes `envelope` and hears its PubAck. The de-duplication id is per event, as CAPS's
 * de-duplication is per queue: a notice shares its pickup's message id. No post is ever repeated
 * here, so a duplicate would mean a message lost, and fails the run.
 */
function publish(js: JetStreamClient, subject: string, envelope: Envelope, onStored?: OnStored): void {
  const stored = js.publish(subject, encode(envelope), { msgID: `${envelope.event}:${envelope.messageId}` });
  stored.then(
    (ack) => onStored?.(ack.duplicate ? `taken for a duplicate of ${ack.seq}` : undefined),
    (err: unknown) => onStored?.(err instanceof Error ? err.message : String(err)),
  );
}

/** Creates the pipeline's stream and consumers, then connects the drivers and the vendors. */
export async function openJetStreamEnds(job: OpenPipelineJob): Promise<PipelineEnds> {
  const stream = job.tag;
  const connections: NatsConnection[] = [];
  const consuming: ConsumerMessages[] = [];
  const admin = await connect({ servers: job.target.url, name: `${job.tag}-admin`, timeout: ANSWER_TIMEOUT_MS });
  const jsm = await admin.jetstreamManager({ timeout: ANSWER_TIMEOUT_MS });
  const close = async () => {
    for (const messages of consuming) messages.stop();
    await Promise.all(connections.map((nc) => nc.close()));
    await jsm.streams.delete(stream).catch(() => undefined);
    await admin.close();
  };
  try {
    await jsm.streams.add({ name: stream, subjects: [`${job.tag}.>`], storage: StorageType.File, retention: RetentionPolicy.Workqueue });
    const consumer = async (name: string, filter: string, maxAckPending: number) => {
      await jsm.consumers.add(stream, { durable_name: name, filter_subject: filter, ack_policy: AckPolicy.Explicit, max_ack_pending: maxAckPending });
    };
    await consumer('drivers', `${job.tag}.pickup`, DRIVER_IN_FLIGHT * job.drivers);
    const open = async (name: string) => {
      const nc = await connect({ servers: job.target.url, name, timeout: ANSWER_TIMEOUT_MS });
      connections.push(nc);
      return nc.jetstream({ timeout: ANSWER_TIMEOUT_MS });
    };
    const pull = async (js: JetStreamClient, durable: string, batch: number, onMessage: (m: JsMsg) => void) => {
      const messages = await (await js.consumers.get(stream, durable)).consume({ max_messages: batch, callback: onMessage });
      consuming.push(messages);
    };

    const drivers: DriverEnd[] = [];
    for (let i = 0; i < job.drivers; i++) {
      const js = await open(driverName(job.tag, i));
      let handle: ((envelope: Envelope, acknowledged: boolean) => void) | undefined;
      await pull(js, 'drivers', DRIVER_IN_FLIGHT, (m) => {
        m.ack();
        handle?.(m.json<Envelope>(), true);
      });
      drivers.push({
        name: driverName(job.tag, i),
        onPickup: (handler) => void (handle = handler),
        postDelivered: (notice, onStored) => publish(js, `${job.tag}.delivered.${notice.queueId}`, notice, onStored),
      });
    }
    const vendors: VendorEnd[] = [];
    for (let i = 0; i < job.vendors; i++) {
      const store = storeName(job.tag, i);
      const durable = vendorName(job.tag, i);
      await consumer(durable, `${job.tag}.delivered.${store}`, VENDOR_IN_FLIGHT);
      const js = await open(durable);
      let handle: ((envelope: Envelope) => void) | undefined;
      await pull(js, durable, VENDOR_IN_FLIGHT, (m) => {
        m.ack();
        handle?.(m.json<Envelope>());
      });
      vendors.push({
        store,
        postPickup: (envelope, onStored) => publish(js, `${job.tag}.pickup`, envelope, onStored),
        onDelivered: (handler) => void (handle = handler),
      });
    }
    return { vendors, drivers, close };
  } catch (err) {
    await close();
    throw err;
  }
}
