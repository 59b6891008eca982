/**
 * What each kind of client is sent for a delivery event: our clients the normalised envelope
 * (never its `asSent`), a classroom client the payload in the shape its classroom producer sent it
 * (`classroomPayload`): a phase-2 driver reads `payload.orderId` from a phase-2 vendor's flat order.
 *
 * The hub's events to classroom clients are untyped on purpose: what they carry is whatever shape
 * a producer chose, not the event map's envelope.
 */
import type { Socket } from 'socket.io';
import { payloadAsSent } from '../protocol/as-sent';
import type { DeliveryEvent, Envelope } from '../protocol/envelope';
import type { CapsNamespace, CapsSocket } from '../protocol/sockets';

/** `envelope` as our clients receive it: without the classroom producer's `asSent`. */
export function ourEnvelope(envelope: Envelope): Envelope {
  if (envelope.asSent === undefined) return envelope;
  const { asSent: _asSent, ...plain } = envelope;
  return plain;
}

/**
 * The payload a classroom client is sent for `envelope`: `payloadAsSent`, in the producer's shape,
 * whose order is the producer's order (its spellings, types and extra fields) with the normalised
 * fields it lacks added, so that a lab client reading `order.orderId` finds it when the producer
 * spelled it `orderID` or `id`; where both have a field, the producer's value is kept.
 */
export function classroomPayload(envelope: Envelope, now: Date): unknown {
  const { asSent } = envelope;
  if (asSent === undefined) return payloadAsSent(envelope, now);
  return payloadAsSent({ ...envelope, asSent: { ...asSent, order: { ...envelope.order, ...asSent.order } } }, now);
}

/** Sends one classroom client `payload` under `event`, with exactly that one argument. */
export function emitToClassroom(socket: CapsSocket, event: DeliveryEvent | 'error', payload: unknown): void {
  (socket as unknown as Socket).emit(event, payload);
}

/**
 * Relays `envelope` as `event` to every member of `room`: one emit to our clients (the envelope),
 * one to the classroom clients (the producer's shape, stamped with `now` if it was a wrapper).
 * Members that have not finished connecting are skipped, as a Socket.IO broadcast skips them.
 */
export function relayToRoom(nsp: CapsNamespace, room: string, event: 'in-transit', envelope: Envelope, now: Date): void {
  const members = nsp.adapter.rooms.get(room);
  if (!members) return;
  const ours: string[] = [];
  const classroom: string[] = [];
  for (const id of members) {
    const socket = nsp.sockets.get(id);
    if (socket) (socket.data.handshake ? ours : classroom).push(id);
  }
  if (ours.length > 0) nsp.to(ours).emit(event, ourEnvelope(envelope));
  if (classroom.length > 0) (nsp as unknown as { to(rooms: string[]): { emit(event: string, payload: unknown): void } }).to(classroom).emit(event, classroomPayload(envelope, now));
}
