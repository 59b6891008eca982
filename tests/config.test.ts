/** The config module: defaults, overrides, and a clear error for a bad value. */
import { ConfigError, DEFAULT_HUB_CONFIG, clientConfig, hubConfig } from '../src/config';

it('fills every default from an empty environment', () => {
  expect(DEFAULT_HUB_CONFIG).toMatchObject({ port: 3000, store: 'memory', log: { format: 'pretty', level: 'info' }, maxRoomsPerSocket: 20 });
  expect(DEFAULT_HUB_CONFIG.delivery).toEqual({
    ackTimeoutMs: 10_000,
    leaseMs: 30_000,
    maxAttempts: 5,
    dedupWindowMs: 120_000,
    maxQueueLength: 250_000,
    maxTotalMessages: 1_000_000,
    maxQueues: 10_000,
    suspectAfter: 3,
    messageTtlMs: 0,
    prefetch: 100,
    vendorPrefetch: 500,
  });
  expect(clientConfig({})).toMatchObject({ hubUrl: 'http://localhost:3000', storeName: 'acme-widgets', driverName: 'driver-1' });
});

it('lets flags override the environment, and treats an empty variable as unset', () => {
  const config = hubConfig({ PORT: '4001' }, { PORT: '3001', CAPS_STORE: 'lmdb:/tmp/q', MAX_ATTEMPTS: '' });
  expect([config.port, config.store, config.delivery.maxAttempts]).toEqual([4001, 'lmdb:/tmp/q', 5]);
});

it('names every bad variable', () => {
  expect(() => hubConfig({}, { PORT: 'three', CAPS_STORE: 'redis' })).toThrow(ConfigError);
  expect(() => hubConfig({}, { PORT: 'three', CAPS_STORE: 'redis' })).toThrow(/PORT[\s\S]*CAPS_STORE: memory or lmdb:<dir>/);
});
