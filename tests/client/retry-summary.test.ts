/** Retries are told as one line per period, whatever their number. */
import { RetrySummary } from '../../src/client/retry-summary';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('sums the retries of a period in one line, by reason', () => {
  const lines: string[] = [];
  const retries = new RetrySummary((line) => lines.push(line), 5000);
  for (let i = 0; i < 40; i++) retries.add('timeout');
  retries.add('queue_full');
  jest.advanceTimersByTime(4999);
  expect(lines).toEqual([]);
  jest.advanceTimersByTime(1);
  expect(lines).toEqual(['retried 41 sends (timeout 40, queue_full 1); still trying']);

  // A quiet period says nothing; close prints what is left.
  jest.advanceTimersByTime(60_000);
  retries.add('unavailable');
  retries.close();
  expect(lines).toEqual(['retried 41 sends (timeout 40, queue_full 1); still trying', 'retried 1 send (unavailable 1); still trying']);
  expect(jest.getTimerCount()).toBe(0);
});
