/**
 * A consumer's standing on its own, on Jest's fake timers: when it becomes a suspect, when its
 * probation starts, how the wait grows, and what clears it. The broker's tests cover how dispatch
 * uses the allowance.
 */
import type { Consumer } from '../../src/hub/consumer';
import { Standings } from '../../src/hub/consumer-standing';

const policy = { suspectAfter: 3, probationMs: 1_000 };
const consumer = (id: string): Consumer => ({ id, queueId: 'driver', prefetch: 10, deliver: () => undefined });

let probations: string[];
let standings: Standings;
beforeEach(() => {
  jest.useFakeTimers();
  probations = [];
  standings = new Standings(policy, (c) => probations.push(c.id));
});
afterEach(() => {
  standings.close();
  jest.useRealTimers();
});

it('trusts a consumer it knows nothing of with its prefetch, and does not count its failures', () => {
  const d = consumer('d1');
  expect(standings.allowance(d)).toBe(10);
  expect(standings.hasAcknowledged(d)).toBe(false);
  expect(standings.timedOut(d)).toBeUndefined();
  expect(standings.hasAcknowledged(d)).toBe(false);
  expect(standings.acknowledged(d)).toBe(false);
  expect(standings.hasAcknowledged(d)).toBe(true);
});

it('makes a suspect of suspectAfter timeouts in a row, and an acknowledgement resets the count', () => {
  const d = consumer('d1');
  standings.timedOut(d);
  standings.timedOut(d);
  standings.acknowledged(d);
  standings.timedOut(d);
  expect(standings.timedOut(d)).toBeUndefined();
  expect(standings.timedOut(d)).toEqual({ timeouts: 3, probationInMs: 1_000 });
  expect(standings.isSuspect(d)).toBe(true);
  expect(standings.allowance(d)).toBe(0);
  expect(standings.suspects()).toBe(1);
  expect(standings.timedOut(d)).toBeUndefined(); // already one
});

it('puts a suspect on probation after probationMs: one message, and its acknowledgement clears it', () => {
  const d = consumer('d1');
  for (let i = 0; i < 3; i++) standings.timedOut(d);
  jest.advanceTimersByTime(999);
  expect(probations).toEqual([]);
  jest.advanceTimersByTime(1);
  expect(probations).toEqual(['d1']);
  expect(standings.isSuspect(d)).toBe(false);
  expect(standings.allowance(d)).toBe(1);
  expect(standings.acknowledged(d)).toBe(true);
  expect(standings.allowance(d)).toBe(10);
  expect(standings.suspects()).toBe(0);
});

it('doubles the wait for each failed probation, up to 64 times the first', () => {
  const d = consumer('d1');
  const waits: number[] = [];
  for (let i = 0; i < 3; i++) standings.timedOut(d);
  waits.push(1_000);
  for (let strike = 2; strike <= 9; strike++) {
    jest.advanceTimersByTime(waits.at(-1)!);
    expect(standings.allowance(d)).toBe(1);
    waits.push(standings.timedOut(d)!.probationInMs); // one timeout on probation is enough
  }
  expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 64_000, 64_000]);
  expect(probations).toHaveLength(8);
});

it('forgets a consumer that detaches, with its probation timer', () => {
  const d = consumer('d1');
  for (let i = 0; i < 3; i++) standings.timedOut(d);
  standings.forget(d);
  jest.advanceTimersByTime(10_000);
  expect(probations).toEqual([]);
  expect(standings.allowance(d)).toBe(10);
  expect(standings.hasAcknowledged(d)).toBe(false);
});
