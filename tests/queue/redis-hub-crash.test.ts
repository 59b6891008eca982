/**
 * A hub on Redis, as a real process (`npm run hub`), SIGKILLed and started again: every pickup it
 * acknowledged is delivered after the restart, and the package a driver had claimed goes back to
 * that driver, never to another. The restarted hub takes over the writer lease the killed one
 * could not give up, once it has expired.
 */
import { connectCaps, type CapsClientSocket } from '../../src/client/connect';
import type { Envelope } from '../../src/protocol/envelope';
import { freePort, Processes } from '../helpers/processes';
import { RedisServer } from '../helpers/redis-server';
import { testCredential } from '../helpers/setup';
import { collect, waitFor } from '../helpers/wait-for';

const procs = new Processes();
const sockets: CapsClientSocket[] = [];
let redis: RedisServer | undefined;
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  await procs.cleanup();
  await redis?.cleanup();
});

const pickup = (id: string): Envelope => ({
  event: 'pickup',
  messageId: id,
  queueId: 'driver',
  order: { store: 'acme-widgets', orderId: id, customer: 'Ada Lovelace', address: '1 Analytical Way' },
});

function connect(url: string, handshake: Parameters<typeof connectCaps>[1]): CapsClientSocket {
  const socket = connectCaps(url, handshake, testCredential);
  sockets.push(socket);
  return socket;
}

it('loses no acknowledged pickup across a SIGKILL of the hub, and gives a claimed package back to its driver', async () => {
  redis = await RedisServer.start();
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const env = { PORT: String(port), CAPS_STORE: redis.url, LOG_LEVEL: 'info' };
  const hub = procs.start('hub', 'hub', [], env);
  await hub.line(/CAPS hub listening on/);

  // driver-1 takes one package at a time: the first pickup, which it claims.
  const driver1 = connect(url, { role: 'driver', clientId: 'driver-1', prefetch: 1 });
  const [first] = await Promise.all([
    waitFor<[Envelope]>(driver1, 'pickup').then(([envelope]) => envelope.messageId),
    (async () => {
      const vendor = connect(url, { role: 'vendor', clientId: 'raw:acme-widgets', store: 'acme-widgets' });
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => vendor.timeout(10_000).emitWithAck('pickup', pickup(`p${i}`))));
      expect(answers.every((answer) => answer.ok)).toBe(true);
    })(),
  ]);
  expect(await driver1.timeout(10_000).emitWithAck('claim', { messageId: first })).toEqual({ ok: true });

  await hub.kill();
  const again = procs.start('hub again', 'hub', [], env);
  await again.line(/CAPS hub listening on/);

  // driver-2 is sent every other pickup, driver-1 (reconnecting by itself) its claimed one.
  const driver2 = connect(url, { role: 'driver', clientId: 'driver-2' });
  const toDriver2 = collect<Envelope>(driver2, 'pickup', 49);
  const [back] = await waitFor<[Envelope]>(driver1, 'pickup');
  expect(back.messageId).toBe(first);
  const others = (await toDriver2).map((e) => e.messageId);
  expect(new Set([...others, first])).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `p${i}`)));
  expect(others).not.toContain(first);
});
