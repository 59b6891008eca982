/**
 * `Host` and `Origin` on every door of the hub: Socket.IO (polling and WebSocket upgrade) and the
 * HTTP routes. A page from another site, and a DNS rebinding (`Host` and `Origin` both
 * `evil.example:<port>`, from loopback, as a browser sends them once the name resolves to
 * 127.0.0.1), are refused; the hub's own names and pages, and the allowed ones, are served.
 * Also: 405 for unexpected methods, and `nosniff` on every response.
 */
import { request } from 'node:http';
import { issueToken } from '../../src/auth/token';
import { attachDashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import { DEFAULT_HUB_CONFIG, type TrustPolicy } from '../../src/config';
import type { Hub } from '../../src/hub/hub';
import { DASHBOARD_NAMESPACE } from '../../src/protocol/dashboard';
import type { Envelope } from '../../src/protocol/envelope';
import { setup, silentLogger, TEST_SECRET, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';
import { attempt } from './attempt';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const trust = (more: Partial<TrustPolicy>): TrustPolicy => ({ ...DEFAULT_HUB_CONFIG.trust, secret: TEST_SECRET, ...more });

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request to the hub, on loopback, with the headers a browser (or an attacker) would send. */
function fetchFrom(hub: Hub, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: hub.port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The engine answers every refused WebSocket upgrade with 400 and the reason as the body. */
const WS_REFUSED = 'Unexpected server response: 400';
const POLLING_HANDSHAKE = '/socket.io/?EIO=4&transport=polling';

describe('Socket.IO', () => {
  it("refuses a page from another site, even one on this machine, and even with a token, but serves the hub's own pages", async () => {
    const hub = await t.hub();
    const token = await issueToken(new TextEncoder().encode(TEST_SECRET), { role: 'driver', name: 'driver-1', clientId: 'driver-1' });
    expect(await attempt(t, hub.url, { headers: { origin: 'https://evil.example' }, auth: { token } })).toMatchObject({ connected: false, data: WS_REFUSED });
    for (const origin of ['https://evil.example', `http://127.0.0.1:${hub.port + 1}`, 'null']) {
      expect(await attempt(t, hub.url, { headers: { origin } })).toEqual({ connected: false, message: 'websocket error', data: WS_REFUSED });
      expect(await attempt(t, hub.url, { headers: { origin }, transports: ['polling'] })).toMatchObject({ connected: false, message: 'xhr poll error', data: 403 });
    }
    const refused = await fetchFrom(hub, POLLING_HANDSHAKE, { headers: { origin: 'https://evil.example' } });
    expect(refused).toMatchObject({ status: 403, headers: { 'x-content-type-options': 'nosniff' } });
    expect(JSON.parse(refused.body)).toEqual({ code: 4, message: expect.stringContaining('pages from "https://evil.example" may not use this hub; add the origin to ALLOWED_ORIGINS') });
    expect(hub.nsp.sockets.size).toBe(0);

    // The dashboard page served by this hub is same-origin, under any of the hub's names.
    for (const base of [`http://localhost:${hub.port}`, `http://127.0.0.1:${hub.port}`]) {
      const own = await attempt(t, base, { headers: { origin: base } });
      expect(own).toMatchObject({ connected: true });
    }
  });

  it('serves origins in ALLOWED_ORIGINS', async () => {
    const hub = await t.hub({ trust: trust({ allowedOrigins: ['https://app.example'] }) });
    expect(await attempt(t, hub.url, { headers: { origin: 'https://app.example' } })).toMatchObject({ connected: true });
    expect(await attempt(t, hub.url, { headers: { origin: 'https://app.example:8443' } })).toMatchObject({ connected: false });
  });

  it("refuses a DNS rebinding on the WebSocket upgrade and on polling, to /caps and the dashboard's controls, while a vendor and a driver lose nothing", async () => {
    const hub = await t.hub();
    const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
    t.defer(() => dashboard.close());
    const vendor = t.vendor(hub, 'acme-widgets');
    const driver = t.driver(hub, 'driver-1');
    // Both connected before counting: the count must not grow by an honest client arriving late.
    await Promise.all([waitFor(vendor, 'connected'), waitFor(driver, 'connected')]);
    const sessions = hub.nsp.sockets.size;
    const evil = `evil.example:${hub.port}`;
    const headers = { host: evil, origin: `http://${evil}` };
    for (const namespace of ['/caps', DASHBOARD_NAMESPACE]) {
      expect(await attempt(t, hub.url, { namespace, headers })).toEqual({ connected: false, message: 'websocket error', data: WS_REFUSED });
    }
    const polled = await fetchFrom(hub, POLLING_HANDSHAKE, { headers });
    expect(polled).toMatchObject({ status: 403, headers: { 'x-content-type-options': 'nosniff' } });
    expect(JSON.parse(polled.body)).toEqual({ code: 4, message: `this hub does not answer to the name "${evil}"; add it to ALLOWED_HOSTS if it is this hub's` });
    expect(hub.nsp.sockets.size).toBe(sessions);
    expect(dashboard.nsp.sockets.size).toBe(0);

    const thanked = waitFor<[Envelope]>(vendor, 'thanked');
    const posted = await vendor.post();
    expect((await thanked)[0]).toMatchObject({ messageId: posted.messageId, driver: 'driver-1' });
  });
});

describe('HTTP routes', () => {
  it("refuses a DNS rebinding on every route, the dashboard's included", async () => {
    const hub = await t.hub();
    const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
    t.defer(() => dashboard.close());
    const evil = `evil.example:${hub.port}`;
    for (const path of ['/healthz', '/metrics', '/', '/dead-letters', '/nowhere']) {
      const reply = await fetchFrom(hub, path, { headers: { host: evil, origin: `http://${evil}` } });
      expect(reply).toMatchObject({ status: 403, headers: { 'x-content-type-options': 'nosniff' }, body: expect.stringContaining('does not answer to the name') });
    }
    // The dashboard's control over HTTP too.
    const requeue = await fetchFrom(hub, '/dead-letters/requeue', { method: 'POST', headers: { host: evil, origin: `http://${evil}` } });
    expect(requeue).toMatchObject({ status: 403, body: expect.stringContaining('does not answer to the name') });
    // A foreign page's request with the right Host is refused too.
    expect((await fetchFrom(hub, '/dead-letters', { headers: { origin: 'https://evil.example' } })).status).toBe(403);
  });

  it("answers to the hub's own names, its IP addresses and ALLOWED_HOSTS", async () => {
    const hub = await t.hub({ trust: trust({ allowedHosts: ['caps.example', '.school.example'] }) });
    const allowed = ['localhost', 'LOCALHOST', 'hub.localhost', '127.0.0.1', '[::1]', '10.1.2.3', 'caps.example', 'school.example', 'lab.school.example'];
    for (const name of allowed) expect([name, (await fetchFrom(hub, '/healthz', { headers: { host: `${name}:${hub.port}` } })).status]).toEqual([name, 200]);
    for (const name of ['evil.example', 'caps.example.evil.example', 'notschool.example', 'localhost.evil.example', '127.0.0.1.evil.example']) {
      expect([name, (await fetchFrom(hub, '/healthz', { headers: { host: `${name}:${hub.port}` } })).status]).toEqual([name, 403]);
    }
  });

  it('answers 405, with Allow, to methods a route does not take, and nosniff on every response', async () => {
    const hub = await t.hub();
    for (const path of ['/healthz', '/metrics']) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        expect(await fetchFrom(hub, path, { method })).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD', 'x-content-type-options': 'nosniff' } });
      }
      expect(await fetchFrom(hub, path, { method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
      expect(await fetchFrom(hub, path)).toMatchObject({ status: 200, headers: { 'x-content-type-options': 'nosniff' } });
    }
    expect(await fetchFrom(hub, '/nowhere')).toMatchObject({ status: 404, headers: { 'x-content-type-options': 'nosniff' } });
    expect(await fetchFrom(hub, POLLING_HANDSHAKE)).toMatchObject({ status: 200, headers: { 'x-content-type-options': 'nosniff' } });
  });
});
