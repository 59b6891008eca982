/**
 * A consumer that keeps timing out, at a real hub: it becomes a suspect, which the hub's log, the
 * dashboard's port and /metrics all show, and an honest driver gets the work. The broker's own
 * tests (broker.test.ts) count the timeouts with a fake clock; here the hub's short ack timeout
 * is only what makes the suspect appear soon, and the test waits for the event, not for time.
 */
import { dashboardPort } from '../../src/hub/dashboard-port';
import { rawDriver } from '../helpers/raw-clients';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

it('makes a driver that never claims a suspect, shown in the log, on the dashboard and in /metrics; an honest driver delivers', async () => {
  const log = new CapturingLogger();
  const hub = await t.hub({ delivery: { ackTimeoutMs: 1000, suspectAfter: 2, maxAttempts: 1 } }, log.logger);
  const idle = rawDriver(t, hub, 'idle-driver', 5);
  await waitFor(idle, 'connect');
  const vendor = t.vendor(hub, 'acme-widgets');
  const posted = await Promise.all([vendor.post(), vendor.post()]);
  const [suspect] = await waitFor(hub.activity, 'session', (session, change) => change === 'changed' && session.info().suspect);
  expect(suspect.info()).toMatchObject({ clientId: 'idle-driver', suspect: true });
  expect(dashboardPort(hub).session(suspect.info().socketId)).toMatchObject({ suspect: true });
  expect(log.lines).toContainEqual(expect.objectContaining({ level: 40, consumer: 'idle-driver', queue: 'driver' }));
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  expect(metrics).toContain(`\ncaps_suspect_consumers{hub="${hub.id}"} 1\n`);
  expect(metrics).toContain(`\ncaps_suspects_total{role="driver",hub="${hub.id}"} 1\n`);

  // maxAttempts is 1, yet nothing was dead-lettered: the idle driver's timeouts did not count.
  const thanked = new Set<string>();
  vendor.on('thanked', (notice) => thanked.add(notice.messageId));
  t.driver(hub, 'honest-driver');
  await until(vendor, ['thanked'], () => posted.every((p) => thanked.has(p.messageId)), 'both orders delivered by the honest driver');
  expect(await hub.store.deadLetters()).toEqual([]);
});
