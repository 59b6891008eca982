/**
 * The checker's parts without sockets: the timeout that turns silence into a failed requirement
 * (on a clock the test controls), grading, the report card, and reading the lab's shapes.
 */
import { answerWithin, grade, Shortfall } from '../../src/check/requirement';
import { formatReportCard, reportCard } from '../../src/check/report-card';
import { flatOrderSchema, issuesOf, joinedStore, orderIdFor, queueNamed, shapeProblem } from '../../src/check/lab-shapes';

describe('answerWithin', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fails with "no answer in N s: <what>" when nothing answers', async () => {
    const silence = answerWithin(new Promise<never>(() => undefined), 5000, 'getAll');
    jest.advanceTimersByTime(4999);
    await Promise.resolve();
    const outcome = silence.then(() => 'answered', (err: Error) => `${err.name}: ${err.message}`);
    jest.advanceTimersByTime(1);
    expect(await outcome).toBe('Shortfall: no answer in 5 s: getAll');
  });

  it('resolves with the answer, and clears its timer', async () => {
    await expect(answerWithin(Promise.resolve(42), 1500, 'x')).resolves.toBe(42);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('grade and the report card', () => {
  it('grades each requirement in turn, a throw failing only that one', async () => {
    const results = await grade(
      [
        { id: 'a', title: 'first', check: async () => 'saw it' },
        { id: 'b', title: 'second', check: async () => Promise.reject(new Shortfall('nope')) },
        { id: 'c', title: 'third', check: async () => 'fine' },
      ],
      {},
    );
    const card = reportCard({ subject: 'hub', target: 'http://localhost:3001', phase: 2, phaseSource: 'given with --phase', requirements: results, notes: ['a note'] });
    expect(card.passed).toBe(false);
    expect(formatReportCard(card)).toBe(
      [
        'CAPS check: hub http://localhost:3001 (phase 2, given with --phase)',
        '  PASS  a  first',
        '           saw it',
        '  FAIL  b  second',
        '           nope',
        '  PASS  c  third',
        '           fine',
        '  note: a note',
        '2 of 3 requirements passed: FAIL',
      ].join('\n'),
    );
  });
});

describe('the lab shapes', () => {
  const order = { store: 'acme', orderId: 'o-1', customer: 'Ada', address: '1 Main St' };

  it('reads the id as each phase reads it', () => {
    expect(orderIdFor(2, { ...order, orderId: undefined, orderID: 'o-1' })).toBe('o-1');
    expect(orderIdFor(2, { store: 'acme', id: 7 })).toBe('7');
    expect(orderIdFor(3, { messageId: 'o-1', order })).toBe('o-1');
    expect(orderIdFor(2, { messageId: 'o-1', order })).toBeUndefined();
  });

  it('says why a payload does not read as the order', () => {
    expect(shapeProblem(2, { event: 'pickup', time: 'now', payload: order }, 'o-1')).toMatch(/wrapped in \{ event, time, payload \}/);
    expect(shapeProblem(2, { messageId: 'o-1', order }, 'o-1')).toMatch(/as a phase-3 envelope/);
    expect(shapeProblem(3, order, 'o-1')).toMatch(/as a flat order/);
  });

  it('accepts every classroom spelling, and names what is missing', () => {
    expect(issuesOf(flatOrderSchema, { ...order, orderId: undefined, orderID: 12, phone: '555' })).toEqual([]);
    expect(issuesOf(flatOrderSchema, { store: 'acme', customer: 'Ada', address: 'x' })).toEqual(['orderId: an order id is required (orderId, orderID or id)']);
    expect([joinedStore('acme'), joinedStore({ storeName: 'acme' }), joinedStore({ store: 'acme' }), joinedStore({})]).toEqual(['acme', 'acme', 'acme', undefined]);
    expect([queueNamed({ queueId: 'driver' }), queueNamed({ clientId: 'acme' }), queueNamed('acme')]).toEqual(['driver', 'acme', 'acme']);
  });
});
