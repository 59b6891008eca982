/**
 * Type tests: `tsc --noEmit` fails if the shared event maps ever loosen, because each
 * `@ts-expect-error` below would then be unused. Jest runs the file too, for the runtime half.
 */
import type { Socket as ClientSocket } from 'socket.io-client';
import type { Socket as ServerSocket } from 'socket.io';
import type { AckOf, ClientToHubEvents, HubToClientEvents } from '../../src/protocol/events';
import type { Envelope } from '../../src/protocol/envelope';
import { CLIENT_EVENTS } from '../../src/protocol/spellings';
import { DELIVERY_ROUTES, type DeliveryRoute } from '../../src/hub/delivery-routes';

const envelope: Envelope = {
  event: 'pickup',
  messageId: 'm',
  queueId: 'driver',
  order: { store: 'acme-widgets', orderId: 'm', customer: 'Ada', address: '1 Way' },
};

// Never called: these functions exist for the compiler.
export function clientSide(socket: ClientSocket<HubToClientEvents, ClientToHubEvents>): void {
  socket.emit('pickup', envelope, (result) => result.ok && result.duplicate);
  // @ts-expect-error: no such event
  socket.emit('pikcup', envelope);
  // @ts-expect-error: a pickup carries an envelope, not a string
  socket.emit('pickup', 'o-1');
  // @ts-expect-error: getAll takes { queueId }
  socket.emit('getAll', { queue: 'driver' });
  socket.on('delivered', (_notice, ack) => ack({ ok: true }));
  // @ts-expect-error: a consumer answers { ok } or { ok: false, retry }
  socket.on('delivered', (_notice, ack) => ack({ done: true }));
}

export function hubSide(socket: ServerSocket<ClientToHubEvents, HubToClientEvents>): void {
  socket.emit('in-transit', envelope);
  // @ts-expect-error: the hub never sends getAll
  socket.emit('getAll', { queueId: 'driver' });
  // @ts-expect-error: an envelope needs an order
  socket.emit('pickup', { event: 'pickup', messageId: 'm', queueId: 'driver' });
}

// The hub's handlers are typed `AckOf<E>` (src/hub/session.ts): a handler that answers its event
// with another event's answer, or without a field its answer needs, fails to compile.
export const answers: { [E in 'getAll' | 'pickup' | 'in-transit']: () => AckOf<E> } = {
  // @ts-expect-error: getAll answers how many messages it sends
  getAll: () => ({ ok: true }),
  // @ts-expect-error: pickup answers the stored id and whether it was a duplicate, not a count
  pickup: () => ({ ok: true, count: 1 }),
  'in-transit': () => ({ ok: false, error: { code: 'forbidden', message: 'only drivers' } }),
};
// The same for a row of the delivery-event table: a pickup must be published, not relayed.
export const relayedPickup: DeliveryRoute<'pickup'> = {
  ...DELIVERY_ROUTES.pickup,
  // @ts-expect-error: a relay answers no messageId nor duplicate
  act: (actions, notice) => actions.relay(notice),
};
// @ts-expect-error: an error code is one of ERROR_CODES
export const badCode: AckOf<'join'> = { ok: false, error: { code: 'nope', message: '' } };

it('lists every event of the client map as a canonical spelling', () => {
  const mapKeys: Record<keyof ClientToHubEvents, true> = { join: true, pickup: true, 'in-transit': true, delivered: true, getAll: true, received: true, claim: true };
  expect([...CLIENT_EVENTS].sort()).toEqual(Object.keys(mapKeys).sort());
});
