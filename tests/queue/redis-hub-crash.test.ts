/**
 * A hub on Redis, as a real process (`npm run hub`), SIGKILLed and started again: every pickup it
 * acknowledged is delivered after the restart, and the package a driver had claimed goes back to
 * that driver, never to another. The restarted hub takes over the writer lease the killed one
 * could not give up, once it has expired.
 */
import type { Envelope } from '../../src/protocol/envelope';
import { pickup, RedisHubs } from '../helpers/redis-hubs';
import { collect, waitFor } from '../helpers/wait-for';

const hubs = new RedisHubs();
afterEach(() => hubs.cleanup());

it('loses no acknowledged pickup across a SIGKILL of the hub, and gives a claimed package back to its driver', async () => {
  const { proc: hub, url, env } = await hubs.hub('hub', { LOG_LEVEL: 'info' });
  await hub.line(/CAPS hub listening on/);

  // driver-1 takes one package at a time: the first pickup, which it claims.
  const driver1 = hubs.connect(url, { role: 'driver', clientId: 'driver-1', prefetch: 1 });
  const [first] = await Promise.all([
    waitFor<[Envelope]>(driver1, 'pickup').then(([envelope]) => envelope.messageId),
    (async () => {
      const vendor = hubs.connect(url, { role: 'vendor', clientId: 'raw:acme-widgets', store: 'acme-widgets' });
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => vendor.timeout(10_000).emitWithAck('pickup', pickup(`p${i}`))));
      expect(answers.every((answer) => answer.ok)).toBe(true);
    })(),
  ]);
  expect(await driver1.timeout(10_000).emitWithAck('claim', { messageId: first })).toEqual({ ok: true });

  await hub.kill();
  const again = hubs.again('hub again', env);
  await again.line(/CAPS hub listening on/);

  // driver-2 is sent every other pickup, driver-1 (reconnecting by itself) its claimed one.
  const driver2 = hubs.connect(url, { role: 'driver', clientId: 'driver-2' });
  const toDriver2 = collect<Envelope>(driver2, 'pickup', 49);
  const [back] = await waitFor<[Envelope]>(driver1, 'pickup');
  expect(back.messageId).toBe(first);
  const others = (await toDriver2).map((e) => e.messageId);
  expect(new Set([...others, first])).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `p${i}`)));
  expect(others).not.toContain(first);
});
