/**
 * Sends what the hub writes to one client within one turn of the event loop in one system call.
 *
 * Socket.IO writes every packet to a WebSocket as its own frame, and the WebSocket library writes
 * every frame with its own `writev`: at thousands of messages a second that was a third of the
 * hub's time (docs/benchmarks.md). Corking a client's TCP socket at its first write of a turn,
 * and uncorking every corked socket once the turn's I/O callbacks have run (`setImmediate`), lets
 * the kernel take the turn's frames (acks, pushes, relays) together. Nothing waits longer than
 * that turn.
 *
 * It reaches the TCP socket through engine.io's and ws's internals (`transport.socket._socket`);
 * if a version changes them, it finds no socket and does nothing, and the hub is only slower.
 */
import type { Socket as TcpSocket } from 'node:net';
import type { Server, Socket } from 'socket.io';

/** A client's engine.io connection, beneath its Socket.IO sockets. */
type EngineSocket = Socket['conn'];
/** The engine.io server beneath a Socket.IO server. */
type EngineServer = Server['engine'];

/** The TCP sockets corked in this turn, all uncorked by one `setImmediate`. */
const corked = new Set<TcpSocket>();

/**
 * Coalesces the writes of every client of `engine` (the Socket.IO server's `io.engine`): one
 * listener on the server's `flush` event, which engine.io emits for each client before it writes,
 * rather than one closure per connection.
 */
export function coalesceWrites(engine: EngineServer): void {
  engine.on('flush', corkForThisTurn);
}

function corkForThisTurn(conn: EngineSocket): void {
  const tcp = tcpSocketOf(conn);
  if (!tcp || tcp.destroyed || corked.has(tcp)) return;
  if (corked.size === 0) setImmediate(uncorkAll);
  corked.add(tcp);
  tcp.cork();
}

function uncorkAll(): void {
  for (const tcp of corked) tcp.uncork();
  corked.clear();
}

function tcpSocketOf(conn: EngineSocket): TcpSocket | undefined {
  const transport = conn.transport as unknown as { name?: string; socket?: { _socket?: TcpSocket } };
  return transport.name === 'websocket' ? transport.socket?._socket : undefined;
}
