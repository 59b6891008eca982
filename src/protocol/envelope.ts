/**
 * The domain shapes of CAPS: orders, the envelope every delivery event travels in, and queue names.
 *
 * These are the *normalised* shapes the hub and our clients work with. Classroom clients may send
 * older spellings (`orderID`, `clientId`); `schemas.ts` accepts those and turns them into these.
 */

/** The three delivery events, in the order a package goes through them. */
export const DELIVERY_EVENTS = ['pickup', 'in-transit', 'delivered'] as const;
export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];

/** The queue that holds pickups waiting for a driver. Every other queue is named after a store. */
export const DRIVER_QUEUE = 'driver';

/** An order a vendor wants delivered. */
export interface Order {
  /** The store (and room, and notification queue) the order belongs to, e.g. `acme-widgets`. */
  store: string;
  orderId: string;
  customer: string;
  address: string;
}

/**
 * What travels with every `pickup`, `in-transit` and `delivered` event.
 *
 * `messageId` identifies the message for acknowledgement and de-duplication; a queue entry is keyed
 * by `queueId` and `messageId` together, so one id can wait in the driver queue as a pickup and in a
 * store queue as a delivery notice at the same time.
 */
export interface Envelope {
  event: DeliveryEvent;
  messageId: string;
  /** `driver` for pickups, otherwise the store name. */
  queueId: string;
  order: Order;
  /** CAPS extension: the driver that carried the package, set on `in-transit` and `delivered`. */
  driver?: string;
  /** CAPS extension: when the vendor posted the order (ms since the epoch), for latency figures. */
  postedAt?: number;
}

/** Names one queue entry: the queue and the message together. */
export interface EntryKey {
  queueId: string;
  messageId: string;
}
