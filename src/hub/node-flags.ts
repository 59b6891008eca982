/**
 * The V8 flags every hub process runs with: `npm run hub` (package.json), the demo, the simulator
 * and the benchmark all start the hub with these (tests/hub/node-flags.test.ts keeps them in step).
 *
 * A larger young generation. The hub allocates a little for every message, and with V8's default
 * semi-space the scavenges were what made the p99 of delivery latency: 12–26 ms at 2,000 msgs/s
 * against a p50 of about 1 ms. With 64 MiB the p99 was about 6 ms; 32 MiB gives the same p99 (five
 * rounds each, in turn) and takes about 1.5 KB of RSS off each idle connection, as the handshakes'
 * garbage grows the young generation less (docs/benchmarks.md, "The young generation: 32 MiB").
 * An idle hub does not use the space; a busy one may hold up to about 100 MiB more for it.
 */
export const HUB_NODE_FLAGS = ['--max-semi-space-size=32'] as const;
