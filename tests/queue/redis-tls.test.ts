/**
 * A hub, as a real process, on a Redis that takes only TLS and asks for a password
 * (`CAPS_STORE=rediss://:<password>@host:port`): it serves once Node trusts the Redis's certificate
 * authority (NODE_EXTRA_CA_CERTS), and refuses to start when it does not. No line it writes shows
 * the password.
 */
import type { Envelope } from '../../src/protocol/envelope';
import { HUB_KEYS, pickup, RedisHubs } from '../helpers/redis-hubs';
import { makeTlsFiles } from '../helpers/tls-files';
import { waitFor } from '../helpers/wait-for';

const PASSWORD = 'tls-and-a-password';
const tls = makeTlsFiles();
afterAll(() => tls.cleanup());
const hubs = new RedisHubs({ password: PASSWORD, tls });
afterEach(() => hubs.cleanup());

it('serves over TLS to Redis once Node trusts its authority, and never writes the password', async () => {
  const { proc: hub, url } = await hubs.hub('hub', { LOG_LEVEL: 'info', NODE_EXTRA_CA_CERTS: tls.ca });
  const listening = await hub.line(/CAPS hub listening on/);
  expect(listening).toMatch(/store: rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0/);

  const driver = hubs.connect(url, { role: 'driver', clientId: 'driver-1' });
  const vendor = hubs.connect(url, { role: 'vendor', clientId: 'vendor:acme-widgets', store: 'acme-widgets' });
  const [[sent], answer] = await Promise.all([waitFor<[Envelope]>(driver, 'pickup'), vendor.timeout(10_000).emitWithAck('pickup', pickup('tls-1'))]);
  expect(answer).toEqual({ ok: true, messageId: 'tls-1', duplicate: false });
  expect(sent.messageId).toBe('tls-1');
  const redis = await hubs.redis();
  expect(await redis.run('HEXISTS', HUB_KEYS.body('driver'), 'tls-1')).toBe(1);

  await hub.kill();
  expect(hub.lines.filter((line) => line.includes(PASSWORD))).toEqual([]);
});

it('refuses to start when the Redis certificate is not one Node trusts', async () => {
  const { proc: hub } = await hubs.hub('hub', { LOG_LEVEL: 'info' });
  const { code } = await hub.exited();
  expect(code).not.toBe(0);
  expect(hub.lines.join('\n')).toMatch(/cannot use rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 as the queue store: .*certificate/);
  expect(hub.lines.filter((line) => line.includes(PASSWORD))).toEqual([]);
});
