/**
 * Two real hubs (`npm run hub`) on one Redis: a second hub on the same prefix stops at start with
 * one line that names the first and says why; a hub on another prefix runs beside it, each with
 * its own queues.
 */
import { connectCaps, type CapsClientSocket } from '../../src/client/connect';
import type { Envelope } from '../../src/protocol/envelope';
import { freePort, Processes } from '../helpers/processes';
import { RedisServer } from '../helpers/redis-server';
import { testCredential } from '../helpers/setup';
import { waitFor } from '../helpers/wait-for';

const procs = new Processes();
const sockets: CapsClientSocket[] = [];
let redis: RedisServer | undefined;
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await procs.cleanup();
  await redis?.cleanup();
});

const LISTENING = /CAPS hub listening on/;

/** Starts a hub on a free port with `env`; its URL. */
async function hub(name: string, env: NodeJS.ProcessEnv) {
  const port = await freePort();
  return { proc: procs.start(name, 'hub', [], { PORT: String(port), ...env }), url: `http://localhost:${port}` };
}

/** Posts pickup `id` to the hub at `url` and waits for a driver there to be sent it. */
async function roundTrip(url: string, id: string): Promise<void> {
  const vendor = connectCaps(url, { role: 'vendor', clientId: 'raw:acme-widgets', store: 'acme-widgets' }, testCredential);
  const driver = connectCaps(url, { role: 'driver', clientId: 'driver-1' }, testCredential);
  sockets.push(vendor, driver);
  const sent = waitFor<[Envelope]>(driver, 'pickup', (envelope) => envelope.messageId === id);
  const order = { store: 'acme-widgets', orderId: id, customer: 'Ada Lovelace', address: '1 Analytical Way' };
  expect(await vendor.timeout(10_000).emitWithAck('pickup', { event: 'pickup', messageId: id, queueId: 'driver', order })).toMatchObject({ ok: true, duplicate: false });
  await sent;
}

it('refuses a second hub on the same Redis prefix at start, in one line, and runs one on another prefix', async () => {
  redis = await RedisServer.start();
  const first = await hub('first', { CAPS_STORE: redis.url });
  await first.proc.line(LISTENING);

  const second = await hub('second', { CAPS_STORE: redis.url });
  expect(await second.proc.exited()).toEqual({ code: 1, signal: null });
  const refusal = second.proc.matching(/^caps-hub: /);
  expect(refusal).toEqual([
    expect.stringMatching(
      new RegExp(
        `^caps-hub: the writer lease of redis://127\\.0\\.0\\.1:${redis.port}/0 prefix "caps:" is held by another running hub pid \\d+ on \\S+ \\(started [0-9T:.Z-]+\\): ` +
          'several hubs on one Redis prefix are not supported yet \\(use a different CAPS_REDIS_PREFIX\\)$',
      ),
    ),
  ]);
  expect(second.proc.matching(LISTENING)).toEqual([]);

  const beside = await hub('beside', { CAPS_STORE: redis.url, CAPS_REDIS_PREFIX: 'caps-2:' });
  await beside.proc.line(LISTENING);
  await roundTrip(beside.url, 'on-the-second-prefix');
  await roundTrip(first.url, 'on-the-first-prefix');
  // Each pickup is in its own hub's keys only (neither was claimed, so both are still queued).
  expect(await redis.run('ZRANGE', 'caps:live:driver', 0, -1)).toEqual(['on-the-first-prefix']);
  expect(await redis.run('ZRANGE', 'caps-2:live:driver', 0, -1)).toEqual(['on-the-second-prefix']);
});
