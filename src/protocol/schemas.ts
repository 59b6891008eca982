/**
 * Schemas for everything a client can send the hub. Every handler parses its payload with one of
 * these before it acts, so a handler only ever sees well-formed, normalised data.
 *
 * The schemas accept the classroom variants listed in docs/protocol.md (`orderID`, `clientId`,
 * `DRIVER`, a `received` that echoes a whole envelope) and normalise them. Unknown keys are dropped,
 * which also drops `__proto__` and friends; every string has a length limit, so a huge payload is
 * refused with a clear error rather than stored.
 */
import { z } from 'zod';
import { DRIVER_QUEUE, type Envelope, type Order } from './envelope';

export const LIMITS = { id: 128, name: 64, customer: 200, address: 500 } as const;

const id = z.string().trim().min(1).max(LIMITS.id);

/** The characters a store name may use (ASCII only: no `u` flag, so `\w` is `[A-Za-z0-9_]`). */
export const STORE_NAME_PATTERN = /^[\w.@&' -]+$/;

/** A store name: also a room and a queue name, so it may not be the driver queue's name. */
export const storeNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(LIMITS.name)
  .regex(STORE_NAME_PATTERN, 'letters, digits, spaces and . @ & \' - _ only')
  .refine((name) => name.toLowerCase() !== DRIVER_QUEUE, `"${DRIVER_QUEUE}" is the driver queue, not a store`);

/** A queue name: `driver` (any case, as some cohorts write `DRIVER`) or a store name. */
export const queueIdSchema = z
  .string()
  .trim()
  .min(1)
  .max(LIMITS.name)
  .transform((name) => (name.toLowerCase() === DRIVER_QUEUE ? DRIVER_QUEUE : name))
  .pipe(z.union([z.literal(DRIVER_QUEUE), storeNameSchema]));

export const orderSchema = z
  .object({
    store: storeNameSchema,
    orderId: id.optional(),
    orderID: id.optional(), // the lab's sample log spells it this way
    customer: z.string().trim().min(1).max(LIMITS.customer),
    address: z.string().trim().min(1).max(LIMITS.address),
  })
  .refine((o) => o.orderId ?? o.orderID, { message: 'orderId is required', path: ['orderId'] })
  .transform(
    (o): Order => ({ store: o.store, orderId: (o.orderId ?? o.orderID)!, customer: o.customer, address: o.address }),
  );

/**
 * The envelope as clients send it. `event` and `queueId` are informative only: the hub sets both
 * from the event it received (lab drivers send `in-transit` with `event: 'pickup'`). A missing
 * `messageId` defaults to the order id, as classroom clients use one for the other.
 */
export const envelopeInputSchema = z
  .object({
    event: z.string().max(32).optional(),
    messageId: id.optional(),
    queueId: z.string().max(LIMITS.name).optional(),
    clientId: z.string().max(LIMITS.name).optional(),
    order: orderSchema,
    driver: z.string().trim().min(1).max(LIMITS.name).optional(),
    postedAt: z.number().int().nonnegative().optional(),
  })
  .transform((e) => ({
    messageId: e.messageId ?? e.order.orderId,
    order: e.order,
    ...(e.driver === undefined ? {} : { driver: e.driver }),
    ...(e.postedAt === undefined ? {} : { postedAt: e.postedAt }),
  }));
export type EnvelopeInput = z.output<typeof envelopeInputSchema>;

/** `getAll`: `{ queueId }`, `{ clientId }`, or the bare queue name. */
export const getAllSchema = z.union([
  queueIdSchema,
  z.object({ queueId: queueIdSchema }).transform((r) => r.queueId),
  z.object({ clientId: queueIdSchema }).transform((r) => r.clientId),
]);

/**
 * `received`: `{ queueId, messageId }`, `clientId` for `queueId`, or a whole echoed envelope, in
 * which case a missing `messageId` falls back to the order id.
 */
export const receivedSchema = z
  .object({
    queueId: queueIdSchema.optional(),
    clientId: queueIdSchema.optional(),
    messageId: id.optional(),
    order: z.object({ orderId: id.optional(), orderID: id.optional() }).optional(),
  })
  .transform((r) => ({
    queueId: r.queueId ?? r.clientId,
    messageId: r.messageId ?? r.order?.orderId ?? r.order?.orderID,
  }))
  .refine((r) => r.queueId !== undefined, { message: 'queueId is required', path: ['queueId'] })
  .refine((r) => r.messageId !== undefined, { message: 'messageId is required', path: ['messageId'] })
  .transform((r) => ({ queueId: r.queueId!, messageId: r.messageId! }));

/** One queue entry, as an admin names it: `{ queueId, messageId }`. */
export const entryKeySchema = z.object({ queueId: queueIdSchema, messageId: id });

/** `claim`: the pickup's message id. */
export const claimSchema = z.object({ messageId: id }).transform((r) => r.messageId);

/** `join`: a store name as a plain string, or `{ store }`. */
export const joinSchema = z.union([storeNameSchema, z.object({ store: storeNameSchema }).transform((r) => r.store)]);

/** Builds the envelope the hub stores and sends, from validated input and the event it arrived as. */
export function toEnvelope(input: EnvelopeInput, event: Envelope['event'], queueId: string): Envelope {
  return { event, queueId, ...input };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: string[] };

/** Parses `data` with `schema`, turning zod's issues into one readable line each. Never throws. */
export function parse<T>(schema: z.ZodType<T>, data: unknown): Parsed<T> {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(payload)'}: ${i.message}`),
  };
}
