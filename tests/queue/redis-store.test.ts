/** The queue-store contract (store-contract.ts) against the Redis store, on a private redis-server. */
import { RedisStore } from '../../src/queue/redis-store';
import { CapturingLogger, silentLogger } from '../helpers/setup';
import { RedisServer } from '../helpers/redis-server';
import { describeStoreContract } from './store-contract';

let redis: RedisServer;
beforeAll(async () => (redis = await RedisServer.start()));
afterAll(() => redis?.cleanup());

// Each test writes under a prefix of its own, so that one server serves them all.
let fixtures = 0;
describeStoreContract(
  'redis',
  async (options) => {
    const prefix = `contract-${++fixtures}:`;
    const open = () => RedisStore.open(redis.spec, { ...options, prefix, logger: silentLogger });
    let store = await open();
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await open();
        return store;
      },
      cleanup: () => store.close(),
    };
  },
  { durable: true },
);

describe('redis store: persistence settings', () => {
  afterEach(() => redis.run('CONFIG', 'SET', 'appendonly', 'yes'));

  it('warns at open when Redis keeps no append-only file, or cannot give what STORE_DURABILITY=flush asks', async () => {
    await redis.run('CONFIG', 'SET', 'appendonly', 'no');
    const log = new CapturingLogger();
    const store = await RedisStore.open(redis.spec, { dedupWindowMs: 1_000, durability: 'flush', prefix: 'settings:', logger: log.logger });
    await store.close();
    expect(log.lines.filter((line) => line.level === 40).map((line) => line.msg)).toEqual([
      expect.stringMatching(/runs with appendonly no: a restart of Redis loses the queues; run it with appendonly yes/),
      expect.stringMatching(/^STORE_DURABILITY=flush does not apply to the redis store: Redis at redis:\/\/127\.0\.0\.1:\d+\/0 fsyncs everysec; set appendfsync always/),
    ]);
  });

  it('says nothing when Redis keeps its append-only file', async () => {
    const log = new CapturingLogger();
    const store = await RedisStore.open(redis.spec, { dedupWindowMs: 1_000, prefix: 'settings:', logger: log.logger });
    await store.close();
    expect(log.lines).toEqual([]);
  });
});
