/**
 * Answers clients that connected to Socket.IO's root namespace `/` instead of `/caps`, the most
 * common slip in a classroom (`io('http://localhost:3000')`): Socket.IO accepts the connection, and
 * without this every emit would vanish. Each event such a client sends is answered "CAPS lives at
 * /caps" twice over: through its ack callback, if it passed one, as `{ ok: false, error }` with code
 * `not_found`, and always as an `error` event, which a student's `socket.on('error')` prints.
 */
import type { Logger } from '../logger';
import { failure } from '../protocol/acks';
import { CAPS_NAMESPACE } from '../protocol/events';
import type { CapsNamespace } from '../protocol/sockets';

/** The answer, with the URL the client should have used when its `Host` header says. */
function wrongNamespaceMessage(host: string | undefined): string {
  return `CAPS lives at ${CAPS_NAMESPACE}: connect to ${host ? `http://${host}` : 'the hub'}${CAPS_NAMESPACE}, not to /`;
}

export function answerWrongNamespace(root: CapsNamespace, logger: Logger): void {
  root.on('connection', (socket) => {
    const answer = failure('not_found', wrongNamespaceMessage(socket.handshake.headers.host));
    let warned = false;
    socket.onAny((name: unknown, ...args: unknown[]) => {
      const event = String(name).slice(0, 64);
      if (!warned) logger.warn(`refused ${event} on "/": ${answer.error.message}`);
      warned = true;
      const reply = args.at(-1);
      if (typeof reply === 'function') (reply as (result: typeof answer) => void)(answer);
      socket.emit('error', { event, ...answer.error });
    });
  });
}
