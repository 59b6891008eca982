/**
 * Pipeline ends over MQTT 5 (Mosquitto), through the standard Node client `mqtt`, every message at
 * QoS 1:
 *
 * - a vendor publishes its pickup to `<tag>/pickup`; the broker's PUBACK is the pickup's ack;
 * - the drivers share one subscription, `$share/<tag>/<tag>/pickup`, so that each pickup goes to
 *   exactly one of them; a driver's PUBACK (sent by the client once the `message` handler has run)
 *   acknowledges it, and it publishes the notice to `<tag>/delivered/<store>`;
 * - each vendor subscribes to its store's topic and acknowledges the notice the same way.
 *
 * Receive Maximum plays CAPS's prefetch: 100 pickups in flight per driver (`PREFETCH`), 500
 * notices per vendor (`VENDOR_PREFETCH`), as the hub grants them.
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import type { Envelope } from '../src/protocol/envelope';
import type { OpenPipelineJob } from './jobs';
import { DRIVER_IN_FLIGHT, VENDOR_IN_FLIGHT } from './peer-brokers';
import { driverName, storeName, vendorName, type OnStored, type PipelineEnds } from './pipeline-ends';

function connect(url: string, clientId: string, receiveMaximum: number): Promise<MqttClient> {
  const options: IClientOptions = {
    protocolVersion: 5,
    clientId,
    clean: true,
    // A failure should fail the run, not be papered over by a reconnect.
    reconnectPeriod: 0,
    connectTimeout: 30_000,
    properties: { receiveMaximum },
  };
  return connectAsync(url, options);
}

const publisher = (client: MqttClient) => (topic: string, envelope: Envelope, onStored?: OnStored) =>
  client.publish(topic, JSON.stringify(envelope), { qos: 1 }, onStored ? (err) => onStored(err?.message) : undefined);

const parse = (payload: Buffer) => JSON.parse(payload.toString()) as Envelope;

/** Connects and subscribes the drivers, then the vendors. */
export async function openMqttEnds(job: OpenPipelineJob): Promise<PipelineEnds> {
  const clients: MqttClient[] = [];
  const close = async () => void (await Promise.all(clients.map((client) => client.endAsync())));
  try {
    const pickupTopic = `${job.tag}/pickup`;
    const drivers = [];
    for (let i = 0; i < job.drivers; i++) {
      const client = await connect(job.target.url, driverName(job.tag, i), DRIVER_IN_FLIGHT);
      clients.push(client);
      await client.subscribeAsync(`$share/${job.tag}/${pickupTopic}`, { qos: 1 });
      const publish = publisher(client);
      drivers.push({
        name: driverName(job.tag, i),
        onPickup: (handler: (envelope: Envelope, acknowledged: boolean) => void) => client.on('message', (_topic, payload) => handler(parse(payload), true)),
        postDelivered: (notice: Envelope, onStored?: OnStored) => publish(`${job.tag}/delivered/${notice.queueId}`, notice, onStored),
      });
    }
    const vendors = [];
    for (let i = 0; i < job.vendors; i++) {
      const store = storeName(job.tag, i);
      const client = await connect(job.target.url, vendorName(job.tag, i), VENDOR_IN_FLIGHT);
      clients.push(client);
      await client.subscribeAsync(`${job.tag}/delivered/${store}`, { qos: 1 });
      const publish = publisher(client);
      vendors.push({
        store,
        postPickup: (envelope: Envelope, onStored?: OnStored) => publish(pickupTopic, envelope, onStored),
        onDelivered: (handler: (envelope: Envelope) => void) => client.on('message', (_topic, payload) => handler(parse(payload))),
      });
    }
    return { vendors, drivers, close };
  } catch (err) {
    await close();
    throw err;
  }
}
