/**
 * How many Socket.IO connections the hub holds: `MAX_CONNECTIONS` from everyone, and
 * `MAX_CONNECTIONS_PER_ADDRESS` from one address that is not this machine. Loopback callers have
 * no limit of their own (they are the operator: the benchmark opens 10,000 sockets from there),
 * but count toward the overall one.
 *
 * A place is taken when a connection is admitted (Socket.IO's `allowRequest`, before the engine's
 * asynchronous handshake, so that a burst cannot slip through between check and count), and held
 * until the connection closes. A handshake that never becomes a connection (a malformed WebSocket
 * upgrade) gives its place back once its TCP connection is gone (edge-guard.ts).
 */
import type { CallerAddress } from './caller';

export interface ConnectionLimitOptions {
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

/** A taken place; `release` gives it back, and is safe to call twice. */
export interface Place {
  release(): void;
}

/** The counts, shared by the limits and the places they hand out. */
class Counts {
  total = 0;
  readonly byAddress = new Map<string, number>();

  add(address: string): void {
    this.total++;
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
  }

  remove(address: string): void {
    this.total--;
    const left = (this.byAddress.get(address) ?? 1) - 1;
    if (left === 0) this.byAddress.delete(address);
    else this.byAddress.set(address, left);
  }
}

/**
 * A place held by one connection, for as long as the connection lives: an object of two fields
 * rather than a closure and its context, since the hub holds one per client (docs/benchmarks.md).
 */
class HeldPlace implements Place {
  constructor(
    /** Until it is released; `undefined` after, so that a second release does nothing. */
    private counts: Counts | undefined,
    private readonly address: string,
  ) {}

  release(): void {
    const counts = this.counts;
    if (counts === undefined) return;
    this.counts = undefined;
    counts.remove(this.address);
  }
}

export class ConnectionLimits {
  private readonly counts = new Counts();

  constructor(private readonly options: ConnectionLimitOptions) {}

  /** Connections held now, overall. */
  get size(): number {
    return this.counts.total;
  }

  /** Takes a place for `caller`, or says why there is none. */
  take(caller: CallerAddress): { place: Place } | { refused: string } {
    const { maxConnections, maxConnectionsPerAddress } = this.options;
    const { total, byAddress } = this.counts;
    if (total >= maxConnections) return { refused: `the hub holds ${total} connections, its limit (MAX_CONNECTIONS=${maxConnections}); try again later` };
    const mine = byAddress.get(caller.address) ?? 0;
    if (!caller.loopback && mine >= maxConnectionsPerAddress) {
      return { refused: `${caller.address} holds ${mine} connections, the limit for one address (MAX_CONNECTIONS_PER_ADDRESS=${maxConnectionsPerAddress})` };
    }
    this.counts.add(caller.address);
    return { place: new HeldPlace(this.counts, caller.address) };
  }
}
