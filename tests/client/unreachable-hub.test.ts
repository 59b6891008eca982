/**
 * A vendor that cannot reach its hub says where it tried and why, says "queued locally" (not
 * "posted") for orders the hub has not stored, and does not write a line per pending order.
 */
import { createServer as createHttpServer } from 'node:http';
import { Server } from 'socket.io';
import { freePort } from '../../src/cli/free-port';
import type { Vendor } from '../../src/vendor/vendor';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';
import { until } from '../helpers/wait-for';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

/** A vendor at `hubUrl` whose log lines are kept, as text. */
function loggedVendor(hubUrl: string): { vendor: Vendor; log: CapturingLogger; lines: () => string[] } {
  const log = new CapturingLogger();
  const vendor = t.vendor(hubUrl, 'acme-widgets', { logger: log.logger });
  return { vendor, log, lines: () => log.lines.map((line) => line.msg) };
}

const cannotReach = (log: CapturingLogger) => log.line(/cannot reach the hub/);

it('names the URL and "connection refused" when nothing listens, and queues orders locally until a hub stores them', async () => {
  const port = await freePort();
  const hubUrl = `http://localhost:${port}`;
  const { vendor, log, lines } = loggedVendor(hubUrl);
  const line = await cannotReach(log);
  expect(line.msg).toBe(`VENDOR: acme-widgets cannot reach the hub at ${hubUrl}/caps: connection refused (is the hub running?); retrying`);

  const posts = [vendor.post(), vendor.post(), vendor.post()];
  expect(lines().filter((msg) => msg.startsWith('VENDOR: queued locally'))).toHaveLength(3);
  expect(lines().filter((msg) => msg.startsWith('VENDOR: posted'))).toEqual([]);

  // Many failed attempts later, still a handful of lines: one per cause, then at 2, 4, 8… attempts.
  const fourth = /after 4 attempts: connection refused \(is the hub running\?\); retrying \(3 orders queued locally\)$/;
  await until(log, ['line'], () => lines().some((msg) => fourth.test(msg)), 'the line for the 4th attempt');
  expect(lines().filter((msg) => msg.includes('cannot reach'))).toHaveLength(3);

  await t.hub({ port });
  const stored = await Promise.all(posts);
  expect(lines().filter((msg) => msg.startsWith('VENDOR: posted')).sort()).toEqual(stored.map((e) => `VENDOR: posted ${e.order.orderId} for ${e.order.customer}`).sort());
  expect(lines().filter((msg) => msg.startsWith('VENDOR: retrying'))).toEqual([]);
});

it('says a server that answers 404 is not a CAPS hub', async () => {
  const http = createHttpServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => http.listen(0, resolve));
  t.defer(() => new Promise((resolve) => http.close(resolve)));
  const hubUrl = `http://localhost:${(http.address() as { port: number }).port}`;
  const line = await cannotReach(loggedVendor(hubUrl).log);
  expect(line.msg).toBe(`VENDOR: acme-widgets cannot reach the hub at ${hubUrl}/caps: the server answered HTTP 404: not a CAPS hub; retrying`);
});

it('says a Socket.IO server without /caps is not a CAPS hub', async () => {
  const http = createHttpServer();
  const io = new Server(http);
  await new Promise<void>((resolve) => http.listen(0, resolve));
  t.defer(() => new Promise((resolve) => io.close(() => resolve(undefined))));
  const hubUrl = `http://localhost:${(http.address() as { port: number }).port}`;
  const line = await cannotReach(loggedVendor(hubUrl).log);
  expect(line.msg).toBe(`VENDOR: acme-widgets cannot reach the hub at ${hubUrl}/caps: a Socket.IO server without /caps: not a CAPS hub; retrying`);
});
