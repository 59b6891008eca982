/**
 * A consumer is one connected client that takes messages from one queue: a driver on the `driver`
 * queue, or a vendor on its store's queue. The broker decides *what* a consumer gets; the consumer
 * only knows *how* to hand a message over (socket-consumer.ts wraps a Socket.IO socket as one).
 */
import type { ConsumerAck } from '../protocol/acks';
import type { Envelope } from '../protocol/envelope';

export interface Consumer {
  /**
   * Who the consumer is. Our clients' `clientId`, which survives reconnects and restarts, so that
   * a driver that comes back gets its claimed pickups back; a classroom client's socket id.
   */
  readonly id: string;
  /** The queue it consumes. */
  readonly queueId: string;
  /** The most messages it may hold unacknowledged at once. */
  readonly prefetch: number;
  /**
   * Hands `envelope` over. Calls `onAck` once with the client's answer if the client answers
   * deliveries (our vendors); otherwise never (classroom clients say `received`, drivers `claim`),
   * and the broker's timers take over. Must not throw.
   */
  deliver(envelope: Envelope, onAck: (result: ConsumerAck) => void): void;
}
