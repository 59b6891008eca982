/**
 * The hub's event log, a lab requirement: one line for every event a client sends, with the event
 * name, a timestamp and the payload:
 *
 *   EVENT: { event: 'pickup', time: 2026-11-21T10:00:00.000Z, payload: { … } }
 *
 * In JSON format the same facts are fields of the log object instead.
 */
import { inspect } from 'node:util';
import type { LogFormat } from '../config';
import type { Logger } from '../logger';

export type EventLog = (event: string, payload: unknown) => void;

export function createEventLog(logger: Logger, format: LogFormat): EventLog {
  if (format === 'json') {
    return (event, payload) => logger.info({ event, payload: summarise(payload) }, 'EVENT');
  }
  return (event, payload) => {
    // Formatting costs more than the rest of the hot path: skip it when the line would be dropped.
    if (!logger.isLevelEnabled('info')) return;
    const line = inspect({ event, time: new Date(), payload }, { depth: 4, breakLength: Infinity, maxStringLength: 200, maxArrayLength: 20 });
    logger.info(`EVENT: ${line}`);
  };
}

/** Keeps an oversized payload out of a JSON log line. */
function summarise(payload: unknown): unknown {
  const text = JSON.stringify(payload) ?? 'undefined';
  return text.length <= 4096 ? payload : `(${text.length} characters, not logged)`;
}
