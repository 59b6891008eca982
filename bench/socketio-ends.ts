/**
 * Pipeline ends over Socket.IO, for CAPS and the plain relay alike, through CAPS's own client
 * (bench-client.ts). With acks every hop is acknowledged: the producer's emit carries an ack, and
 * so does the server's push, which the consumer answers `{ ok: true }` (for CAPS, a driver's
 * answer claims the pickup and its `delivered` completes it).
 */
import type { ConsumerAck, StoredAck } from '../src/protocol/acks';
import type { Envelope } from '../src/protocol/envelope';
import { openMany, type BenchSocket } from './bench-client';
import type { OpenPipelineJob } from './jobs';
import { driverName, storeName, vendorName, type DriverEnd, type OnStored, type PipelineEnds, type VendorEnd } from './pipeline-ends';

/** Connection concurrency while opening a pipeline's few sockets. */
const OPEN_CONCURRENCY = 16;

/** The server's answer to a producer's emit, as an `OnStored` call. */
const answering = (onStored: OnStored) => (answer: StoredAck) => onStored(answer.ok ? undefined : `${answer.error.code} ${answer.error.message}`);

/**
 * Connects the drivers, then the vendors. On several hubs, vendor `i` starts one hub after driver
 * `i`, so that no vendor has all its orders taken on its own hub.
 */
export async function openSocketIoEnds(job: OpenPipelineJob): Promise<PipelineEnds> {
  const driverSockets = await openMany(job.target, (i) => ({ role: 'driver', clientId: driverName(job.tag, i) }), job.drivers, OPEN_CONCURRENCY);
  let vendorSockets: BenchSocket[];
  try {
    vendorSockets = await openMany(job.target, (i) => ({ role: 'vendor', clientId: vendorName(job.tag, i), store: storeName(job.tag, i) }), job.vendors, OPEN_CONCURRENCY, 1);
  } catch (err) {
    for (const socket of driverSockets) socket.disconnect();
    throw err;
  }
  const vendors = vendorSockets.map((socket, i): VendorEnd => ({
    store: storeName(job.tag, i),
    postPickup: (envelope, onStored) => (onStored ? socket.emit('pickup', envelope, answering(onStored)) : socket.emit('pickup', envelope)),
    onDelivered: (handler) =>
      socket.on('delivered', (envelope: Envelope, ack?: (result: ConsumerAck) => void) => {
        if (typeof ack === 'function') ack({ ok: true });
        handler(envelope);
      }),
  }));
  const drivers = driverSockets.map((socket, i): DriverEnd => ({
    name: driverName(job.tag, i),
    onPickup: (handler) =>
      socket.on('pickup', (envelope: Envelope, ack?: (result: ConsumerAck) => void) => {
        const acknowledged = typeof ack === 'function';
        if (acknowledged) ack({ ok: true });
        handler(envelope, acknowledged);
      }),
    postDelivered: (notice, onStored) => (onStored ? socket.emit('delivered', notice, answering(onStored)) : socket.emit('delivered', notice)),
  }));
  return {
    vendors,
    drivers,
    close: async () => {
      for (const socket of [...vendorSockets, ...driverSockets]) socket.disconnect();
    },
  };
}
