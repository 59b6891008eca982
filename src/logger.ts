/**
 * Every CAPS process logs through pino. `LOG_FORMAT=pretty` (the default) prints one readable line
 * per entry, `LOG_FORMAT=json` one JSON object per line for machines.
 *
 * Lines that the lab (and our tests) read as text, such as `EVENT: {…}` or
 * `DRIVER: delivered <id>`, are the log message itself, so they read the same in both formats.
 *
 * Whatever a call site passes, message or fields, goes through `safeText`/`safeValue` here, once:
 * control and bidi characters are escaped, long strings cut, and no value can make logging throw.
 */
import type { Writable } from 'node:stream';
import pino, { type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config';
import { safeText, safeValue } from './safe-text';

export type { Logger } from 'pino';

/** The colour of an `EVENT:` line on a terminal, by event kind (event-log.ts writes the lines). */
const EVENT_COLOURS = { pickup: 'cyan', 'in-transit': 'yellow', delivered: 'green' } as const;
const EVENT_KIND = /^EVENT: \{ event: '([^']*)'/;

/** Makes every argument of a log call safe to print (see safe-text.ts). */
const safeArgs: NonNullable<LoggerOptions['hooks']>['logMethod'] = function (args, method) {
  const safe = args.map((arg) => (typeof arg === 'string' ? safeText(arg, 2000) : safeValue(arg))) as Parameters<typeof method>;
  return method.apply(this, safe);
};

/**
 * A process's logger. `destination` (default: stdout) lets a test read the lines; `colour`
 * (default: whether stdout is a terminal) colours pretty lines.
 */
export function createLogger(options: { name: string; format: LogFormat; level: LogLevel; destination?: Writable; colour?: boolean }): Logger {
  const base: LoggerOptions = {
    level: options.level,
    name: options.name,
    base: undefined,
    hooks: { logMethod: safeArgs },
    formatters: { bindings: (bindings) => safeValue(bindings) as Record<string, unknown> },
  };
  if (options.format === 'json') return pino(base, options.destination ?? pino.destination({ sync: true }));
  // Synchronous, so that a line is out before a crash or an exit, and lines keep their order.
  const stream = pretty({
    sync: true,
    colorize: options.colour ?? process.stdout.isTTY === true,
    ...(options.destination ? { destination: options.destination } : {}),
    ignore: 'name',
    // `[10:00:00]: ` for information, `[10:00:00] WARN: ` for what needs a look: a short prefix
    // leaves an EVENT line 88 of a terminal's 100 columns (event-log.ts).
    translateTime: 'HH:MM:ss',
    customPrettifiers: { level: (_level, _key, _log, { label, labelColorized }) => (label === 'INFO' ? '' : labelColorized) },
    // Fields on the same line as the message: a connect or a refusal is one line, not a block.
    singleLine: true,
    messageFormat: (log, messageKey, _level, { colors }) => {
      const message = String(log[messageKey] ?? '');
      const kind = EVENT_KIND.exec(message)?.[1];
      if (kind === undefined) return message;
      const colour = EVENT_COLOURS[kind as keyof typeof EVENT_COLOURS];
      return colour ? colors[colour](message) : colors.gray(message);
    },
  });
  return pino(base, stream);
}
