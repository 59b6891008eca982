/**
 * Two real hubs (`npm run hub`) on one Redis: a second hub on the same prefix stops at start with
 * one line that names the first and says why; a hub on another prefix runs beside it, each with
 * its own queues.
 */
import type { Envelope } from '../../src/protocol/envelope';
import { pickup, RedisHubs } from '../helpers/redis-hubs';
import { waitFor } from '../helpers/wait-for';

const hubs = new RedisHubs();
afterEach(() => hubs.cleanup());

const LISTENING = /CAPS hub listening on/;

/** Posts pickup `id` to the hub at `url` and waits for a driver there to be sent it. */
async function roundTrip(url: string, id: string): Promise<void> {
  const vendor = hubs.connect(url, { role: 'vendor', clientId: 'raw:acme-widgets', store: 'acme-widgets' });
  const driver = hubs.connect(url, { role: 'driver', clientId: 'driver-1' });
  const sent = waitFor<[Envelope]>(driver, 'pickup', (envelope) => envelope.messageId === id);
  expect(await vendor.timeout(10_000).emitWithAck('pickup', pickup(id))).toMatchObject({ ok: true, duplicate: false });
  await sent;
}

it('refuses a second hub on the same Redis prefix at start, in one line, and runs one on another prefix', async () => {
  const redis = await hubs.redis();
  const first = await hubs.hub('first');
  await first.proc.line(LISTENING);

  const second = await hubs.hub('second');
  expect(await second.proc.exited()).toEqual({ code: 1, signal: null });
  expect(second.proc.matching(/^caps-hub: /)).toEqual([
    expect.stringMatching(
      new RegExp(
        `^caps-hub: the writer lease of redis://127\\.0\\.0\\.1:${redis.port}/0 prefix "caps:" is held by another running hub pid \\d+ on \\S+ \\(started [0-9T:.Z-]+\\): ` +
          'to run several hubs on one Redis prefix, start every one of them with --shared \\(CAPS_SHARED=true\\); or give this one its own CAPS_REDIS_PREFIX$',
      ),
    ),
  ]);
  expect(second.proc.matching(LISTENING)).toEqual([]);

  const beside = await hubs.hub('beside', { CAPS_REDIS_PREFIX: 'caps-2:' });
  await beside.proc.line(LISTENING);
  await roundTrip(beside.url, 'on-the-second-prefix');
  await roundTrip(first.url, 'on-the-first-prefix');
  // Each pickup is in its own hub's keys only (neither was claimed, so both are still queued).
  expect(await redis.run('ZRANGE', 'caps:live:driver', 0, -1)).toEqual(['on-the-first-prefix']);
  expect(await redis.run('ZRANGE', 'caps-2:live:driver', 0, -1)).toEqual(['on-the-second-prefix']);
});
