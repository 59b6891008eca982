/**
 * The hub's event log, a lab requirement: one line for every event a client sends, with the event
 * name and the payload:
 *
 *   [10:00:00]: EVENT: { event: 'pickup', time: 10:00:00.123, payload: { orderId: '7f3a9c2e…', cus…
 *
 * In pretty format each line fits a terminal of 100 columns: the payload is shown compactly (an
 * envelope by its order's fields, the order id and customer first, long strings and ids cut) and
 * the lab's `time` field is the time of day, to the millisecond (the date is the terminal's).
 * logger.ts colours it by event kind on a terminal. In JSON format the same facts are fields of
 * the log object instead (`event`, `payload`, and pino's `time`), complete up to logger.ts's
 * bounds on strings and depth.
 *
 * Neither format can throw, whatever the payload: logger.ts copies every logged value to a bounded
 * depth and size before pino serialises it, and the compact form here is bounded the same way.
 */
import type { LogFormat } from '../config';
import type { Logger } from '../logger';
import { safeText } from '../safe-text';

/** Logs one incoming event. */
export type EventLog = (event: string, payload: unknown) => void;

/** Why the hub refused an event, as its ack says it. */
export interface Refusal {
  code: string;
  message: string;
}

/** The event log, plus a one-line refusal for an event the hub would not take. */
export interface HubEventLog extends EventLog {
  /**
   * Logs `event` as refused, on one line, at warn: the event, the error code and message, and the
   * payload in the same compact form as an `EVENT:` line. Use it instead of the `EVENT:` line for
   * a refused event, so that a refusal never looks like a success.
   */
  refused(event: string, payload: unknown, error: Refusal): void;
}

/** Columns a pretty line may take after logger.ts's `[HH:MM:ss]: ` prefix (100 in all). */
const MESSAGE_COLUMNS = 88;
/** Characters of one string shown in the pretty form; of an id (a key ending in `id`), fewer. */
const STRING_CHARS = 24;
const ID_CHARS = 8;
const IS_ID = /id$/i;
/** The fields a reader looks for first, in this order; the rest follow as they came. */
const FIRST_KEYS = ['orderId', 'orderID', 'id', 'customer', 'driver', 'store'];
const COMPACT_DEPTH = 3;
const COMPACT_ITEMS = 8;

export function createEventLog(logger: Logger, format: LogFormat): HubEventLog {
  if (format === 'json') {
    const log: EventLog = (event, payload) => {
      // Copying the payload costs more than the rest of the hot path: skip it when the line would be dropped.
      if (logger.isLevelEnabled('info')) logger.info({ event, payload }, 'EVENT');
    };
    return Object.assign(log, {
      refused: (event: string, payload: unknown, error: Refusal) => {
        if (logger.isLevelEnabled('warn')) logger.warn({ event, payload, error }, refusal(event, error));
      },
    });
  }
  const log: EventLog = (event, payload) => {
    if (logger.isLevelEnabled('info')) logger.info(fit(`EVENT: { event: ${quote(event)}, time: ${timeOfDay()}, payload: ${compact(display(payload), 0)} }`));
  };
  return Object.assign(log, {
    refused: (event: string, payload: unknown, error: Refusal) => {
      if (!logger.isLevelEnabled('warn')) return;
      logger.warn(`${refusal(event, error)} ${fit(`{ payload: ${compact(display(payload), 0)} }`)}`);
    },
  });
}

/** A refusal's message, in both formats: `refused getAll: getAll expects { queueId } [invalid_payload]`. */
function refusal(event: string, error: Refusal): string {
  return `refused ${safeText(event, 64)}: ${safeText(error.message, 200)} [${safeText(error.code, 40)}]`;
}

/** The lab's `time` field, short enough for a terminal line: `10:00:00.123` (UTC, as the lab's ISO stamp). */
function timeOfDay(): string {
  return new Date().toISOString().slice(11, 23);
}

/** An envelope is shown by its order's fields (and the reporting driver): what a reader looks for. */
function display(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  const { order, driver } = payload as { order?: unknown; driver?: unknown };
  if (typeof order !== 'object' || order === null || Array.isArray(order)) return payload;
  return driver === undefined ? order : { ...order, driver };
}

/** `text` cut to the line's width. */
function fit(text: string): string {
  return text.length <= MESSAGE_COLUMNS ? text : `${text.slice(0, MESSAGE_COLUMNS - 1)}…`;
}

function quote(text: string, max = STRING_CHARS): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return `'${safeText(cut).replace(/'/g, "\\'")}'`;
}

/** A short, one-line, JavaScript-like rendering of `value`, bounded in depth and items. */
function compact(value: unknown, depth: number): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value !== 'object' || value === null) return typeof value === 'symbol' ? '[symbol]' : String(value);
  if (depth >= COMPACT_DEPTH) return Array.isArray(value) ? '[…]' : '{…}';
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, COMPACT_ITEMS).map((item) => compact(item, depth + 1));
      if (value.length > COMPACT_ITEMS) items.push('…');
      return `[ ${items.join(', ')} ]`;
    }
    const own = Object.keys(value);
    const keys = [...FIRST_KEYS.filter((key) => own.includes(key)), ...own.filter((key) => !FIRST_KEYS.includes(key))];
    const fields = keys.slice(0, COMPACT_ITEMS).map((key) => {
      const field = (value as Record<string, unknown>)[key];
      return `${safeText(key, STRING_CHARS)}: ${typeof field === 'string' && IS_ID.test(key) ? quote(field, ID_CHARS) : compact(field, depth + 1)}`;
    });
    if (keys.length > COMPACT_ITEMS) fields.push('…');
    return fields.length ? `{ ${fields.join(', ')} }` : '{}';
  } catch {
    return '[unreadable]';
  }
}
