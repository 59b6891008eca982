/**
 * Every CAPS process logs through pino. `LOG_FORMAT=pretty` (the default) prints readable lines,
 * `LOG_FORMAT=json` one JSON object per line for machines.
 *
 * Lines that the lab (and our tests) read as text, such as `EVENT: {…}` or
 * `DRIVER: delivered <id>`, are the log message itself, so they read the same in both formats.
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './config';

export type { Logger } from 'pino';

export function createLogger(options: { name: string; format: LogFormat; level: LogLevel }): Logger {
  const base = { level: options.level, name: options.name, base: undefined };
  if (options.format === 'json') return pino(base, pino.destination({ sync: true }));
  // Synchronous, so that a line is out before a crash or an exit, and lines keep their order.
  const stream = pretty({ sync: true, colorize: process.stdout.isTTY === true, ignore: 'name', translateTime: 'HH:MM:ss.l' });
  return pino(base, stream);
}
