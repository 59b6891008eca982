import type { Socket } from 'socket.io';
import { readConsumerAck, type ConsumerAck } from '../protocol/acks';
import { DRIVER_QUEUE, type Envelope } from '../protocol/envelope';
import type { CapsSocket } from '../protocol/sockets';
import type { Consumer } from './consumer';

/**
 * A consumer that delivers over its session's socket: pickups to drivers, delivery notices to
 * vendors. A class, not an object of closures: a hub holds one per connected client. `owner` (the
 * session) logs for it.
 */
export class SocketConsumer implements Consumer {
  constructor(
    readonly id: string,
    readonly queueId: string,
    readonly prefetch: number,
    private readonly owner: { warn(details: object, message: string): void },
    private readonly socket: CapsSocket,
    /** Our vendors acknowledge each notice; our drivers answer pickups with a `claim` instead. */
    private readonly acknowledges: boolean,
  ) {}

  deliver(envelope: Envelope, onAck: (result: ConsumerAck) => void): void {
    if (this.queueId === DRIVER_QUEUE) return void this.socket.emit('pickup', envelope);
    // Classroom vendors never answer an ack; asking for one would only pile up callbacks.
    if (!this.acknowledges) return void (this.socket as unknown as Socket).emit('delivered', envelope);
    this.socket.emit('delivered', envelope, (answer: unknown) => {
      const ack = readConsumerAck(answer);
      if (!ack) this.owner.warn({ answer }, 'malformed delivery ack; redelivering');
      onAck(ack ?? { ok: false, retry: true });
    });
  }
}
