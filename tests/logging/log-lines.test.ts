/**
 * The logger and the hub's event log: every line is one line, safe to print, bounded in length,
 * and no payload can make logging throw.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { createEventLog } from '../../src/hub/event-log';
import type { LogFormat, LogLevel } from '../../src/config';

/** A logger whose output lines are kept. */
function capture(format: LogFormat, level: LogLevel = 'info', colour = false) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      callback();
    },
  });
  return { lines, logger: createLogger({ name: 'test', format, level, destination, colour }) };
}

const ESC = '\u001b';
const hostile = `${ESC}[31mred${ESC}[0m\r\nFAKE: forged line\u202eevil\u2066`;
/** Raw control or bidi characters, which must never reach a terminal from a client's text. */
const RAW_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** A payload nested `depth` levels deep, as one 12 KB frame can carry. */
const nested = (depth: number) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe.each<LogFormat>(['pretty', 'json'])('the %s logger', (format) => {
  it('escapes control and bidi characters in messages and fields, on one line', () => {
    const { lines, logger } = capture(format);
    logger.warn({ orderId: hostile, nested: { customer: hostile } }, `refused ${hostile}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(RAW_UNSAFE);
    expect(lines[0]).toContain('\\x1b[31mred');
    expect(lines[0]).toContain('\\u202e');
  });

  it('cuts a huge string to a few hundred characters', () => {
    const { lines, logger } = capture(format);
    logger.warn({ event: 'x'.repeat(900_000) }, 'y'.repeat(900_000));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(3000);
    expect(lines[0]).toContain('(900000 characters)');
  });

  it('logs any payload without throwing, however deep', () => {
    const { lines, logger } = capture(format);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const throwing = Object.defineProperty({}, 'boom', { enumerable: true, get: () => { throw new Error('getter'); } });
    const eventLog = createEventLog(logger, format);
    for (const payload of [nested(6000), cyclic, throwing, [nested(6000)], 10n, Symbol('s')]) {
      expect(() => eventLog('pickup', payload)).not.toThrow();
      expect(() => eventLog.refused('pickup', payload, { code: 'invalid_payload', message: hostile })).not.toThrow();
    }
    expect(lines).toHaveLength(12);
    for (const line of lines) expect(line).not.toMatch(RAW_UNSAFE);
  });
});

describe('the pretty event log', () => {
  const envelope = {
    event: 'pickup',
    messageId: '7f3a9c2e-1b2c-4d5e-8f90-0123456789ab',
    queueId: 'driver',
    order: { store: 'acme-widgets', orderId: '7f3a9c2e-1b2c-4d5e-8f90-0123456789ab', customer: 'Ada Lovelace', address: '12 Analytical Engine Road, London, LN 12345' },
    postedAt: 1_764_600_000_000,
  };

  it('writes one line of at most 100 columns, with the lab prefix and fields', () => {
    const { lines, logger } = capture('pretty');
    createEventLog(logger, 'pretty')('pickup', envelope);
    createEventLog(logger, 'pretty')('join', 'acme-widgets');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/EVENT: \{ event: 'pickup', time: \d\d:\d\d:\d\d\.\d{3}, payload: \{ orderId: '7f3a9c2e…', cus/);
    expect(lines[1]).toMatch(/EVENT: \{ event: 'join', time: \d\d:\d\d:\d\d\.\d{3}, payload: 'acme-widgets' \}$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('colours a line by event kind only when asked (on a terminal)', () => {
    const plain = capture('pretty', 'info', false);
    const coloured = capture('pretty', 'info', true);
    for (const { logger } of [plain, coloured]) {
      createEventLog(logger, 'pretty')('pickup', envelope);
      createEventLog(logger, 'pretty')('delivered', envelope);
    }
    expect(plain.lines.join('')).not.toContain(ESC);
    // cyan for a pickup, green for a delivery
    expect(coloured.lines[0]).toContain(`${ESC}[36mEVENT: { event: 'pickup'`);
    expect(coloured.lines[1]).toContain(`${ESC}[32mEVENT: { event: 'delivered'`);
  });

  it('logs a refusal as a refusal, on one line, with the reason', () => {
    const { lines, logger } = capture('pretty');
    createEventLog(logger, 'pretty').refused('getAll', {}, { code: 'invalid_payload', message: 'getAll expects { queueId }' });
    expect(lines).toEqual([expect.stringMatching(/refused getAll: getAll expects \{ queueId \} \[invalid_payload\] \{ payload: \{\} \}$/)]);
  });
});

describe('the JSON event log', () => {
  it('keeps every field of the payload', () => {
    const { lines, logger } = capture('json');
    const payload = { messageId: 'm-1', order: { store: 's', orderId: 'o-1', customer: 'Ada', address: '1 Way', phone: '555' } };
    createEventLog(logger, 'json')('pickup', payload);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'EVENT', event: 'pickup', payload });
  });

  it('does not read the payload when info is off', () => {
    const { lines, logger } = capture('json', 'warn');
    let reads = 0;
    const payload = Object.defineProperty({}, 'order', { enumerable: true, get: () => ++reads });
    createEventLog(logger, 'json')('pickup', payload);
    expect([reads, lines]).toEqual([0, []]);
  });
});
