/**
 * Property-based fuzzing of the protocol (fast-check): arbitrary event names and payloads
 * (nested, huge, binary, unicode, prototype keys) from an anonymous client, against a real hub in
 * each log format, while our vendor and driver work beside it. Each event's ack is answered
 * (Socket.IO calls an ack callback once at most), with `ok` or a known error code; the hub stays up; nothing of the honest pair is lost.
 *
 * `npm test` runs FUZZ_RUNS cases per format (default 40); `npm run fuzz` runs 2,000, or
 * `FUZZ_RUNS=20000 npm run fuzz`. FUZZ_SEED replays a run; every run prints its seed.
 */
import fc from 'fast-check';
import type { LogFormat } from '../../src/config';
import { ERROR_CODES } from '../../src/protocol/acks';
import { CLIENT_EVENTS } from '../../src/protocol/spellings';
import { CapturingLogger, setup, type TestContext } from '../helpers/setup';
import { until, waitFor } from '../helpers/wait-for';

// Tests, unlike src/, may read the environment: this is the flag that scales the fuzzing.
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED === undefined ? Date.now() ^ (Math.random() * 0x7fffffff) : Number(process.env.FUZZ_SEED);
const ORDERS = 10;

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

const KNOWN = new Set<string>(ERROR_CODES);
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary', maxLength: 50 }));
const names = fc.oneof(
  fc.constantFrom(...CLIENT_EVENTS, 'JOIN', 'GET-ALL', 'In transit', 'get_all', 'DRIVER', '__proto__', 'constructor', 'toString'),
  text,
  fc.string({ minLength: 1000, maxLength: 5000 }),
);
const leaf = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 2048 }),
  fc.string({ minLength: 10_000, maxLength: 100_000 }),
);
const order = fc.record({ store: fc.oneof(text, fc.constant('fuzz-store')), orderId: text, customer: text, address: text }, { requiredKeys: [] });
const payloads = fc.oneof(
  fc.anything({ maxDepth: 6, withObjectString: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withUnicodeString: true }),
  fc.letrec((tie) => ({ tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(text, tie('tree'), { maxKeys: 4 })) })).tree,
  fc.record({ messageId: fc.oneof(text, fc.integer()), order, queueId: fc.oneof(text, fc.constant('driver')), event: text }, { requiredKeys: [] }),
  fc.record({ queueId: fc.oneof(fc.constant('driver'), fc.constant('DRIVERS'), text) }),
  // Deep nesting, as a JSON frame can carry it.
  fc.integer({ min: 100, max: 3000 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown),
);

describe.each<LogFormat>(['json', 'pretty'])('fuzzing the protocol with LOG_FORMAT=%s', (format) => {
  it(`answers every event once with ok or a known code, stays up, and loses nothing of an honest vendor and driver (${RUNS} cases)`, async () => {
    const log = new CapturingLogger();
    // A short probation: on a loaded machine a stall past the 500 ms ack timeout can make the honest
    // driver a suspect, and this test is about input, not about how long a suspect waits.
    const hub = await t.hub({ log: { format, level: 'info' }, delivery: { ackTimeoutMs: 500, probationMs: 1000 } }, log.logger);
    const driver = t.driver(hub, 'honest-driver');
    const vendor = t.vendor(hub, 'honest-store');
    await Promise.all([waitFor(driver, 'connected'), waitFor(vendor, 'connected')]);
    const thanked = new Set<string>();
    vendor.on('thanked', (notice) => thanked.add(notice.messageId));

    const fuzzer = t.labClient(hub);
    await waitFor(fuzzer, 'connect');
    const posts: Promise<unknown>[] = [];
    console.log(`fuzzing with LOG_FORMAT=${format}: ${RUNS} cases, seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    await fc.assert(
      fc.asyncProperty(names, payloads, async (name, payload) => {
        // The honest vendor keeps posting through the first cases.
        if (posts.length < ORDERS) posts.push(vendor.post());
        // Socket.IO calls an ack callback once at most; that it is called at all is the check.
        const answer = (await fuzzer.emitWithAck(name, payload)) as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
        if (answer.ok !== true) {
          expect(answer.ok).toBe(false);
          expect(KNOWN.has(String(answer.error?.code))).toBe(true);
          expect(typeof answer.error?.message).toBe('string');
        }
        expect(fuzzer.connected).toBe(true);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    while (posts.length < ORDERS) posts.push(vendor.post());
    await Promise.all(posts);
    // The hub is up, and everything the vendor posted reached it through the driver.
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    await until(vendor, ['thanked'], () => thanked.size === ORDERS, `all ${ORDERS} orders delivered and thanked`);
    expect(log.lines.filter((l) => l.level >= 50 && !/refused/.test(l.msg))).toEqual([]);
  });
});
