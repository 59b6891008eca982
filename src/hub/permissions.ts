/**
 * Who may do what on `/caps`: every permission check the hub makes on a client's request, in one
 * function, from the identity the hub verified at connect (auth/identity.ts), never from what the
 * client's handshake or payload says.
 *
 * - An **authenticated** client is held to its token: its role, a vendor to its store.
 * - An **anonymous** (classroom) client has the lab's powers: it may do whatever the lab's clients
 *   do, and the session infers its role from it; `claim`, a CAPS extension, is refused to it.
 * - For everyone: a package is reported (`in-transit`, `delivered`) or acknowledged (`received` on
 *   the driver queue) only by the driver that holds it; a `delivered` of a pickup that does not
 *   exist is `not_found`. A store's notice in flight to one client is acknowledged by no other.
 *
 * @example
 *   const refused = authorise(socket.data.identity, { type: 'consume', queueId: 'driver' });
 *   if (refused) return refused; // { ok: false, error: { code: 'forbidden', … } }
 */
import type { Identity } from '../auth/identity';
import { failure, type Failure } from '../protocol/acks';
import { DRIVER_QUEUE } from '../protocol/envelope';

/** A request, as the permission check sees it. */
export type Request =
  /** Join a store's room (and consume its notices). */
  | { type: 'join'; store: string }
  /** Send a delivery event for `store`'s order; only clients of role `sender` may, and `refusal` says so. */
  | { type: 'deliver'; sender: 'vendor' | 'driver'; refusal: string; store: string }
  /** Take messages from a queue, or acknowledge one (`getAll`, `received`). */
  | { type: 'consume'; queueId: string }
  /** Claim a pickup. */
  | { type: 'claim' }
  /**
   * Act on pickup `messageId` as its carrier (`event`: `in-transit`, `delivered`, `received`):
   * `pickup` is who holds it now (broker.ts, `holderOf`), `me` the asking driver's consumer id.
   */
  | { type: 'carry'; event: string; messageId: string; pickup: Holding; me: string }
  /**
   * Acknowledge (`received`) message `messageId` of queue `queueId`: `holding` is who holds it now,
   * `me` the asking client's consumer id. On the driver queue it takes the pickup: a `carry`.
   */
  | { type: 'acknowledge'; queueId: string; messageId: string; holding: Holding; me: string };

/** Who holds a message now, as broker.ts's `holderOf` says. */
type Holding = { found: false } | { found: true; holder: string | undefined };

/** `undefined` if `identity` may make `request`, or the `forbidden` (or `not_found`) answer that says why not. */
export function authorise(identity: Identity, request: Request): Failure | undefined {
  if (request.type === 'claim') return isDriver(identity) ? undefined : failure('forbidden', 'only our drivers claim pickups');
  if (request.type === 'carry') return carrying(request);
  if (request.type === 'acknowledge') return acknowledging(request);
  if (identity.kind === 'anonymous') return undefined;
  switch (request.type) {
    case 'join':
      if (identity.role !== 'vendor') return failure('forbidden', 'only vendors join a store');
      return identity.store === request.store ? undefined : failure('forbidden', `this vendor's token is for "${identity.store}", not "${request.store}"`);
    case 'deliver':
      if (identity.role !== request.sender) return failure('forbidden', request.refusal);
      if (identity.role === 'vendor' && identity.store !== request.store) {
        return failure('forbidden', `this vendor posts for "${identity.store}", not "${request.store}"`);
      }
      return undefined;
    case 'consume': {
      const own = identity.role === 'driver' ? DRIVER_QUEUE : identity.role === 'vendor' ? identity.store : undefined;
      return own === request.queueId ? undefined : failure('forbidden', `this client consumes "${own ?? 'nothing'}", not "${request.queueId}"`);
    }
  }
}

function isDriver(identity: Identity): boolean {
  return identity.kind === 'authenticated' && identity.role === 'driver';
}

function carrying(request: Extract<Request, { type: 'carry' }>): Failure | undefined {
  const { event, messageId, pickup, me } = request;
  // Only a `delivered` of nothing could do harm (a notice queued for an order that never was); an
  // `in-transit` is only relayed, and a lab client may say `received` twice.
  if (!pickup.found) return event === 'delivered' ? failure('not_found', `delivered: there is no pickup ${messageId} (never posted, or already delivered)`) : undefined;
  if (pickup.holder === me) return undefined;
  return failure('forbidden', `${event}: pickup ${messageId} is not yours: ${pickup.holder === undefined ? 'it is waiting for a driver' : 'another driver holds it'}`);
}

function acknowledging(request: Extract<Request, { type: 'acknowledge' }>): Failure | undefined {
  const { queueId, messageId, holding, me } = request;
  if (queueId === DRIVER_QUEUE) return carrying({ type: 'carry', event: 'received', messageId, pickup: holding, me });
  // A store's notice that is gone is no error (lab clients may say `received` twice); one that waits
  // for no one in particular is the asker's to take, as any consumer of the queue would be sent it.
  if (!holding.found || holding.holder === undefined || holding.holder === me) return undefined;
  return failure('forbidden', `received: ${messageId} of "${queueId}" was sent to another client`);
}
