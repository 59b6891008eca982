/**
 * How many Socket.IO connections the hub holds: `MAX_CONNECTIONS` from everyone, and
 * `MAX_CONNECTIONS_PER_ADDRESS` from one address that is not this machine. Loopback callers have
 * no limit of their own (they are the operator: the benchmark opens 10,000 sockets from there),
 * but count toward the overall one.
 *
 * A place is taken when a connection is admitted (Socket.IO's `allowRequest`, before the engine's
 * asynchronous handshake, so that a burst cannot slip through between check and count), and held
 * until the connection closes. A handshake that never becomes a connection (a malformed WebSocket
 * upgrade) gives its place back when its TCP connection closes.
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

export class ConnectionLimits {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly options: ConnectionLimitOptions) {}

  /** Connections held now, overall. */
  get size(): number {
    return this.total;
  }

  /** Takes a place for `caller`, or says why there is none. */
  take(caller: CallerAddress): { place: Place } | { refused: string } {
    const { maxConnections, maxConnectionsPerAddress } = this.options;
    if (this.total >= maxConnections) return { refused: `the hub holds ${this.total} connections, its limit (MAX_CONNECTIONS=${maxConnections}); try again later` };
    const mine = this.byAddress.get(caller.address) ?? 0;
    if (!caller.loopback && mine >= maxConnectionsPerAddress) {
      return { refused: `${caller.address} holds ${mine} connections, the limit for one address (MAX_CONNECTIONS_PER_ADDRESS=${maxConnectionsPerAddress})` };
    }
    this.total++;
    this.byAddress.set(caller.address, mine + 1);
    let held = true;
    return {
      place: {
        release: () => {
          if (!held) return;
          held = false;
          this.total--;
          const left = (this.byAddress.get(caller.address) ?? 1) - 1;
          if (left === 0) this.byAddress.delete(caller.address);
          else this.byAddress.set(caller.address, left);
        },
      },
    };
  }
}
