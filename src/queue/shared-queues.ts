/**
 * What a store gives when several hubs serve its queues side by side (Redis with `CAPS_SHARED`;
 * docs/scaling.md, "Several active hubs"). The store is then the live truth of every queue: a
 * hub's broker holds in memory only the entries it has taken to send to its own clients, and
 * takes them here.
 *
 * ## The contract (tests/queue/shared-queues.test.ts)
 *
 * - **Held by one hub.** `take` marks what it returns held by the calling hub, atomically: no two
 *   hubs hold an entry at once, so no two hubs send it at once. An entry leaves its hub by
 *   `release`, or with its queue (`ack`, `deadLetter`, or completed by `enqueue`).
 * - **Claims are the driver's.** An entry claimed by a driver (`setOwner`) is taken only by a hub
 *   that asks for that driver (`owners`), whichever hub it was claimed on; `setOwner` succeeds
 *   only for the hub that holds the entry. A claim not held by any hub runs out at its deadline
 *   (the claim lease, counted from the claim or from its release), and its entry is then anyone's.
 * - **A dead hub's entries come back.** Each hub beats; an entry held by a hub that has not beaten
 *   for the expiry is given back, claimed ones keeping their owner.
 * - **Hubs are told.** `onAvailable` hears of a queue whenever it may have an entry to take
 *   (stored, released, given back); it is a hint that can be lost (a dropped connection), so a
 *   hub also looks by itself from time to time.
 * - **Limits are the store's.** A hub sees only what it holds, so `enqueue` refuses a message past
 *   the queue's or every queue's length limit (`{ status: 'full' }`).
 */
import type { EntryKey, Envelope } from '../protocol/envelope';
import type { StoredMessage } from './store';

/** An entry `take` handed over, with its failed deliveries so far (on any hub). */
export interface TakenEntry {
  message: StoredMessage;
  failures: number;
}

/** How an entry goes back: with its failed deliveries, and whether its claim stays, and how long. */
export interface Release {
  failures: number;
  /** The ms its claim has left, to keep it; absent to clear the claim (it ran out, or there is none). */
  claimLeftMs?: number;
}

export interface SharedQueues {
  /**
   * Takes for this hub every entry of `queueId` claimed by one of `owners` that no hub holds, and
   * up to `max` unclaimed entries no hub holds, oldest first.
   */
  take(queueId: string, max: number, owners: string[]): Promise<TakenEntry[]>;

  /** Gives back an entry this hub holds; `false` if it does not hold it (any more). */
  release(key: EntryKey, how: Release): Promise<boolean>;

  /**
   * Gives back every entry the store has this hub holding except `held`: those a take handed it
   * whose answer never arrived (the connection dropped after the take ran). Call it with no take
   * under way, so that `held` is all the hub has taken. Resolves with how many it gave back.
   */
  reconcile(held: EntryKey[]): Promise<number>;

  /** Who claimed a live entry, whichever hub holds it; `undefined` if nobody did, or there is no such live entry. */
  claimedBy(key: EntryKey): Promise<string | undefined>;

  /** Calls `listener` with a queue's id whenever that queue may have entries to take. Returns the function that stops it. */
  onAvailable(listener: (queueId: string) => void): () => void;

  /**
   * Sends a store room's `in-transit` to every shared hub, this one included, for each to relay to
   * its own members of the room. At most once, as a Socket.IO room broadcast is: it is not queued.
   */
  broadcast(room: string, envelope: Envelope): Promise<void>;

  /** Calls `listener` with each room broadcast a shared hub sends. Returns the function that stops it. */
  onBroadcast(listener: (room: string, envelope: Envelope) => void): () => void;
}
