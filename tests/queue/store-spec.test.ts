/** The one grammar of store names (src/queue/store-spec.ts). */
import { describeRedis, parseStoreSpec, redactStoreName } from '../../src/queue/store-spec';

it('reads memory, lmdb:<dir> and redis://host:port[/db]', () => {
  expect(parseStoreSpec('memory')).toEqual({ kind: 'memory' });
  expect(parseStoreSpec('lmdb:./data')).toEqual({ kind: 'lmdb', dir: './data' });
  expect(parseStoreSpec('redis://127.0.0.1:6380')).toEqual({ kind: 'redis', host: '127.0.0.1', port: 6380, db: 0 });
  expect(parseStoreSpec('redis://redis.internal:6379/3')).toEqual({ kind: 'redis', host: 'redis.internal', port: 6379, db: 3 });
  expect(parseStoreSpec('redis://localhost:6379/')).toEqual({ kind: 'redis', host: 'localhost', port: 6379, db: 0 });
  expect(parseStoreSpec('redis://[::1]:6379/1')).toEqual({ kind: 'redis', host: '::1', port: 6379, db: 1 });
});

it('reads a password, an ACL user and TLS, percent-decoded', () => {
  const at = { kind: 'redis', host: 'redis.internal', port: 6379, db: 0 };
  expect(parseStoreSpec('redis://:s3cret@redis.internal:6379')).toEqual({ ...at, password: 's3cret' });
  expect(parseStoreSpec('redis://caps:s3cret@redis.internal:6379/0')).toEqual({ ...at, username: 'caps', password: 's3cret' });
  expect(parseStoreSpec('redis://caps@redis.internal:6379')).toEqual({ ...at, username: 'caps' });
  expect(parseStoreSpec('redis://:p%40ss%2Fw%3Ard@redis.internal:6379')).toEqual({ ...at, password: 'p@ss/w:rd' });
  expect(parseStoreSpec('rediss://:s3cret@redis.internal:6379/2')).toEqual({ ...at, db: 2, password: 's3cret', tls: true });
});

it('names nothing it does not understand, rather than guessing', () => {
  for (const text of [
    'redis',
    'redis://',
    'redis://localhost', // the port is part of the grammar
    'redis://localhost:6379/x',
    'redis://localhost:6379/1/2',
    'redis://localhost:6379?db=1',
    'redis://:%E0%A4%A@localhost:6379', // a broken escape in the password
    'redisss://localhost:6379',
    'lmdb:',
    'Memory',
  ]) {
    expect([text, parseStoreSpec(text)]).toEqual([text, undefined]);
  }
});

it('writes a Redis store back in one form, for messages, never with its password', () => {
  expect(describeRedis({ kind: 'redis', host: '127.0.0.1', port: 6380, db: 0 })).toBe('redis://127.0.0.1:6380/0');
  expect(describeRedis({ kind: 'redis', host: '::1', port: 6379, db: 2 })).toBe('redis://[::1]:6379/2');
  expect(describeRedis({ kind: 'redis', host: 'r', port: 6379, db: 0, password: 's3cret', tls: true })).toBe('rediss://:***@r:6379/0');
  expect(describeRedis({ kind: 'redis', host: 'r', port: 6379, db: 0, username: 'caps', password: 's3cret' })).toBe('redis://caps:***@r:6379/0');
  expect(describeRedis({ kind: 'redis', host: 'r', port: 6379, db: 0, username: 'caps' })).toBe('redis://caps@r:6379/0');
});

it('hides the password of any store name it is given to print, valid or not', () => {
  expect(redactStoreName('redis://caps:s3cret@r:6379/1')).toBe('redis://caps:***@r:6379/1');
  expect(redactStoreName('redis://:s3cret@r:6379?db=1')).toBe('***@r:6379?db=1');
  expect(redactStoreName('redis://:s3c@ret@r')).toBe('***@r');
  expect(redactStoreName('redis://:%E0%A4%A@r:6379')).toBe('***@r:6379');
  // Mistyped past the scheme: still nothing before the last @ is shown.
  expect(redactStoreName('redis:/:hunter2@h:6379')).toBe('***@h:6379');
  expect(redactStoreName('redis::hunter2@h:6379')).toBe('***@h:6379');
  expect(redactStoreName(' redis://:hunter2@h:6379')).toBe('***@h:6379');
  expect(redactStoreName('redis://:line\nbreak@h:6379')).toBe('redis://:***@h:6379/0'); // URL drops the newline
  expect(redactStoreName('lmdb:./data')).toBe('lmdb:./data');
  expect(redactStoreName('memory')).toBe('memory');
});
