/**
 * A hand-written fast path in front of two of the zod schemas in `schemas.ts`: the envelope every
 * `pickup`, `in-transit` and `delivered` event carries (`envelopeInputSchema`) and the `claim`
 * payload (`claimSchema`).
 *
 * Why it exists: CPU profiles of a busy hub put zod's `safeParse` of `envelopeInputSchema` at about
 * 6% of the hub's busy time. It runs once per delivery event (three per package) and `claimSchema`
 * once per claim, and almost every one of those payloads is already in the canonical shape our own
 * clients send: a plain object of trimmed strings within their limits. Checking that shape by hand
 * costs a handful of type tests and length comparisons; zod walks its schema tree, builds issue
 * arrays and runs a pipe of checks and transforms for each field.
 *
 * The rule: **accept only what zod provably accepts, with an identical result; defer everything
 * else to zod.** zod stays the single source of truth for what is accepted, how it is normalised
 * and what the error messages say. The fast path never produces an error: when it is not sure,
 * it returns `undefined` and the caller runs `parse(schema, data)` from `schemas.ts`. So the fast
 * path may be as narrow as we like (refusing a case only costs speed), but it must never accept an
 * input zod would refuse or normalise differently. What it accepts, and why that matches zod:
 *
 * - An object as zod's `z.object` sees one (`typeof 'object'`, not null, not an array), further
 *   narrowed to plain objects (prototype `Object.prototype` or `null`), which is what Socket.IO's
 *   decoder produces. Unknown keys are ignored, as zod strips them (including an own `__proto__`
 *   from `JSON.parse`, which zod skips too).
 * - Strings that are primitive strings and *need no normalising*: no leading or trailing
 *   whitespace as `String.prototype.trim` defines it, so zod's `.trim()` returns them unchanged,
 *   and then `.min(1)` / `.max(limit)` measure the same `length` we measure. Strings zod does not
 *   trim (`event`, `queueId`, `clientId`) are checked for type and length only, as zod does.
 * - The store name tested with the very regex zod uses (`STORE_NAME_PATTERN`) and refused if it is
 *   the driver queue's name in any case, as the schema's refinement does. Limits come from
 *   `LIMITS`; nothing is duplicated.
 * - `postedAt` absent/undefined, or a number zod's `z.number().int().nonnegative()` accepts:
 *   zod 4's `int()` demands `Number.isSafeInteger` (so no NaN, no Infinity, nothing at or beyond
 *   2^53), and `nonnegative()` is `>= 0` (so `-0` passes, and is passed on as is).
 * - Optional fields absent or `undefined` (zod's `.optional()` accepts both, and the schema's
 *   transform drops an `undefined` `driver`/`postedAt`); `null` or any other type goes to zod.
 *
 * The result is built exactly as the schema's transforms build it: `orderId ?? orderID` (both are
 * validated when present, as zod validates both), `messageId` defaulting to that order id, and the
 * same keys in the same order: `messageId`, `order { store, orderId, customer, address }`, then
 * `driver` and `postedAt` only when defined. Objects are always fresh, never the caller's.
 *
 * Each field is read once, in the order zod reads them (its shape order), so even an accessor
 * property would see the same sequence of reads under either path. Proxies are out of scope:
 * nothing a client sends over Socket.IO can be one.
 */
import { DRIVER_QUEUE } from './envelope';
import { claimSchema, envelopeInputSchema, LIMITS, parse, STORE_NAME_PATTERN, type EnvelopeInput, type Parsed } from './schemas';

/** Parses a delivery event's envelope: the same result as `parse(envelopeInputSchema, data)`. */
export function parseEnvelopeInput(data: unknown): Parsed<EnvelopeInput> {
  const value = fastEnvelopeInput(data);
  return value === undefined ? parse(envelopeInputSchema, data) : { ok: true, value };
}

/** Parses a `claim` payload: the same result as `parse(claimSchema, data)`. */
export function parseClaim(data: unknown): Parsed<string> {
  const value = fastClaim(data);
  return value === undefined ? parse(claimSchema, data) : { ok: true, value };
}

