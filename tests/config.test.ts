/** The config module: defaults, overrides, and a clear error for a bad value. */
import { ConfigError, DEFAULT_HUB_CONFIG, clientConfig, hubConfig, normaliseHubUrl } from '../src/config';

it('fills every default from an empty environment', () => {
  expect(DEFAULT_HUB_CONFIG).toMatchObject({ port: 3000, store: 'memory', redisPrefix: 'caps:', log: { format: 'pretty', level: 'info' }, maxRoomsPerSocket: 20 });
  expect(DEFAULT_HUB_CONFIG.delivery).toEqual({
    ackTimeoutMs: 10_000,
    leaseMs: 30_000,
    maxAttempts: 5,
    dedupWindowMs: 120_000,
    maxQueueLength: 250_000,
    maxTotalMessages: 1_000_000,
    maxQueues: 10_000,
    suspectAfter: 3,
    probationMs: 30_000,
    messageTtlMs: 0,
    prefetch: 100,
    vendorPrefetch: 500,
  });
  expect(clientConfig({})).toMatchObject({ hubUrls: ['http://localhost:3000'], storeName: 'acme-widgets', driverName: 'driver-1' });
});

it('lets flags override the environment, and treats an empty variable as unset', () => {
  const config = hubConfig({ PORT: '4001' }, { PORT: '3001', CAPS_STORE: 'lmdb:/tmp/q', MAX_ATTEMPTS: '' });
  expect([config.port, config.store, config.delivery.maxAttempts]).toEqual([4001, 'lmdb:/tmp/q', 5]);
});

it('names every bad variable, its value and what was expected, on one line', () => {
  expect(() => hubConfig({}, { PORT: 'three', CAPS_STORE: 'redis' })).toThrow(ConfigError);
  expect(() => hubConfig({}, { PORT: 'three', CAPS_STORE: 'redis' })).toThrow(
    /^invalid environment: PORT="three": expected a whole number from 0 to 65535; CAPS_STORE="redis": expected memory, lmdb:<dir> or redis\[s\]:\/\/\[\[user\]\[:password\]@\]host:port\[\/db\]$/,
  );
  expect(() => hubConfig({}, { PORT: '70000' })).toThrow('PORT="70000": expected a whole number from 0 to 65535');
});

