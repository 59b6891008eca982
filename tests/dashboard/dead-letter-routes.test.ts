/** Inspecting and requeueing dead letters over HTTP. */
import { attachDashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import { HIDDEN } from '../../src/protocol/dashboard';
import type { Envelope } from '../../src/protocol/envelope';
import { rawVendor } from '../helpers/raw-clients';
import { DEFAULT_HUB_CONFIG } from '../../src/config';
import { setup, silentLogger, TEST_SECRET, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const pickup = (id: string): Envelope => ({ event: 'pickup', messageId: id, queueId: 'driver', order: { store: 'acme-widgets', orderId: id, customer: 'Ada', address: '1 Way' } });

it('lists dead letters and requeues one, for callers allowed to act', async () => {
  // Other sites' pages are refused at the hub's edge (tests/security); ALLOWED_ORIGINS lets this one reach the routes.
  const hub = await t.hub({ delivery: { maxAttempts: 1 }, trust: { ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET, allowedOrigins: ['http://evil.example'] } });
  const dashboard = attachDashboard(dashboardPort(hub), { token: 'sesame', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  const vendor = rawVendor(t, hub, 'acme-widgets');
  vendor.on('delivered', (_envelope, ack) => ack({ ok: false, retry: false }));
  const dead = waitFor(hub.broker, 'dead');
  await vendor.timeout(5000).emitWithAck('pickup', pickup('refused'));
  t.driver(hub, 'driver-1');
  await dead;

  const listed = await (await fetch(`${hub.url}/dead-letters?queue=acme-widgets`)).json();
  expect(listed).toMatchObject({ ok: true, deadLetters: [{ queueId: 'acme-widgets', messageId: 'refused', reason: 'rejected by consumer' }] });
  expect((await fetch(`${hub.url}/dead-letters?queue=a/b`)).status).toBe(400);
  // A page from another site may watch, so it sees them, with the customer hidden; the token shows all.
  const order = (headers: Record<string, string>) => fetch(`${hub.url}/dead-letters`, { headers }).then(async (res) => (await res.json()).deadLetters[0].envelope.order);
  expect(await order({ origin: 'http://evil.example' })).toEqual({ store: 'acme-widgets', orderId: 'refused', customer: HIDDEN, address: HIDDEN });
  expect(await order({ origin: 'http://evil.example', authorization: 'Bearer sesame' })).toMatchObject({ customer: 'Ada', address: '1 Way' });

  const requeue = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${hub.url}/dead-letters/requeue`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  expect((await requeue('not json')).status).toBe(400);
  expect((await requeue(JSON.stringify({ queueId: 'acme-widgets' }))).status).toBe(400);
  expect((await requeue(JSON.stringify({ queueId: 'acme-widgets', messageId: 'nope' }))).status).toBe(404);
  // A page from another (allowed) site, even on this machine, may not act; the token overrides that.
  const evil = { origin: 'http://evil.example' };
  expect((await requeue(JSON.stringify({ queueId: 'acme-widgets', messageId: 'refused' }), evil)).status).toBe(403);

  vendor.removeAllListeners('delivered');
  const again = waitFor<[Envelope, (r: { ok: true }) => void]>(vendor, 'delivered');
  const ok = await requeue(JSON.stringify({ queueId: 'acme-widgets', messageId: 'refused' }), { ...evil, authorization: 'Bearer sesame' });
  expect([ok.status, await ok.json()]).toEqual([200, { ok: true }]);
  const [envelope, ack] = await again;
  expect(envelope.messageId).toBe('refused');
  ack({ ok: true });
  expect(await (await fetch(`${hub.url}/dead-letters`)).json()).toEqual({ ok: true, deadLetters: [] });
});

it('answers an unexpected method with 405, the methods it allows, and its own error', async () => {
  const hub = await t.hub();
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  for (const [path, method, allow] of [
    ['/dead-letters/requeue', 'GET', 'POST'],
    ['/dead-letters/requeue', 'DELETE', 'POST'],
    ['/dead-letters', 'POST', 'GET, HEAD'],
    ['/dead-letters', 'DELETE', 'GET, HEAD'],
  ] as const) {
    const res = await fetch(`${hub.url}${path}`, { method });
    expect([path, method, res.status, res.headers.get('allow')]).toEqual([path, method, 405, allow]);
    expect(await res.json()).toEqual({ ok: false, error: { code: 'method_not_allowed', message: expect.stringContaining(allow) } });
  }
});

it('answers an oversize body with one 413, and still serves the next request', async () => {
  const hub = await t.hub();
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  const big = JSON.stringify({ queueId: 'driver', messageId: 'x'.repeat(10_000) });
  const res = await fetch(`${hub.url}/dead-letters/requeue`, { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(413);
  expect(await res.json()).toEqual({ ok: false, error: { code: 'payload_too_large', message: expect.stringContaining('4096 bytes') } });
  // Sent without a length, in pieces: refused once the limit is passed.
  const chunks = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1000)));
      controller.close();
    },
  });
  const streamed = await fetch(`${hub.url}/dead-letters/requeue`, { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
  expect(streamed.status).toBe(413);
  expect((await fetch(`${hub.url}/dead-letters`)).status).toBe(200);
});
