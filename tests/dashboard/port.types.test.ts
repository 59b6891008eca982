/**
 * The dashboard's port: `tsc --noEmit` fails if its activity loosens (each `@ts-expect-error` below
 * would be unused), and Jest checks the runtime half: what comes out is plain data, and the
 * dashboard reaches the hub only through the port.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DashboardPort, QueuedMessage } from '../../src/dashboard/port';
import { dashboardPort } from '../../src/hub/dashboard-port';
import type { StoredMessage } from '../../src/queue/store';
import { setup, type TestContext } from '../helpers/setup';
import { until } from '../helpers/wait-for';

// Never called: these functions exist for the compiler.
export function listeners(port: DashboardPort): void {
  port.subscribe('acked', (key) => key.messageId);
  // @ts-expect-error: `acked` carries the message's key, not the message (the feed once typed it so)
  port.subscribe('acked', (message: StoredMessage) => message.envelope);
  // @ts-expect-error: nor the queued message
  port.subscribe('acked', (message: QueuedMessage) => message.envelope);
  port.subscribe('claimed', (message, owner) => `${owner} ${message.envelope.order.customer}`);
  // @ts-expect-error: a session is plain data, with no methods of the hub's session
  port.subscribe('session', (session) => session.setPaused(true));
  // @ts-expect-error: no such activity
  port.subscribe('enqueued', () => undefined);
}

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

it('reports sessions as plain data, and pauses through the port', async () => {
  const hub = await t.hub();
  const port = dashboardPort(hub);
  const changes: unknown[] = [];
  t.defer(port.subscribe('session', (session, change) => changes.push([session, change])));
  t.driver(hub, 'driver-1');
  await until(hub.activity, ['session'], () => port.sessions().some((s) => s.clientId === 'driver-1' && s.queues.length > 0), 'driver-1 consumes');
  const [session] = port.sessions();
  expect(Object.getPrototypeOf(session)).toBe(Object.prototype);
  expect(session).toMatchObject({ clientId: 'driver-1', role: 'driver', classroom: false, queues: ['driver'], paused: false });
  expect(port.setPaused(session!.socketId, true)).toBe(true);
  expect(port.session(session!.socketId)?.paused).toBe(true);
  expect(port.setPaused('no-such-socket', true)).toBe(false);
  expect(changes).toContainEqual([expect.objectContaining({ clientId: 'driver-1', paused: true }), 'changed']);
});

it('is the only way from the dashboard to the hub: no dashboard file imports the hub or the store', () => {
  const dir = join(__dirname, '../../src/dashboard');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(10);
  const offending = files.filter((f) => /from '(\.\.\/)+(hub|queue)\//.test(readFileSync(join(dir, f), 'utf8')));
  expect(offending).toEqual([]);
});
