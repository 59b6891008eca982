/** The process metrics at /metrics carry one `caps_` prefix, as docs/benchmarks.md names them. */
import { setup, type TestContext } from '../helpers/setup';

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

it('names process metrics caps_process_…, not caps_process_process_…', async () => {
  const hub = await t.hub();
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  expect(text).toMatch(/^caps_process_resident_memory_bytes\{hub="[^"]+"\} \d+/m);
  expect(text).toMatch(/^caps_nodejs_eventloop_lag_seconds\{hub="[^"]+"\} /m);
  expect(text).not.toContain('caps_process_process_');
});
