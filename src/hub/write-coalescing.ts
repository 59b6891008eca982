/**
 * Sends what the hub writes to one client within one turn of the event loop in one system call.
 *
 * Socket.IO writes every packet to a WebSocket as its own frame, and the WebSocket library writes
 * every frame with its own `writev`: at thousands of messages a second that was a third of the
 * hub's time (docs/benchmarks.md). Corking the client's TCP socket at its first write of a turn,
 * and uncorking it once the turn's I/O callbacks have run (`setImmediate`), lets the kernel take
 * the turn's frames (acks, pushes, relays) together. Nothing waits longer than that turn.
 *
 * It reaches the TCP socket through engine.io's and ws's internals (`transport.socket._socket`);
 * if a version changes them, it finds no socket and does nothing, and the hub is only slower.
 */
import type { Socket as TcpSocket } from 'node:net';
import type { Socket } from 'socket.io';

/** A client's engine.io connection, beneath its Socket.IO sockets. */
type EngineSocket = Socket['conn'];

export function coalesceWrites(conn: EngineSocket): void {
  let corked = false;
  conn.on('flush', () => {
    if (corked) return;
    const tcp = tcpSocketOf(conn);
    if (!tcp || tcp.destroyed) return;
    corked = true;
    tcp.cork();
    setImmediate(() => {
      corked = false;
      tcp.uncork();
    });
  });
}

function tcpSocketOf(conn: EngineSocket): TcpSocket | undefined {
  const transport = conn.transport as unknown as { name?: string; socket?: { _socket?: TcpSocket } };
  return transport.name === 'websocket' ? transport.socket?._socket : undefined;
}
