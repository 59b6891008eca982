/**
 * The three client events that carry an envelope, `pickup`, `in-transit` and `delivered`, as one
 * table: who may send each, which queue (or room) it goes to, and what the hub does with it:
 * `publish` (store it in that queue) or `relay` (pass it to that room, unstored). The session runs
 * every row on one path: parse, authorise (permissions.ts), act.
 *
 * Each row's `act` returns exactly the answer its event declares (`AckOf`), so a row that
 * publishes an event whose answer is plain, or relays one that must say `duplicate`, fails `tsc`.
 */
import type { PlainAck, StoredAck } from '../protocol/acks';
import { DRIVER_QUEUE, type DeliveryEvent, type EntryKey, type Envelope, type Order } from '../protocol/envelope';
import type { AckOf } from '../protocol/events';

/** What a row can do with an envelope (the session does it). */
export interface DeliveryActions {
  /**
   * Stores `envelope` in its `queueId` and answers how it went. With `completes`, the same store
   * step acknowledges that entry: a driver's `delivered` completes its pickup this way.
   */
  publish(envelope: Envelope, completes?: EntryKey): Promise<StoredAck>;
  /** Passes `envelope` on to the room named by its `queueId`; nothing is stored. */
  relay(envelope: Envelope): PlainAck;
}

/** One row of the table. */
export interface DeliveryRoute<E extends DeliveryEvent> {
  event: E;
  /** Who may send it. What a driver sends is marked with the driver who carries the package. */
  role: 'vendor' | 'driver';
  /** The `invalid_payload` message: what the payload should look like. */
  usage: string;
  /** The `forbidden` message, for one of our clients of the other role. */
  forbidden: string;
  /** The queue it is stored in, or the room it is relayed to. */
  queueOf(order: Order): string;
  /** Publishes or relays it, and answers. */
  act(actions: DeliveryActions, envelope: Envelope): AckOf<E> | Promise<AckOf<E>>;
}

export const DELIVERY_ROUTES: { readonly [E in DeliveryEvent]: DeliveryRoute<E> } = {
  pickup: {
    event: 'pickup',
    role: 'vendor',
    usage: 'pickup expects an order { store, orderId, customer, address } or an envelope { messageId, order: { store, orderId, customer, address } }',
    forbidden: 'only vendors post pickups',
    queueOf: () => DRIVER_QUEUE,
    act: (actions, envelope) => actions.publish(envelope),
  },
  'in-transit': {
    event: 'in-transit',
    role: 'driver',
    usage: 'in-transit expects the order { store, orderId, customer, address } or its envelope { messageId, order: { store, … } }',
    forbidden: 'only drivers report packages in transit',
    queueOf: (order) => order.store,
    act: (actions, envelope) => actions.relay(envelope),
  },
  delivered: {
    event: 'delivered',
    role: 'driver',
    usage: 'delivered expects the order { store, orderId, customer, address } or its envelope { messageId, order: { store, … } }',
    forbidden: 'only drivers report deliveries',
    queueOf: (order) => order.store,
    act: (actions, envelope) => actions.publish(envelope, { queueId: DRIVER_QUEUE, messageId: envelope.messageId }),
  },
};
