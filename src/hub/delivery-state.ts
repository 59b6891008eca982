/**
 * The life of one queued message inside the broker, as a union with a `type` field:
 *
 *   queued ──send──▶ in-flight ──ack──▶ (acknowledged: gone)
 *     ▲                 │  └──claim (drivers)──▶ claimed ──delivered──▶ (gone)
 *     └──timeout, nack, disconnect, lease end──┘                │
 *                                                          lease end
 *   and, after MAX_ATTEMPTS sends or past its TTL: dead (in the dead-letter queue, off the broker).
 *
 * A driver answers a pickup with a `claim`: once the claim is stored, the package is its own until
 * it reports it delivered or its lease (LEASE_MS) runs out. A claim is bound to the driver's identity, not its
 * socket, so a driver whose connection drops, or whose process restarts, finds its packages
 * waiting for it instead of handed to a second driver.
 */
import type { StoredMessage } from '../queue/store';
import type { Consumer } from './consumer';

export type DeliveryState =
  | { type: 'queued' }
  | { type: 'in-flight'; consumer: Consumer; since: number; timer: NodeJS.Timeout }
  | { type: 'claimed'; owner: string; consumer: Consumer | undefined; since: number; timer: NodeJS.Timeout };

/** One message as the broker tracks it. */
export interface Entry {
  readonly message: StoredMessage;
  state: DeliveryState;
  /** How many times it has been sent. */
  attempts: number;
  /**
   * Of those, sends that do not count against MAX_ATTEMPTS: they timed out or were dropped at a
   * consumer that never acknowledged anything, which says nothing about the message.
   */
  forgiven: number;
  /** Set once acknowledged, dead-lettered or expired, so stale references can tell. */
  gone: boolean;
  /** Its place in line, the store's seq (the ready queue orders by it). */
  readonly seq: number;
}