/**
 * The envelope fast path on its own: the parsed envelope when `data` is in the canonical shape,
 * `undefined` when zod has to decide. Exported so the tests can see which path an input took.
 */
export function fastEnvelopeInput(data: unknown): EnvelopeInput | undefined {
  if (!isPlainObject(data)) return undefined;
  // Shape order, as zod reads them: event, messageId, queueId, clientId, order, driver, postedAt.
  const event = data['event'];
  // 32: the schema's own literal for `event` (not in LIMITS); the tests pin it at and over 32.
  if (event !== undefined && !(typeof event === 'string' && event.length <= 32)) return undefined;
  const messageId = data['messageId'];
  if (messageId !== undefined && !isCanonical(messageId, LIMITS.id)) return undefined;
  const queueId = data['queueId'];
  if (queueId !== undefined && !(typeof queueId === 'string' && queueId.length <= LIMITS.name)) return undefined;
  const clientId = data['clientId'];
  if (clientId !== undefined && !(typeof clientId === 'string' && clientId.length <= LIMITS.name)) return undefined;

  const order = data['order'];
  if (!isPlainObject(order)) return undefined;
  const store = order['store'];
  if (!isCanonical(store, LIMITS.name) || !STORE_NAME_PATTERN.test(store) || isDriverQueue(store)) return undefined;
  const orderId = order['orderId'];
  if (orderId !== undefined && !isCanonical(orderId, LIMITS.id)) return undefined;
  const orderID = order['orderID'];
  if (orderID !== undefined && !isCanonical(orderID, LIMITS.id)) return undefined;
  const customer = order['customer'];
  if (!isCanonical(customer, LIMITS.customer)) return undefined;
  const address = order['address'];
  if (!isCanonical(address, LIMITS.address)) return undefined;
  // `??`, as the schema: an undefined orderId falls back to orderID; both undefined is zod's error.
  const id = orderId ?? orderID;
  if (id === undefined) return undefined;

  const driver = data['driver'];
  if (driver !== undefined && !isCanonical(driver, LIMITS.name)) return undefined;
  const postedAt = data['postedAt'];
  if (postedAt !== undefined && !(typeof postedAt === 'number' && Number.isSafeInteger(postedAt) && postedAt >= 0)) {
    return undefined;
  }

  // Keys in the order the schema's transforms produce them.
  const value: EnvelopeInput = { messageId: messageId ?? id, order: { store, orderId: id, customer, address } };
  if (driver !== undefined) value.driver = driver;
  if (postedAt !== undefined) value.postedAt = postedAt;
  return value;
}

/** The claim fast path on its own: the message id, or `undefined` when zod has to decide. */
export function fastClaim(data: unknown): string | undefined {
  if (!isPlainObject(data)) return undefined;
  const messageId = data['messageId'];
  return isCanonical(messageId, LIMITS.id) ? messageId : undefined;
}

/**
 * An object zod's `z.object` accepts (not null, not an array), narrowed to plain objects. Index
 * signature rather than `Record<string, unknown>` so reads are `unknown`, never assumed present.
 */
function isPlainObject(value: unknown): value is { readonly [key: string]: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A string zod's `z.string().trim().min(1).max(max)` returns unchanged: non-empty, within `max`,
 * and with nothing for `trim` to remove at either end.
 */
function isCanonical(value: unknown, max: number): value is string {
  if (typeof value !== 'string') return false;
  const length = value.length;
  if (length === 0 || length > max) return false;
  // Printable ASCII (0x21-0x7e) is never whitespace to trim; for any other end character, ask trim
  // itself (trim only removes, so an unchanged length means an unchanged string).
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(length - 1);
  if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f) return true;
  return value.trim().length === length;
}

/**
 * The store schema's refinement: the driver queue's name, in any case, is not a store. Called after
 * the regex, so `store` is ASCII and lower-casing keeps its length: the length test is a shortcut.
 */
function isDriverQueue(store: string): boolean {
  return store.length === DRIVER_QUEUE.length && store.toLowerCase() === DRIVER_QUEUE;
}
