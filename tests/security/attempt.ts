/**
 * One connection attempt, as a client of any kind would make it, reported as what the client
 * saw: connected (with the socket, left open until cleanup), or the `connect_error`'s message and
 * data. No reconnection, so that a refusal is seen once.
 */
import { io, type Socket } from 'socket.io-client';
import type { TestContext } from '../helpers/setup';

export type Outcome = { connected: true; socket: Socket } | { connected: false; message: string; data: unknown };

export interface AttemptOptions {
  namespace?: string;
  auth?: Record<string, unknown>;
  /** Extra request headers (`origin`, `host`, `x-forwarded-for`); with the WebSocket transport Node sends them as given. */
  headers?: Record<string, string>;
  transports?: ('websocket' | 'polling')[];
}

export function attempt(t: Pick<TestContext, 'defer'>, url: string, options: AttemptOptions = {}): Promise<Outcome> {
  const socket = io(`${url}${options.namespace ?? '/caps'}`, {
    forceNew: true,
    reconnection: false,
    transports: options.transports ?? ['websocket'],
    auth: options.auth ?? {},
    ...(options.headers ? { extraHeaders: options.headers } : {}),
  });
  t.defer(() => socket.disconnect());
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true, socket }));
    socket.once('connect_error', (err: Error & { data?: unknown; description?: unknown }) => {
      resolve({ connected: false, message: err.message, data: err.data ?? describe(err.description) });
    });
  });
}

/**
 * What a transport error says: for a refused WebSocket upgrade, the message of `ws`'s error event
 * ("Unexpected server response: 400"); for refused polling, the HTTP status.
 */
function describe(description: unknown): unknown {
  const message = (description as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : description;
}
