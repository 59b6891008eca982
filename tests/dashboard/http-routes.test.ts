/** Every dashboard HTTP route: the methods it allows (405 with Allow otherwise) and nosniff on every answer. */
import { attachDashboard } from '../../src/dashboard/dashboard';
import { dashboardPort } from '../../src/hub/dashboard-port';
import { setup, silentLogger, type TestContext } from '../helpers/setup';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const PAGE = ['/', '/dashboard/style.css', '/dashboard/app.js', '/dashboard/visible-text.js'];

it('answers GET and HEAD on the page, 405 with Allow to anything else, and nosniff every time', async () => {
  const hub = await t.hub();
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  for (const path of PAGE) {
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(`${hub.url}${path}`, { method });
      expect([path, method, res.status, res.headers.get('x-content-type-options')]).toEqual([path, method, 200, 'nosniff']);
      await res.arrayBuffer();
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await fetch(`${hub.url}${path}`, { method });
      expect([path, method, res.status, res.headers.get('allow'), res.headers.get('x-content-type-options')]).toEqual([path, method, 405, 'GET, HEAD', 'nosniff']);
      expect(await res.json()).toMatchObject({ ok: false, error: { code: 'method_not_allowed' } });
    }
  }
});

it('sends nosniff on every dead-letter answer: listed, refused, malformed, missing, too large', async () => {
  const hub = await t.hub();
  const dashboard = attachDashboard(dashboardPort(hub), { token: '', watch: 'token', logger: silentLogger });
  t.defer(() => dashboard.close());
  const requeue = (body: string, headers: Record<string, string> = {}) => fetch(`${hub.url}/dead-letters/requeue`, { method: 'POST', body, headers });
  const answers = [
    await fetch(`${hub.url}/dead-letters`),
    await fetch(`${hub.url}/dead-letters?queue=a/b`),
    await requeue('{}'),
    await requeue(JSON.stringify({ queueId: 'driver', messageId: 'none' })),
    await requeue('{}', { origin: 'http://evil.example' }),
    await requeue('x'.repeat(5000)),
    await fetch(`${hub.url}/dead-letters`, { method: 'PUT' }),
  ];
  expect(answers.map((res) => [res.status, res.headers.get('x-content-type-options')])).toEqual(
    [200, 400, 400, 404, 403, 413, 405].map((status) => [status, 'nosniff']),
  );
  for (const res of answers) await res.arrayBuffer();
});
