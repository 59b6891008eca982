/**
 * The domain shapes of CAPS: orders, the envelope every delivery event travels in, and queue names.
 *
 * These are the *normalised* shapes the hub and our clients work with. Classroom clients may send
 * older spellings (`orderID`, `clientId`), a flat order or a wrapper; `schemas.ts` accepts those and
 * turns them into these, keeping what the producer sent in `Envelope.asSent`.
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
  /**
   * How a classroom producer sent this message, when that differs from the envelope above: a flat
   * order, the `{ event, time, payload }` wrapper, or an envelope whose order had other spellings
   * (`orderID`, `id`, a numeric id) or extra fields (`phone`, `items`). Absent for our own clients'
   * envelopes, and for any envelope the normalised `order` reproduces exactly. JSON-safe, so it is
   * stored with the envelope; `payloadAsSent` (as-sent.ts) rebuilds the producer's payload from it.
   */
  asSent?: AsSent;
}

/** The shape of a delivery event's payload, as its producer sent it. */
export type PayloadShape = 'envelope' | 'flat' | 'wrapper';

/** What a classroom producer's payload was: enough to deliver the message in the same shape. */
export interface AsSent {
  /**
   * `envelope`: `{ messageId?, order, … }`; `flat`: the order itself, as phase-2 clients send it;
   * `wrapper`: `{ event, time, payload }` around a flat order or an envelope (`inner`).
   */
  shape: PayloadShape;
  /** For a `wrapper`: what its `payload` was. */
  inner?: Exclude<PayloadShape, 'wrapper'>;
  /**
   * The producer's order as sent: its own id spelling (`orderId`, `orderID`, `id`) and type (a
   * number stays a number), its extra fields, its key order. Sanitised: JSON values only, no
   * `__proto__`, `constructor` or `prototype` keys at any depth, within `LIMITS.sentOrderKeys` keys
   * and `LIMITS.sentOrderJson` characters of JSON (a larger order is refused, not cut).
   */
  order: SentOrder;
}

/** A JSON value, as a classroom client may put one in an extra order field. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type SentOrder = { [key: string]: JsonValue };

/** Names one queue entry: the queue and the message together. */
export interface EntryKey {
  queueId: string;
  messageId: string;
}
