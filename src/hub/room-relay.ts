/**
 * How a hub relays a driver's `in-transit` to a store's room. On its own, to the room's members on
 * this hub. Shared hubs (`CAPS_SHARED`) pass it through Redis to every hub, this one included,
 * each relaying to its own members, so that a vendor hears it whichever hub it is on; while Redis
 * is away, only this hub's members hear it. Either way it is at most once, as a Socket.IO room
 * broadcast is: `in-transit` is news, not a queued message.
 *
 * The store's listeners end when the store closes (redis/shared-hubs.ts).
 */
import type { Logger } from '../logger';
import type { Envelope } from '../protocol/envelope';
import type { CapsNamespace } from '../protocol/sockets';
import type { QueueStore } from '../queue/store';
import { relayToRoom } from './classroom-delivery';

/** The relay for a hub on `store`: `(room, envelope) => void`. */
export function roomRelay(nsp: CapsNamespace, store: QueueStore, logger: Logger): (room: string, envelope: Envelope) => void {
  const here = (room: string, envelope: Envelope) => relayToRoom(nsp, room, 'in-transit', envelope, new Date());
  const shared = store.shared;
  if (!shared) return here;
  shared.onBroadcast(here);
  return (room, envelope) => {
    shared.broadcast(room, envelope).catch((err: unknown) => {
      logger.debug({ err, room }, 'could not pass in-transit to the other hubs; relayed here only');
      here(room, envelope);
    });
  };
}
