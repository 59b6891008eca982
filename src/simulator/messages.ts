/**
 * What the simulator and its worker processes say to each other over Node's IPC channel.
 * Both ends import these unions, so a message the other end does not understand fails `tsc`.
 */

/** Parent → worker. The worker's spec travels as its command-line argument, not as a message. */
export type ToWorker =
  /**
   * Close every client's engine connection; Socket.IO reconnects by itself (a network blip). With
   * `flap`, close it once more as soon as the first message arrives on the new connection (a
   * flapping network): the hub has just handed the client back what it held, and the client has
   * not answered yet.
   */
  | { type: 'drop'; flap: boolean }
  /** Stop every client cleanly (closing its journal) and exit 0. */
  | { type: 'stop' };

/**
 * How far one client has got, read from its journal: counts of distinct message ids by record kind
 * (`posted`, `stored`, `thanked` for vendors; `picked`, `delivered` for drivers). Journals outlive
 * the worker, so a restarted worker reports where its clients really are, not from zero.
 */
export interface ClientProgress {
  name: string;
  role: 'vendor' | 'driver';
  counts: Record<string, number>;
}

/** Worker → parent. */
export type FromWorker =
  /** Every client is constructed (and connecting); the worker may now be sent faults. */
  | { type: 'ready' }
  | { type: 'progress'; clients: ClientProgress[] }
  /**
   * Something a fault cannot explain, such as the hub refusing an order for good. The parent
   * fails the run with this message.
   */
  | { type: 'failed'; message: string };
