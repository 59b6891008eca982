/**
 * The load generators' sockets. Both servers are reached the same way, with CAPS's own client
 * (src/client/connect.ts): namespace `/caps`, WebSocket only, the CAPS handshake and its token as `auth`. The
 * plain relay reads `role` and `store` from that handshake, and the same client code then drives
 * both, so that any difference in the figures comes from the servers.
 */
import { clientToken } from '../src/auth/client-token';
import { connectCaps, type CapsClientSocket, type Credential } from '../src/client/connect';
import { clientConfig } from '../src/config';
import type { Envelope } from '../src/protocol/envelope';
import type { Target } from './jobs';

export type BenchSocket = CapsClientSocket;

/** Our clients' own credential: a token signed with the secret the hub on this machine uses (the plain relay ignores it). */
const credential: Credential = (claims) => clientToken(clientConfig(), claims);

/** What a bench client is: a vendor of one store, or a driver. */
export type BenchRole = { role: 'vendor'; clientId: string; store: string } | { role: 'driver'; clientId: string };

/** Thrown when a socket does not connect in time, or the server refuses it outright. */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
}

/**
 * Opens one socket to `target` and resolves once it is connected. `wire` adds listeners before
 * the connection starts: a server may push messages the moment it accepts the socket.
 */
export function openSocket(target: Target, who: BenchRole, wire?: (socket: BenchSocket) => void, timeoutMs = 30_000): Promise<BenchSocket> {
  const socket = connectCaps(target.url, who, credential);
  wire?.(socket);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new ConnectError(`${who.clientId}: not connected after ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(err);
    };
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.on('connect_error', (err: Error & { data?: unknown }) => {
      // Middleware refusals carry data and will not go away by retrying; network errors might.
      if (err.data !== undefined) fail(new ConnectError(`${who.clientId}: refused: ${err.message}`));
    });
  });
}

/** `target` narrowed to the hub at `slot` (round robin) when it has several, else `target` itself. */
function hubAt(target: Target, slot: number): Target {
  return target.hubs ? { ...target, url: target.hubs[slot % target.hubs.length]! } : target;
}

/**
 * Opens `count` sockets, `concurrency` at a time (a burst of 10k handshakes helps no one);
 * socket `i` is `whoAt(i)`. On a system of several hubs socket `i` goes to hub `firstHub + i`,
 * round robin.
 */
export async function openMany(target: Target, whoAt: (i: number) => BenchRole, count: number, concurrency: number, firstHub = 0): Promise<BenchSocket[]> {
  const sockets: BenchSocket[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      sockets[i] = await openSocket(hubAt(target, firstHub + i), whoAt(i));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } catch (err) {
    for (const socket of sockets) socket?.disconnect();
    throw err;
  }
  return sockets;
}

/**
 * The envelope of one bench order. The message id carries its send time in microseconds
 * (`<tag>.<seq>.<µs>`), since the hub keeps only the envelope's known fields.
 */
export function orderEnvelope(tag: string, seq: number, store: string, sentAtMs: number): Envelope {
  const messageId = `${tag}.${seq}.${Math.round(sentAtMs * 1000)}`;
  return {
    event: 'pickup',
    messageId,
    queueId: 'driver',
    order: { store, orderId: messageId, customer: 'Bench Customer', address: '1 Loopback Lane, Localhost' },
    postedAt: Math.floor(sentAtMs),
  };
}

/** The send time (ms since the epoch) that `orderEnvelope` put in a message id. */
export function sentAtOf(messageId: string): number {
  return Number(messageId.slice(messageId.lastIndexOf('.') + 1)) / 1000;
}
