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
import { DRIVER_QUEUE, type AsSent, type Envelope, type Order } from './envelope';
import { expecting, explainIssue } from './issues';
import { count, exact, isPlainObject, lenient, optional, schemaOf, shape, text, type Output, type TextRule } from './fields';
import { isNearMiss } from './spellings';

/** The length limits of every string a client sends, in UTF-16 units after trimming. */
export const LIMITS = {
  id: 128,
  name: 64,
  customer: 200,
  address: 500,
  event: 32,
  /** A producer's order as sent (see `Envelope.asSent`): its keys, its JSON, its nesting. */
  sentOrderKeys: 32,
  sentOrderJson: 4096,
  sentOrderDepth: 8,
} as const;

/** The characters a store name may use (ASCII only: no `u` flag, so `\w` is `[A-Za-z0-9_]`). */
export const STORE_NAME_PATTERN = /^[\w.@&' -]+$/;

/** The rule for every id: a message id, an order id. */
const idRule = text(LIMITS.id);
/** The rule for every name: a client, a driver, a queue; a store name adds its own rules to it. */
const nameRule = text(LIMITS.name);
/** The characters of a store name, and so of every queue name. */
const storeCharacters = { regex: STORE_NAME_PATTERN, message: "letters, digits, spaces and . @ & ' - _ only" };
/** A store name: also a room and a queue name, so it may not be the driver queue's name. */
const storeNameRule = text(LIMITS.name, {
  pattern: storeCharacters,
  refuse: { when: (name) => name.toLowerCase() === DRIVER_QUEUE, message: `"${DRIVER_QUEUE}" is the driver queue, not a store` },
  expected: 'a store name',
});
/** A string that is only informative, so only bounded: not trimmed, may be empty. */
const label = (max: number): TextRule => text(max, { trim: false, min: 0 });

export const idSchema = schemaOf(idRule);
/** A client's, driver's or queue's name: trimmed, 1 to `LIMITS.name` characters. */
export const nameSchema = schemaOf(nameRule);
export const storeNameSchema = schemaOf(storeNameRule);

/**
 * A queue name: `driver` (any case, as some cohorts write `DRIVER`) or a store name. A near miss of
 * `driver` (`drivers`, `Driver_`, `drvier`) is refused with a hint rather than taken for a store
 * nobody will ever post to.
 */
export const queueIdSchema = schemaOf(text(LIMITS.name, { pattern: storeCharacters, expected: '"driver" or a store name' }))
  .refine((name) => !isNearMiss(name, DRIVER_QUEUE), {
    error: (issue) => `"${String(issue.input)}" is not a queue; did you mean "${DRIVER_QUEUE}"?`,
  })
  .transform((name) => (name.toLowerCase() === DRIVER_QUEUE ? DRIVER_QUEUE : name));

const customerRule = text(LIMITS.customer);
const addressRule = text(LIMITS.address);

/** An order as our clients send it: exactly these four strings. */
const canonicalOrderRule = exact(shape({ store: storeNameRule, orderId: idRule, customer: customerRule, address: addressRule }));

/** A classroom's order id: a string, or a whole number (read as its decimal string). */
const orderIdInput = z
  .preprocess(
    (id) => (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? String(id) : id),
    schemaOf(text(LIMITS.id, { expected: 'a string or a whole number' })),
  )
  .optional();

/**
 * An order as any client sends it: the id spelled `orderId`, `orderID` (the lab's sample log) or
 * `id` (phase-2 clients), a string or a whole number; other fields (`phone`, `items`) are kept here
 * and bounded when the order is kept as sent (`as-sent.ts`).
 */
export const orderInputSchema = z
  .looseObject(
    {
      store: storeNameSchema,
      orderId: orderIdInput,
      orderID: orderIdInput,
      id: orderIdInput,
      customer: schemaOf(customerRule),
      address: schemaOf(addressRule),
    },
    { error: expecting('an order { store, orderId, customer, address }') },
  )
  .refine((o) => (o.orderId ?? o.orderID ?? o.id) !== undefined, {
    message: 'required, a string or a whole number (orderId, orderID or id)',
    path: ['orderId'],
  });
type OrderInput = z.output<typeof orderInputSchema>;

/** The normalised order: one id, known keys only, a fresh object. */
export function toOrder(o: OrderInput): Order {
  return { store: o.store, orderId: (o.orderId ?? o.orderID ?? o.id)!, customer: o.customer, address: o.address };
}

export const orderSchema = orderInputSchema.transform(toOrder);

/**
 * The envelope as clients send it. `event` and `queueId` are informative only: the hub sets both
 * from the event it received (lab drivers send `in-transit` with `event: 'pickup'`). A missing
 * `messageId` defaults to the order id, as classroom clients use one for the other.
 */
export const envelopeInputRule = shape({
  event: optional(label(LIMITS.event)),
  messageId: optional(idRule),
  queueId: optional(label(LIMITS.name)),
  clientId: optional(label(LIMITS.name)),
  order: lenient(canonicalOrderRule, orderInputSchema),
  driver: optional(nameRule),
  postedAt: optional(count),
});

/** What a delivery event's payload normalises to; `toEnvelope` completes it into an `Envelope`. */
export type EnvelopeInput = {
  messageId: string;
  order: Order;
  driver?: string;
  postedAt?: number;
  /** A classroom producer's payload, when the envelope does not reproduce it (see `Envelope`). */
  asSent?: AsSent;
};

/**
 * Builds the normalised input from an accepted one: fresh objects, known keys only, in this order
 * (`messageId`, `order`, then `driver` and `postedAt` only when defined). Both parsers end here.
 */
export function toEnvelopeInput(e: Output<typeof envelopeInputRule>): EnvelopeInput {
  const order = toOrder(e.order);
  const value: EnvelopeInput = { messageId: e.messageId ?? order.orderId, order };
  if (e.driver !== undefined) value.driver = e.driver;
  if (e.postedAt !== undefined) value.postedAt = e.postedAt;
  return value;
}

export const envelopeInputSchema = schemaOf(envelopeInputRule).transform(toEnvelopeInput);

/**
 * A payload that names one thing: the bare string, `{ [key] }`, or `{ [alias] }` (a classroom
 * spelling) when `key` is absent. Read as `{ [key] }`, so every error names `key`; `expected` words
 * a payload of the wrong type.
 */
function oneField<T>(key: string, alias: string, schema: z.ZodType<T>, expected: string): z.ZodType<T> {
  return z
    .preprocess(
      (data) => {
        if (typeof data === 'string') return { [key]: data };
        if (isPlainObject(data) && data[key] === undefined && data[alias] !== undefined) return { [key]: data[alias] };
        return data;
      },
      z.object({ [key]: schema }, { error: expecting(expected) }),
    )
    .transform((r) => r[key] as T);
}

/** `getAll`: `{ queueId }`, `{ clientId }`, or the bare queue name. */
export const getAllSchema = oneField('queueId', 'clientId', queueIdSchema, '{ queueId } or a queue name');

/**
 * `received`: `{ queueId, messageId }`, `clientId` for `queueId`, or a whole echoed envelope, in
 * which case a missing `messageId` falls back to the order id.
 */
export const receivedSchema = z
  .object({
    queueId: queueIdSchema.optional(),
    clientId: queueIdSchema.optional(),
    messageId: idSchema.optional(),
    order: z.object({ orderId: orderIdInput, orderID: orderIdInput, id: orderIdInput }).optional(),
  })
  .transform((r) => ({
    queueId: r.queueId ?? r.clientId,
    messageId: r.messageId ?? r.order?.orderId ?? r.order?.orderID ?? r.order?.id,
  }))
  .refine((r) => r.queueId !== undefined, { message: 'required, "driver" or a store name', path: ['queueId'] })
  .refine((r) => r.messageId !== undefined, { message: 'required, the message id (or the whole envelope)', path: ['messageId'] })
  .transform((r) => ({ queueId: r.queueId!, messageId: r.messageId! }));

/** One queue entry, as an admin names it: `{ queueId, messageId }`. */
export const entryKeySchema = z.object({ queueId: queueIdSchema, messageId: idSchema });

/** `claim`: `{ messageId }`, the pickup's message id. */
export const claimRule = shape({ messageId: idRule });
export const toClaim = (claim: Output<typeof claimRule>): string => claim.messageId;
export const claimSchema = schemaOf(claimRule).transform(toClaim);

/** `join`: a store name as a plain string, `{ store }` or `{ storeName }`. */
export const joinSchema = oneField('store', 'storeName', storeNameSchema, 'a store name, { store } or { storeName }');

/** Builds the envelope the hub stores and sends, from validated input and the event it arrived as. */
export function toEnvelope(input: EnvelopeInput, event: Envelope['event'], queueId: string): Envelope {
  return { event, queueId, ...input };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: string[] };

/**
 * Parses `data` with `schema`, turning zod's issues into one line each that names the field and
 * what was expected (see `issues.ts`). Never throws.
 */
export function parse<T>(schema: z.ZodType<T>, data: unknown): Parsed<T> {
  const result = schema.safeParse(data, { error: explainIssue });
  if (result.success) return { ok: true, value: result.data };
  const where = (issue: z.core.$ZodIssue): string => (issue.path.length ? issue.path.join('.') : '(payload)');
  // zod still measures a value of the wrong type (an array's length against a string's minimum):
  // the type is the mistake, so a field with a type error says only that.
  const wrongType = new Set(result.error.issues.filter((i) => i.code === 'invalid_type').map(where));
  return {
    ok: false,
    issues: result.error.issues.filter((i) => i.code === 'invalid_type' || !wrongType.has(where(i))).map((i) => `${where(i)}: ${i.message}`),
  };
}
