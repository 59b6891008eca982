/**
 * Who may do what on `/caps`: every permission check the hub makes on a client's request, in one
 * function, so that a new rule (a verified identity, "only the driver holding the claim") is
 * written here once rather than in each handler.
 *
 * Our clients are held to what their handshake says: its role, and a vendor to its store. A
 * classroom client has no handshake and the lab's powers: it may do whatever the lab's clients do,
 * and the session infers its role from it; only `claim`, a CAPS extension, is refused to it.
 *
 * @example
 *   const refused = authorise(socket.data.handshake, { type: 'consume', queueId: 'driver' });
 *   if (refused) return refused; // { ok: false, error: { code: 'forbidden', … } }
 */
import { failure, type Failure } from '../protocol/acks';
import { DRIVER_QUEUE } from '../protocol/envelope';
import type { Handshake } from '../protocol/handshake';

/** A request, as the permission check sees it. */
export type Request =
  /** Join a store's room (and consume its notices). */
  | { type: 'join'; store: string }
  /** Send a delivery event for `store`'s order; only clients of role `sender` may, and `refusal` says so. */
  | { type: 'deliver'; sender: 'vendor' | 'driver'; refusal: string; store: string }
  /** Take messages from a queue, or acknowledge one (`getAll`, `received`). */
  | { type: 'consume'; queueId: string }
  /** Claim a pickup. */
  | { type: 'claim' };

/** `undefined` if `identity` may make `request`, or the `forbidden` answer that says why not. */
export function authorise(identity: Handshake | undefined, request: Request): Failure | undefined {
  if (request.type === 'claim') return identity?.role === 'driver' ? undefined : failure('forbidden', 'only our drivers claim pickups');
  if (identity === undefined) return undefined;
  switch (request.type) {
    case 'join':
      return identity.role === 'vendor' ? undefined : failure('forbidden', 'only vendors join a store');
    case 'deliver':
      if (identity.role !== request.sender) return failure('forbidden', request.refusal);
      if (identity.role === 'vendor' && identity.store !== request.store) {
        return failure('forbidden', `this vendor posts for "${identity.store}", not "${request.store}"`);
      }
      return undefined;
    case 'consume': {
      const own = identity.role === 'driver' ? DRIVER_QUEUE : identity.store;
      return own === request.queueId ? undefined : failure('forbidden', `this client consumes "${own}", not "${request.queueId}"`);
    }
  }
}
