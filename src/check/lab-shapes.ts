/**
 * The lab's payloads, per phase, as the checker sends them and as it expects students to send
 * them (docs/protocol.md):
 * - phase 2 relays the flat order `{ store, orderId, customer, address }` as it came (the id may
 *   be spelled `orderID` or `id`); `join` carries a store name, `{ storeName }` or `{ store }`;
 * - phase 3 wraps the order in an envelope `{ event, messageId, queueId, order }` (`clientId` for
 *   `queueId` in the lab's latest text), with `getAll` and `received` to replay and acknowledge.
 */
import { z } from 'zod';

export type Phase = 2 | 3;

/** A lab order, flat. */
export interface LabOrder {
  store: string;
  orderId: string;
  customer: string;
  address: string;
}

export type ReportEvent = 'in-transit' | 'delivered';

/** The driver queue's name in the lab. */
export const DRIVER_QUEUE = 'driver';

/** An order the checker makes up; `id` is unique per check run, so a hub's leftovers never match. */
export function labOrder(store: string, orderId: string): LabOrder {
  return { store, orderId, customer: 'Ada Lovelace', address: '12 Analytical Engine Row' };
}

/** A `pickup` as a vendor of `phase` sends it. */
export function pickupPayload(phase: Phase, order: LabOrder): object {
  return phase === 2 ? { ...order } : { event: 'pickup', messageId: order.orderId, queueId: DRIVER_QUEUE, order };
}

/** An `in-transit` or `delivered` as a driver of `phase` sends it (phase 3: queued for the store). */
export function reportPayload(phase: Phase, event: ReportEvent, order: LabOrder): object {
  return phase === 2 ? { ...order } : { event, messageId: order.orderId, queueId: order.store, order };
}

/** Whether a payload carries order `id` anywhere, whatever its shape. */
export const mentions = (payload: unknown, id: string): boolean => JSON.stringify(payload ?? null).includes(JSON.stringify(id));

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

const idText = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

/** The order id a phase-2 client reads: `payload.orderId` (or its spellings), nothing deeper. */
export function flatOrderId(payload: unknown): string | undefined {
  const flat = record(payload);
  return flat && (idText(flat.orderId) ?? idText(flat.orderID) ?? idText(flat.id));
}

/** The message id a phase-3 client reads: `messageId`, or the order's id inside the envelope. */
export function envelopeMessageId(payload: unknown): string | undefined {
  const envelope = record(payload);
  return envelope && (idText(envelope.messageId) ?? flatOrderId(envelope.order));
}

/** The id a client of `phase` reads from a payload it received. */
export function orderIdFor(phase: Phase, payload: unknown): string | undefined {
  return phase === 2 ? flatOrderId(payload) : envelopeMessageId(payload);
}

/**
 * Why a payload meant for a client of `phase` would not read as the order `id`, for a reason on
 * the report card: e.g. a phase-2 pickup relayed inside `{ event, time, payload }`.
 */
export function shapeProblem(phase: Phase, payload: unknown, id: string): string {
  const wrapped = record(payload)?.payload;
  if (phase === 2 && orderIdFor(2, wrapped) === id) return 'it arrived wrapped in { event, time, payload }; a phase-2 client reading payload.orderId gets undefined';
  if (phase === 2 && envelopeMessageId(payload) === id) return 'it arrived as a phase-3 envelope; a phase-2 client reading payload.orderId gets undefined';
  if (phase === 3 && flatOrderId(payload) === id) return 'it arrived as a flat order; a phase-3 client reading payload.messageId and payload.order gets undefined';
  return `it arrived as ${JSON.stringify(payload)}`;
}

const text = z.string().trim().min(1);
const anyId = z.union([text, z.number()]);

/** A flat order as a phase-2 vendor posts it; extra fields (`phone`, `items`) are allowed. */
export const flatOrderSchema = z
  .looseObject({ store: text, orderId: anyId.optional(), orderID: anyId.optional(), id: anyId.optional(), customer: text, address: text })
  .refine((o) => (o.orderId ?? o.orderID ?? o.id) !== undefined, { message: 'an order id is required (orderId, orderID or id)', path: ['orderId'] });

/** A phase-3 envelope as a client posts it; the queue may be spelled `queueId` or `clientId`. */
export const envelopeSchema = z
  .looseObject({ event: z.string().optional(), messageId: text, queueId: text.optional(), clientId: text.optional(), order: flatOrderSchema })
  .refine((e) => (e.queueId ?? e.clientId) !== undefined, { message: 'queueId (or clientId) is required', path: ['queueId'] });

/** A `received` as a phase-3 client sends it: the queue and the message (or the whole envelope). */
export const receivedSchema = z
  .looseObject({ messageId: text, queueId: text.optional(), clientId: text.optional() })
  .refine((r) => (r.queueId ?? r.clientId) !== undefined, { message: 'queueId (or clientId) is required', path: ['queueId'] });

/** The queue a `getAll` or `received` names, folded to lower case for `DRIVER`. */
export function queueNamed(payload: unknown): string | undefined {
  const r = record(payload);
  const name = r ? (r.queueId ?? r.clientId) : payload;
  return typeof name === 'string' ? name : undefined;
}

/** The store a `join` names: a string, `{ storeName }` or `{ store }`. */
export function joinedStore(payload: unknown): string | undefined {
  const r = record(payload);
  const name = r ? (r.storeName ?? r.store) : payload;
  return typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined;
}

/** The schema a posted pickup of `phase` must satisfy. */
export const pickupSchemaFor = (phase: Phase): z.ZodType => (phase === 2 ? flatOrderSchema : envelopeSchema);

/** Each issue as `field: message`, for a reason on the report card. */
export function issuesOf(schema: z.ZodType, payload: unknown): string[] {
  const result = schema.safeParse(payload);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`);
}
