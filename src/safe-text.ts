/**
 * Text from clients made safe to print. Every CAPS log line goes through here once, at the logger
 * (logger.ts), so no call site has to remember it:
 *
 * - control characters (C0, DEL, C1: ANSI escapes, CR/LF, backspace) and Unicode's bidi and line
 *   controls (U+202E and friends) are shown as visible escapes, so a client cannot forge a log
 *   line, recolour a terminal or reverse the text around it;
 * - long strings are cut, so one 900 KB event name costs a line, not megabytes;
 * - values are copied to a bounded depth and size, so no payload (6,000 levels deep, cyclic,
 *   with throwing getters) can make a log call throw.
 */

/** Characters that change how a terminal shows the text around them. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The most characters of one string a log line shows. */
const MAX_LOGGED_CHARS = 300;
/** How deep into a logged object the copy goes; deeper values are shown as `[…]`. */
const MAX_LOGGED_DEPTH = 8;
/** The most keys of one object, or items of one array, a log line shows. */
const MAX_LOGGED_ITEMS = 50;

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every unsafe character escaped, and cut to `max` characters (saying how long it was). */
export function safeText(text: string, max = MAX_LOGGED_CHARS): string {
  // Cut first, so that a huge string is never scanned whole.
  const cut = text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
  return cut.replace(UNSAFE, escapeChar);
}

/**
 * A copy of `value` that is safe to log: strings through {@link safeText}, bounded in depth and
 * size, errors as `{ type, message, stack }`. Never throws.
 */
export function safeValue(value: unknown, depth = 0): unknown {
  switch (typeof value) {
    case 'string':
      return safeText(value);
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return safeText(value.toString());
    case 'function':
      return '[function]';
  }
  if (value === null || value === undefined) return value;
  if (depth >= MAX_LOGGED_DEPTH) return '[…]';
  try {
    if (value instanceof Error) return safeError(value, depth);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_LOGGED_ITEMS).map((item) => safeValue(item, depth + 1));
      if (value.length > MAX_LOGGED_ITEMS) items.push(`… ${value.length - MAX_LOGGED_ITEMS} more`);
      return items;
    }
    const copy: Record<string, unknown> = {};
    const keys = Object.keys(value);
    for (const key of keys.slice(0, MAX_LOGGED_ITEMS)) {
      // defineProperty, not assignment: a `__proto__` key stays a plain key.
      Object.defineProperty(copy, safeText(key, 100), { value: safeValue((value as Record<string, unknown>)[key], depth + 1), enumerable: true, writable: true, configurable: true });
    }
    if (keys.length > MAX_LOGGED_ITEMS) copy['…'] = `${keys.length - MAX_LOGGED_ITEMS} more keys`;
    return copy;
  } catch {
    // A getter or a proxy that throws: the value is not worth the log line.
    return '[unreadable]';
  }
}

function safeError(err: Error, depth: number): Record<string, unknown> {
  const fields: Record<string, unknown> = { type: err.name, message: safeText(err.message) };
  // The stack is ours, not a client's, and worth its length; it is still escaped.
  if (err.stack) fields.stack = safeText(err.stack, 4000);
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) fields.code = safeValue(code, depth + 1);
  if (err.cause !== undefined) fields.cause = safeValue(err.cause, depth + 1);
  return fields;
}
