/**
 * A consumer is one connected client that takes messages from one queue: a driver on the `driver`
 * queue, or a vendor on its store's queue. The broker decides *what* a consumer gets; the consumer
 * only knows *how* to hand a message over (connection.ts wraps a Socket.IO socket as one).
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
   * Whether it answers each delivery through `onAck` (our clients). Classroom clients do not;
   * they acknowledge later with a `received` event, or not at all.
   */
  readonly acknowledges: boolean;
  /**
   * Hands `envelope` over. A consumer that `acknowledges` calls `onAck` once with its answer;
   * one that does not ignores it. Must not throw.
   */
  deliver(envelope: Envelope, onAck: (result: ConsumerAck) => void): void;
}
