/** The one grammar of store names (src/queue/store-spec.ts). */
import { describeRedis, parseStoreSpec } from '../../src/queue/store-spec';

it('reads memory, lmdb:<dir> and redis://host:port[/db]', () => {
  expect(parseStoreSpec('memory')).toEqual({ kind: 'memory' });
  expect(parseStoreSpec('lmdb:./data')).toEqual({ kind: 'lmdb', dir: './data' });
  expect(parseStoreSpec('redis://127.0.0.1:6380')).toEqual({ kind: 'redis', host: '127.0.0.1', port: 6380, db: 0 });
  expect(parseStoreSpec('redis://redis.internal:6379/3')).toEqual({ kind: 'redis', host: 'redis.internal', port: 6379, db: 3 });
  expect(parseStoreSpec('redis://localhost:6379/')).toEqual({ kind: 'redis', host: 'localhost', port: 6379, db: 0 });
  expect(parseStoreSpec('redis://[::1]:6379/1')).toEqual({ kind: 'redis', host: '::1', port: 6379, db: 1 });
});

it('names nothing it does not understand, rather than guessing', () => {
  for (const text of [
    'redis',
    'redis://',
    'redis://localhost', // the port is part of the grammar
    'redis://localhost:6379/x',
    'redis://localhost:6379/1/2',
    'redis://user:secret@localhost:6379',
    'redis://localhost:6379?db=1',
    'rediss://localhost:6379',
    'lmdb:',
    'Memory',
  ]) {
    expect([text, parseStoreSpec(text)]).toEqual([text, undefined]);
  }
});

it('writes a Redis store back in one form, for messages', () => {
  expect(describeRedis({ kind: 'redis', host: '127.0.0.1', port: 6380, db: 0 })).toBe('redis://127.0.0.1:6380/0');
  expect(describeRedis({ kind: 'redis', host: '::1', port: 6379, db: 2 })).toBe('redis://[::1]:6379/2');
});
