/**
 * Issue 10's starvation attacks, against a real hub with real sockets: consumers that take work
 * and sit on it. Ten drivers that never claim, and an anonymous client that repeats `getAll` for
 * the driver queue one ack timeout apart, used to push an honest driver's pickups into dead
 * letters. Each test says what the attacker was sent, and asserts that nothing was dead-lettered and
 * that the honest driver delivered every order. The broker's own tests (tests/hub/broker.test.ts)
 * count the same timeouts with a fake clock; here the hub's short ack timeout only makes them come
 * soon, and the tests wait for the broker's events, never for time.
 */
import type { Socket } from 'socket.io-client';
import type { Hub } from '../../src/hub/hub';
import type { Session } from '../../src/hub/session';
import type { Envelope } from '../../src/protocol/envelope';
import type { Vendor } from '../../src/vendor/vendor';
import { rawDriver } from '../helpers/raw-clients';
import { setup, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/** Posts `count` orders from `vendor`, and returns a promise that resolves once it has been thanked for all of them. */
async function postAndAwaitThanks(vendor: Vendor, count: number): Promise<() => Promise<void>> {
  const thanked = new Set<string>();
  vendor.on('thanked', (notice: Envelope) => thanked.add(notice.messageId));
  const posted = await Promise.all(Array.from({ length: count }, () => vendor.post()));
  return () => until(vendor, ['thanked'], () => posted.every((p) => thanked.has(p.messageId)), `all ${count} orders delivered and thanked`);
}

/** Resolves once nothing of the driver queue is in flight: what was sent has been answered or has timed out. */
function driverQueueDrained(hub: Hub): Promise<void> {
  const inFlight = () => hub.broker.snapshot().find((q) => q.queueId === 'driver')?.inFlight ?? 0;
  return until(hub.broker, ['redelivered', 'acked'], () => inFlight() === 0, 'the driver queue has nothing in flight');
}

it('ten drivers that never claim become suspects and are sent nothing more; an honest driver delivers every order, none dead-lettered', async () => {
  // A short probation: on a loaded machine the honest driver's acks can come late enough to make it a
  // suspect too, and its probation is what clears it.
  const hub = await t.hub({ delivery: { ackTimeoutMs: 500, maxAttempts: 3, suspectAfter: 3, probationMs: 1000 } });
  const idle = Array.from({ length: 10 }, (_, i) => rawDriver(t, hub, `idle-${i}`, 10));
  const sentToIdle = idle.map(() => new Set<string>());
  idle.forEach((socket, i) => socket.on('pickup', (pickup) => sentToIdle[i]!.add(pickup.messageId)));
  await Promise.all(idle.map((socket) => waitFor(socket, 'connect')));
  const suspects = new Set<string>();
  hub.activity.on('session', (session: Session) => {
    const info = session.info();
    if (info.suspect) suspects.add(info.clientId);
  });

  t.driver(hub, 'honest-driver');
  const vendor = t.vendor(hub, 'acme-widgets');
  await waitFor(vendor, 'connected');
  const allThanked = await postAndAwaitThanks(vendor, 100);
  await allThanked();

  expect(await hub.store.deadLetters()).toEqual([]);
  // The attackers were sent pickups (customers included) until each was a suspect, then nothing.
  expect(sentToIdle.some((ids) => ids.size > 0)).toBe(true);
  await until(hub.activity, ['session'], () => sentToIdle.every((ids, i) => ids.size === 0 || suspects.has(`idle-${i}`)), 'every idle driver that was sent work is a suspect');
  for (const [i, socket] of idle.entries()) expect([`idle-${i}`, socket.connected]).toEqual([`idle-${i}`, true]);
});

it("an anonymous getAll for the driver queue, repeated one ack timeout apart, gets at most PREFETCH, dead-letters nothing, and an honest driver delivers every order", async () => {
  const prefetch = 20;
  // No probation during the test: after its first round the attacker is sent nothing.
  const hub = await t.hub({ delivery: { prefetch, ackTimeoutMs: 300, maxAttempts: 2, suspectAfter: 3, probationMs: 600_000 } });
  const vendor = t.vendor(hub, 'acme-widgets');
  await waitFor(vendor, 'connected');
  const allThanked = await postAndAwaitThanks(vendor, 60);

  const attacker: Socket = t.labClient(hub);
  await waitFor(attacker, 'connect');
  const counts: number[] = [];
  for (let round = 0; round < 5; round++) {
    // Each round's pickups time out before the next getAll: one ack timeout apart, as the attack did.
    const answer = (await attacker.timeout(5000).emitWithAck('getAll', { queueId: 'driver' })) as { ok: true; count: number };
    expect(answer).toEqual({ ok: true, count: expect.any(Number) });
    counts.push(answer.count);
    await driverQueueDrained(hub);
  }
  // Never more than the prefetch; after its first round's timeouts it is a suspect, sent nothing more.
  expect(counts).toEqual([prefetch, 0, 0, 0, 0]);
  expect(await hub.store.deadLetters()).toEqual([]);

  t.driver(hub, 'honest-driver');
  await allThanked();
  expect(await hub.store.deadLetters()).toEqual([]);
});
