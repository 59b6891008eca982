/**
 * A web page from another origin (another port on 127.0.0.1) in a real Chromium tries to open the
 * hub's Socket.IO WebSocket, as issue 10's attack page did, while a vendor and a driver work. The
 * hub's edge refuses it (Origin, edge/origin-policy.ts); the same code from the hub's own page
 * connects, so the refusal is the origin's doing; and the victims lose nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Envelope } from '../../src/protocol/envelope';
import { launchBrowser } from '../dashboard/browser';
import { setup, type TestContext } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/** A site of its own on another port: the attacker's page. */
async function otherSite(): Promise<string> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>not the hub</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.defer(() => {
    server.closeAllConnections(); // Chromium keeps its connection alive
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Opens the hub's Socket.IO WebSocket from the page, and says whether it opened. */
const OPEN_SOCKET = (url: string) =>
  new Promise<string>((resolve) => {
    const ws = new WebSocket(url);
    ws.onopen = () => {
      ws.close();
      resolve('open');
    };
    ws.onerror = () => resolve('refused');
  });

it("refuses another site's page in Chromium, lets the hub's own page connect, and the vendor and driver lose nothing", async () => {
  const hub = await t.hub();
  const vendor = t.vendor(hub, 'acme-widgets');
  const driver = t.driver(hub, 'driver-1');
  // Both connected before counting the hub's clients: the count must not grow by one arriving late.
  await Promise.all([waitFor(vendor, 'connected'), waitFor(driver, 'connected')]);
  const browser = await launchBrowser(t);
  const page = await browser.newPage();
  const socketUrl = `ws://localhost:${hub.port}/socket.io/?EIO=4&transport=websocket`;

  await page.goto(await otherSite());
  const before = hub.io.engine.clientsCount;
  expect(await page.evaluate(OPEN_SOCKET, socketUrl)).toBe('refused');
  expect(hub.io.engine.clientsCount).toBe(before);

  await page.goto(`${hub.url}/healthz`);
  expect(await page.evaluate(OPEN_SOCKET, socketUrl)).toBe('open');

  const thanked = waitFor<[Envelope]>(vendor, 'thanked');
  const posted = await vendor.post();
  expect((await thanked)[0]).toMatchObject({ messageId: posted.messageId, driver: 'driver-1' });
});
