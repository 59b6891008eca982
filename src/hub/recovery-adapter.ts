/**
 * The adapter beneath the hub's Socket.IO server: Socket.IO's own session-aware in-memory adapter
 * (what connection state recovery runs on), except that it keeps only what classroom clients could
 * need after a reconnect.
 *
 * With connection state recovery on, Socket.IO sends every `socket.emit` through the adapter, and
 * the adapter keeps each packet sent without an ack for the whole recovery window
 * (`RECOVERY_WINDOW_MS`), so that a client that reconnects in time receives what it missed. Only
 * classroom clients need that: they say who they are once, and the hub tells them nothing twice.
 * Our clients say who they are on every connect, and the hub's queues send them whatever they have
 * not acknowledged. Keeping their packets cost memory and time for nothing: at 20,000 messages a
 * second, two minutes of pickups held 180 MB, and collecting a heap that size was most of the
 * hub's p99 latency (docs/benchmarks.md). Packets to one of our clients alone, and every packet of
 * the other namespaces (the dashboard's), therefore skip the store; everything else is kept.
 */
import { Adapter, SessionAwareAdapter, type BroadcastOptions } from 'socket.io-adapter';
import { CAPS_NAMESPACE } from '../protocol/events';
import type { CapsNamespace } from '../protocol/sockets';

export class RecoveryAdapter extends SessionAwareAdapter {
  override broadcast(packet: Parameters<Adapter['broadcast']>[0], opts: BroadcastOptions): void {
    if (this.needsNoRecovery(opts)) Adapter.prototype.broadcast.call(this, packet, opts);
    else super.broadcast(packet, opts);
  }

  private needsNoRecovery(opts: BroadcastOptions): boolean {
    const nsp = this.nsp as CapsNamespace;
    if (nsp.name !== CAPS_NAMESPACE) return true;
    if (opts.rooms.size !== 1 || (opts.except?.size ?? 0) > 0) return false;
    // A `socket.emit` targets the socket's own room, named by its id.
    for (const room of opts.rooms) return nsp.sockets.get(room)?.data.handshake !== undefined;
    return false;
  }
}