it('never shows a secret, nor the password in a store name, in what it says about a bad variable', () => {
  const message = (env: NodeJS.ProcessEnv) => {
    try {
      hubConfig({}, env);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('no error');
  };
  expect(message({ CAPS_SECRET: 'short-secret' })).toBe('invalid environment: CAPS_SECRET=***: at least 32 characters (HS256 needs a 256-bit key)');
  expect(message({ CAPS_STORE: 'redis://:pw-in-url@localhost' })).toMatch(/^invalid environment: CAPS_STORE="\*\*\*@localhost": expected memory/);
  expect(message({ CAPS_STORE: 'redis:/:pw-in-url@localhost:6379' })).not.toContain('pw-in-url');
});

it('takes a hub address without a scheme as http, and refuses one that is not an address', () => {
  expect(clientConfig({ HUB_URL: 'localhost:4102' }).hubUrls).toEqual(['http://localhost:4102']);
  expect(clientConfig({ HUB_URL: 'https://hub.example/caps' }).hubUrls).toEqual(['https://hub.example']);
  expect(normaliseHubUrl('127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
  for (const bad of ['ftp://hub', 'http://', '::::']) {
    expect(() => clientConfig({ HUB_URL: bad })).toThrow(`HUB_URL=${JSON.stringify(bad)}: expected a hub address such as http://localhost:3000 or localhost:3000`);
  }
});

it('takes several hubs separated by commas, in order, each as one is taken, and names the one that is not an address', () => {
  expect(clientConfig({ HUB_URL: 'localhost:4102, https://b.example/caps,localhost:4102,' }).hubUrls).toEqual(['http://localhost:4102', 'https://b.example']);
  expect(() => clientConfig({ HUB_URL: 'localhost:4102,ftp://hub,b:1' })).toThrow(
    'HUB_URL="localhost:4102,ftp://hub,b:1": expected a hub address such as http://localhost:3000 or localhost:3000, or several separated by commas; "ftp://hub" is not one',
  );
  expect(() => clientConfig({ HUB_URL: ' , ' })).toThrow('" , " is not one');
});

it('takes a standby and a writer lease for the Redis store, and refuses a standby on any other store', () => {
  expect(DEFAULT_HUB_CONFIG).toMatchObject({ standby: false, redisLeaseMs: 10_000 });
  const redis = hubConfig({ CAPS_STANDBY: 'true' }, { CAPS_STORE: 'redis://127.0.0.1:6379', CAPS_REDIS_LEASE_MS: '3000' });
  expect([redis.standby, redis.redisLeaseMs]).toEqual([true, 3000]);
  expect(() => hubConfig({ CAPS_STANDBY: 'true' }, { CAPS_STORE: 'lmdb:/tmp/q' })).toThrow(
    'invalid environment: CAPS_STANDBY="true": a standby hub (--standby) waits for the writer lease of a Redis prefix, so it needs CAPS_STORE=redis[s]://[[user][:password]@]host:port[/db]; CAPS_STORE is "lmdb:/tmp/q"',
  );
  expect(() => hubConfig({}, { CAPS_STANDBY: 'yes' })).toThrow('CAPS_STANDBY="yes": expected true or false');
  expect(() => hubConfig({}, { CAPS_REDIS_LEASE_MS: '500' })).toThrow('CAPS_REDIS_LEASE_MS="500": expected a whole number ≥ 1000');
});

it('takes TRUSTED_PROXIES as a list of IP addresses and ranges, none by default, and refuses an item that is neither', () => {
  expect(DEFAULT_HUB_CONFIG.trust.trustedProxies).toEqual([]);
  expect(hubConfig({}, { TRUSTED_PROXIES: ' 10.0.0.5, FD00::5 ,, 10.0.1.0/24,fd00:1::/64' }).trust.trustedProxies).toEqual(['10.0.0.5', 'fd00::5', '10.0.1.0/24', 'fd00:1::/64']);
  expect(() => hubConfig({}, { TRUSTED_PROXIES: '10.0.0.5,haproxy.internal' })).toThrow(
    'invalid environment: TRUSTED_PROXIES="10.0.0.5,haproxy.internal": expected IP addresses or ranges separated by commas (10.0.0.5, fd00::5, 10.0.0.0/24); "haproxy.internal": not an IP address or a range of them',
  );
  expect(() => hubConfig({}, { TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(`"10.0.0.0/33": a range's prefix length must be a whole number from 8 to 32`);
  expect(() => hubConfig({}, { TRUSTED_PROXIES: 'fd00::/129' })).toThrow('from 16 to 128');
  expect(() => hubConfig({}, { TRUSTED_PROXIES: '10.0.0.0/8/1' })).toThrow('"10.0.0.0/8/1": not an IP address');
  expect(() => hubConfig({}, { TRUSTED_PROXIES: '10.0.0.0/x' })).toThrow('from 8 to 32');
  expect(() => hubConfig({}, { TRUSTED_PROXIES: 'fe80::1%eth0' })).toThrow('"fe80::1%eth0": a zone index (%eth0) is not taken');
  // Ranges that would trust far more than a pool of proxies, however they are written: every IPv4
  // address in two halves, or inside IPv6 (mapped IPv4 addresses are how Node reports IPv4 peers).
  for (const wide of ['0.0.0.0/0', '0.0.0.0/1', '::/0', '::/1']) expect(() => hubConfig({}, { TRUSTED_PROXIES: wide })).toThrow('a wider range holds far more than a pool of proxies');
  for (const mapped of ['::ffff:10.0.0.0/120', '::ffff:a00:0/104', '0:0:0:0:0:ffff:0:0/96', '::/80']) {
    expect(() => hubConfig({}, { TRUSTED_PROXIES: mapped })).toThrow(`${JSON.stringify(mapped)}: it holds IPv4 addresses (mapped into IPv6): write an IPv4 range`);
  }
});
