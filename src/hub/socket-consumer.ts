import { readConsumerAck, type ConsumerAck } from '../protocol/acks';
import { DRIVER_QUEUE, type Envelope } from '../protocol/envelope';
import type { CapsSocket } from '../protocol/sockets';
import { RecentIds } from '../recent-ids';
import { classroomPayload, emitToClassroom, ourEnvelope } from './classroom-delivery';
import { emitDirect } from './direct-emit';
import type { Consumer } from './consumer';

/**
 * How many of the messages it last sent a classroom client a consumer remembers, so as not to send
 * one twice on the same connection (see `deliver`).
 */
const SENT_MEMORY = 1024;

/**
 * A consumer that delivers over its session's socket: pickups to drivers, delivery notices to
 * vendors. A class, not an object of closures: a hub holds one per connected client. `owner` (the
 * session) logs for it.
 *
 * Our clients are sent the envelope; a classroom client (`classroom`) the payload in the shape its
 * classroom producer sent it, and each message once per connection: a lab client that never says
 * `received` (every phase-2 client) would otherwise be sent its message again at every ack
 * timeout, and a phase-2 vendor would say "Thank you" for one delivery again and again. The
 * broker still counts such a send as an attempt, with its ack timeout, so the message goes on to
 * another consumer of the queue, back to this one after a reconnect (a new connection, which may
 * have missed it), or at last to the dead letters: the queue's guarantees are unchanged.
 */
export class SocketConsumer implements Consumer {
  /** The ids this classroom consumer has sent, oldest first; `undefined` for ours. */
  private readonly sent: RecentIds | undefined;

  constructor(
    readonly id: string,
    readonly queueId: string,
    readonly prefetch: number,
    private readonly owner: { warn(details: object, message: string): void },
    private readonly socket: CapsSocket,
    /** A classroom client's consumer; otherwise one of ours, which answers a notice with an ack. */
    classroom: boolean,
  ) {
    this.sent = classroom ? new RecentIds(SENT_MEMORY) : undefined;
  }

  deliver(envelope: Envelope, onAck: (result: ConsumerAck) => void): void {
    const event = this.queueId === DRIVER_QUEUE ? 'pickup' : 'delivered';
    if (this.sent) {
      // Classroom clients never answer an ack; asking for one would only pile up callbacks.
      if (!this.firstSend(envelope.messageId)) return;
      return emitToClassroom(this.socket, event, classroomPayload(envelope, new Date()));
    }
    // Our drivers answer a pickup with a `claim`; our vendors answer each notice's ack.
    // Straight to the socket: Socket.IO's recovery detour would only allocate (direct-emit.ts).
    if (event === 'pickup') return emitDirect(this.socket, 'pickup', ourEnvelope(envelope));
    emitDirect(this.socket, 'delivered', ourEnvelope(envelope), (answer: unknown) => {
      const ack = readConsumerAck(answer);
      if (!ack) this.owner.warn({ answer }, 'malformed delivery ack; redelivering');
      onAck(ack ?? { ok: false, retry: true });
    });
  }

  /** Whether `messageId` is new to this classroom consumer; remembers it. */
  private firstSend(messageId: string): boolean {
    const sent = this.sent!;
    if (sent.has(messageId)) return false;
    sent.add(messageId);
    return true;
  }
}
