/**
 * A Redis that asks for a password (`requirepass`): the store opens with the password its name
 * gives, and refuses to open without it or with a wrong one, in an error that says what to do
 * and never shows the password.
 */
import { RedisUnreachableError } from '../../src/queue/redis/errors';
import { RedisStore } from '../../src/queue/redis-store';
import type { RedisSpec } from '../../src/queue/store-spec';
import { RedisServer } from '../helpers/redis-server';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';
import { message } from './store-contract';

const PASSWORD = 'correct horse@battery:staple';
let t: TestContext;
let redis: RedisServer;
beforeAll(async () => {
  t = await setup();
  redis = await RedisServer.start({ password: PASSWORD });
  t.defer(() => redis.cleanup());
});
afterAll(() => t.cleanup());

const open = (spec: RedisSpec) => RedisStore.open(spec, { dedupWindowMs: 60_000, prefix: 'caps:', logger: new CapturingLogger().logger });

it('opens with the password the store name gives, and stores in that Redis', async () => {
  const store = await open(redis.spec);
  t.defer(() => store.close());
  expect((await store.enqueue(message('driver', 'm1'))).status).toBe('stored');
  expect(await redis.run('HEXISTS', 'caps:body:driver', 'm1')).toBe(1);
});

it.each([
  ['no password', undefined, /NOAUTH.*this Redis asks for a password: give it in the store name/],
  ['a wrong password', 'not-the-password', /^cannot use redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 as the queue store: WRONGPASS .*\(Redis refused the user or password the store name gives\)$/],
])('refuses to open with %s, in an error that says why and shows no password', async (_, password, why) => {
  const opened = open({ ...redis.spec, password });
  await expect(opened).rejects.toBeInstanceOf(RedisUnreachableError);
  const { message: text } = (await opened.catch((err: unknown) => err)) as Error;
  expect(text).toMatch(why);
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain('not-the-password');
});
