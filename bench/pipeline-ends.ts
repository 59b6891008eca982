/**
 * The two ends of the order pipeline (pipeline.ts), whatever carries them: Socket.IO to CAPS or
 * the plain relay (socketio-ends.ts), MQTT 5 to Mosquitto (mqtt-ends.ts), or NATS JetStream
 * (jetstream-ends.ts). The pipeline's loops, windows and clocks are the same code for every system;
 * only these ends differ.
 */
import type { Envelope } from '../src/protocol/envelope';
import { openJetStreamEnds } from './jetstream-ends';
import type { OpenPipelineJob } from './jobs';
import { openMqttEnds } from './mqtt-ends';
import { openSocketIoEnds } from './socketio-ends';

/**
 * Answers a producer's post: `undefined` once the server has taken the message (stored, for the
 * systems that store), or why it refused.
 */
export type OnStored = (error?: string) => void;

/** A vendor of one store. */
export interface VendorEnd {
  readonly store: string;
  /** Posts a pickup; `onStored` (acknowledged runs only) hears the server's answer. */
  postPickup(envelope: Envelope, onStored?: OnStored): void;
  /** `handler` is called with each delivery notice, which the end acknowledges to its server. */
  onDelivered(handler: (envelope: Envelope) => void): void;
}

/** A driver, one of several that compete for pickups. */
export interface DriverEnd {
  readonly name: string;
  /**
   * `handler` is called with each pickup this driver got, which the end acknowledges to its
   * server; `acknowledged` says whether the server asked for that (the plain relay's no-ack mode
   * does not), and so whether the notice should be posted with an ack too.
   */
  onPickup(handler: (envelope: Envelope, acknowledged: boolean) => void): void;
  /** Posts a delivery notice for the vendor's store; `onStored` as for `postPickup`. */
  postDelivered(notice: Envelope, onStored?: OnStored): void;
}

/** One generator's vendors and drivers on one server. */
export interface PipelineEnds {
  vendors: VendorEnd[];
  drivers: DriverEnd[];
  /** Disconnects every end and removes what it created on the server (streams, for JetStream). */
  close(): Promise<void>;
}

/** The client id of driver `i` and the store of vendor `i` under a pipeline's tag. */
export const driverName = (tag: string, i: number) => `${tag}-d${i}`;
export const vendorName = (tag: string, i: number) => `${tag}-v${i}`;
export const storeName = (tag: string, i: number) => `${tag}-s${i}`;

/** Opens the job's vendors and drivers through the client its target's flavour speaks. */
export function openEnds(job: OpenPipelineJob): Promise<PipelineEnds> {
  switch (job.target.flavour) {
    case 'caps':
    case 'plain':
      return openSocketIoEnds(job);
    case 'mqtt':
      return openMqttEnds(job);
    case 'jetstream':
      return openJetStreamEnds(job);
  }
}
