/**
 * Sends one event to one `/caps` socket the way Socket.IO's `socket.emit` does when connection
 * state recovery is off.
 *
 * The hub turns recovery on for the classroom clients' sake (recovery-adapter.ts). With it on,
 * Socket.IO 4.8 passes every `socket.emit` through the adapter as a broadcast to a room of one,
 * so that the adapter can keep the packet for a replay: a copy of the socket's flags, two new
 * Sets (the room, and no exceptions), and the adapter's walk over the room with two more Sets and
 * their iterators, for every message. Our adapter keeps no packet, so all that does nothing; going
 * around it took 4% off what the hub allocates per message, and 4–20% (7% at the median of five
 * rounds) off its CPU per message (docs/benchmarks.md, "What the memory hub allocates per message").
 *
 * This builds the same packet as `emit` (an EVENT with the same arguments, and the next ack id of
 * the namespace when the last argument is a callback), tells `onAnyOutgoing` listeners as `emit`
 * does, and hands it to the socket's own `packet`, which `emit` calls when recovery is off. The
 * frame on the wire is the one `emit` writes. Two cases go through `emit` itself, where the short
 * way would differ from it: a socket that has left the namespace (its connection may still be
 * open, and the adapter would find no room to send to) and a socket with flags set for its next
 * emit (`timeout`, `volatile`), which `emit` applies and clears. The hub sets no flags on these
 * sockets, so neither is the common case. Three of the members used are private in Socket.IO's
 * typings (`registerAckCallback`, `notifyOutgoingListeners`, `packet`); the package is pinned, and
 * tests/hub/direct-emit.test.ts holds this to `emit`.
 *
 * @example
 *   emitDirect(socket, 'delivered', envelope, (answer) => onAck(answer));
 */
import type { HubToClientEvents } from '../protocol/events';
import type { CapsSocket } from '../protocol/sockets';

/** socket.io-parser's `PacketType.EVENT`. */
const EVENT = 2;

interface EventPacket {
  type: typeof EVENT;
  data: unknown[];
  nsp: string;
  id: number | undefined;
}

/** What `emit` itself uses of a socket, beyond the public API (socket.io 4.8, dist/socket.js). */
interface SocketInternals {
  nsp: { _ids: number };
  flags: object;
  registerAckCallback(id: number, ack: (...answer: unknown[]) => void): void;
  notifyOutgoingListeners(packet: EventPacket): void;
  packet(packet: EventPacket, opts?: object): void;
}

/** Sends `event` with `args` to `socket`; a callback as the last argument is the event's ack. */
export function emitDirect<E extends keyof HubToClientEvents>(socket: CapsSocket, event: E, ...args: Parameters<HubToClientEvents[E]>): void {
  const internals = socket as unknown as SocketInternals;
  if (!socket.connected || hasAny(internals.flags)) {
    const emit = socket.emit as (this: CapsSocket, event: E, ...rest: unknown[]) => boolean;
    emit.call(socket, event, ...args);
    return;
  }
  const data: unknown[] = [event, ...args];
  // Every field `packet` and the encoder set or read, from the start: one object, not grown twice.
  const packet: EventPacket = { type: EVENT, data, nsp: socket.nsp.name, id: undefined };
  const last = data[data.length - 1];
  if (typeof last === 'function') {
    data.pop();
    packet.id = internals.nsp._ids++;
    internals.registerAckCallback(packet.id, last as (...answer: unknown[]) => void);
  }
  internals.notifyOutgoingListeners(packet);
  internals.packet(packet);
}

/** Whether `flags` has any own key, without building a list of them. */
function hasAny(flags: object): boolean {
  for (const key in flags) if (Object.hasOwn(flags, key)) return true;
  return false;
}
