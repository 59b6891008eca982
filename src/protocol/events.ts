/**
 * The one typed event map of the `/caps` namespace, shared by the hub (`Server<…>`) and our
 * clients (`Socket<…>`), so that a wrong event name or payload fails `tsc` at both ends.
 * `tests/protocol/types.test.ts` holds `@ts-expect-error` lines that fail if these maps loosen.
 *
 * Client → hub payloads are typed as our clients send them; the hub still validates every one at
 * run time (`schemas.ts`), because classroom clients and browsers are not type-checked.
 */
import type { ConsumerAck, GetAllAck, PlainAck, StoredAck } from './acks';
import type { Envelope } from './envelope';
import type { Identity } from '../auth/identity';
import type { Handshake } from './handshake';

/** The namespace every CAPS client connects to. */
export const CAPS_NAMESPACE = '/caps';

/** Events a client emits and the hub listens to. The ack is optional: lab clients never pass one. */
export interface ClientToHubEvents {
  /** A vendor joins its store's room. */
  join: (store: string, ack?: (result: PlainAck) => void) => void;
  /** A vendor posts a package. Acked once the hub has stored it (durably, with a durable store). */
  pickup: (envelope: Envelope, ack?: (result: StoredAck) => void) => void;
  /** A driver reports a package on its way; relayed to the store's room, not queued. */
  'in-transit': (envelope: Envelope, ack?: (result: PlainAck) => void) => void;
  /** A driver reports a delivery: completes the pickup and queues a notice for the store. */
  delivered: (envelope: Envelope, ack?: (result: StoredAck) => void) => void;
  /** Asks for every message waiting in a queue (`driver` or a store name). */
  getAll: (request: { queueId: string }, ack?: (result: GetAllAck) => void) => void;
  /**
   * CAPS extension: a driver claims a pickup the hub sent it. Answered once the claim is stored;
   * a driver starts on a package only after that (`not_found`: it is no longer this driver's).
   */
  claim: (request: { messageId: string }, ack?: (result: PlainAck) => void) => void;
  /** Lab acknowledgement: removes one message from one queue. */
  received: (request: { queueId: string; messageId: string }, ack?: (result: PlainAck) => void) => void;
}

/**
 * Events the hub emits to clients. Delivery notices carry an ack for our vendors to answer;
 * pickups do not, because our drivers answer a pickup with a `claim`. Lab clients answer neither
 * and send `received` instead.
 */
export interface HubToClientEvents {
  pickup: (envelope: Envelope) => void;
  delivered: (envelope: Envelope, ack: (result: ConsumerAck) => void) => void;
  'in-transit': (envelope: Envelope) => void;
  /**
   * Sent to classroom clients on every connect, and no lab event. socket.io-client recovers a
   * dropped connection only with an offset, which it takes from the last string argument of an
   * event it received; `offset` is that string, so that lab events need carry none (see
   * src/hub/recovery-adapter.ts).
   */
  session: (info: { recovered: boolean }, offset: string) => void;
  /**
   * Why the hub refused an event a classroom client sent without an ack callback (ours always pass
   * one and get the answer there): the refused `event` and the ack's error.
   */
  error: (error: { event: string; code: string; message: string; issues?: string[] }) => void;
}

/** Nothing travels between hubs yet; the Redis scale-out work will fill this in. */
export type HubToHubEvents = Record<string, never>;

/** What the hub keeps on each `/caps` socket (restored by connection state recovery). */
export interface CapsSocketData {
  /** Our clients' handshake, or `undefined` for a classroom client. */
  handshake?: Handshake;
  /** Who the socket is: a token's claims, or anonymous (auth/identity.ts). Set at connect, before any handler runs. */
  identity?: Identity;
  /** The store a classroom vendor joined or posted for, so that its room survives a short reconnect. */
  store?: string;
  /** Set once a classroom client showed itself a driver, for the same reason. */
  driver?: boolean;
}

/**
 * What the hub answers to client event `E`, read from the ack of its entry in ClientToHubEvents.
 * The hub's handlers return exactly this (session.ts), so a handler that answers `getAll` without
 * a `count`, or `pickup` without `messageId`, fails `tsc`.
 * @example AckOf<'getAll'> is GetAllAck; AckOf<'pickup'> is StoredAck
 */
export type AckOf<E extends keyof ClientToHubEvents> = E extends unknown // one answer type per event of a union
  ? NonNullable<Parameters<ClientToHubEvents[E]>[1]> extends (result: infer R) => void
    ? R
    : never
  : never;
