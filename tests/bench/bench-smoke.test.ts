/**
 * Smoke test of `npm run bench`: a `--quick --json` run, as a child process, must print one JSON
 * object in which every figure and every ratio is there and is a positive, finite number, the
 * `redis` and `redis3` systems' and the peer brokers' included when their binaries are on the machine (and
 * said to be missing when not); and, run with a PATH that holds no redis-server, the bench must say
 * that redis is not measured and measure the rest. It says nothing about how good the figures are
 * (the machine may be busy); docs/benchmarks.md does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEERS, peerAvailable } from '../../bench/peer-brokers';
import { redisServerInstalled } from '../../src/cli/private-redis';
import { childEnv } from '../../src/config';

// No wall-clock limit of its own (the largest delay a timer takes): six systems on a loaded machine
// take what they take, and the bench bounds every wait itself (servers' readiness, connections,
// settling, draining) and fails with the reason.
jest.setTimeout(2 ** 31 - 1);

const ROOT = join(__dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run bench -- <args>`, or with `path`, the same command run by node itself with that PATH (npm needs node on it). */
function runBench(args: string[], path?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const [command, argv] = path === undefined ? ['npm', ['run', '--silent', 'bench', '--', ...args]] : [process.execPath, ['-r', 'ts-node/register/transpile-only', 'bench/main.ts', ...args]];
    const env = childEnv(path === undefined ? {} : { PATH: path });
    const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every numeric leaf under `value`, by its dotted path. */
function numbers(value: unknown, path: string, out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (value && typeof value === 'object') for (const [key, child] of Object.entries(value)) numbers(child, `${path}.${key}`, out);
  return out;
}

/** The value at a dotted path, or `undefined`. */
function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
}

const LATENCY = ['pickupP50Ms', 'pickupP99Ms', 'pickupMaxMs', 'roundTripP50Ms', 'roundTripP99Ms', 'scheduleLagP99Ms', 'pickups'];
const COMMON = ['ackThroughput', 'ackThroughputServerCpu', 'ackThroughputGeneratorCpu', 'ackServerCpuPerMessageUs', 'connectionRssBytes'];
const QUEUED = ['backlogDrain', 'backlogDrainServerCpu', 'queuedMessageHeapBytes', 'queuedMessageRssBytes'];
const RATIOS = [
  'memoryAckThroughput',
  'lmdbAckThroughput',
  'memoryCpuPerMessage',
  'lmdbCpuPerMessage',
  'memoryP99AtHighLoad',
  'lmdbP99AtHighLoad',
  'backlogDrain',
  'lmdbBacklogDrain',
  'connectionMemory',
  'connectionRss',
];
/** The hubs measured: `redis` when redis-server is installed, for its private Redis. */
const REDIS = redisServerInstalled();
const HUBS = ['memory', 'lmdb', ...(REDIS ? ['redis'] : [])];
const REDIS_RATIOS = [
  'redisAckThroughput',
  'redisCpuPerMessage',
  'redisP99AtHighLoad',
  'redisBacklogDrain',
  'redis3AckThroughput',
  'redis3VsRedis',
  'redis3CpuPerMessage',
  'redis3P99AtHighLoad',
];
/** The redis-server's own CPU, beside the hub's, and the projections made from it. */
const STORE_SERVER = ['ackStoreServerCpu', 'ackStoreServerCpuPerMessageUs', 'projectedRedisCeiling', 'projectedHubCoresPerRedisCore'];
/** Three shared hubs on one Redis, measured by rate and CPU (not by memory, which is per process). */
const GROUP = REDIS ? ['redis3'] : [];
/** The peers whose binaries are here, and what each adds to the ratios and targets. */
const PRESENT = PEERS.filter(peerAvailable);
const MISSING = [...(REDIS ? [] : ['redis', 'redis3']), ...PEERS.filter((peer) => !peerAvailable(peer))];
const PEER_RATIOS = { mosquitto: ['mosquittoAckThroughput', 'mosquittoCpuPerMessage', 'memoryVsMosquitto'], jetstream: ['jetstreamAckThroughput', 'jetstreamCpuPerMessage', 'lmdbVsJetstream'] };
const PEER_TARGETS = { mosquitto: 'memoryVsMosquitto', jetstream: 'lmdbVsJetstream' };

describe('npm run bench -- --quick --json', () => {
  let run: Run;
  let result: {
    plan: { latency: { loads: number[] }; connections: { levels: number[] } };
    notMeasured: string[];
    figures: Record<string, unknown>;
    ratios: Record<string, unknown>;
    targets: { name: string; value: number; met: boolean }[];
  };

  beforeAll(async () => {
    run = await runBench(['--quick', '--json']);
    if (run.code !== 0) throw new Error(`bench exited ${run.code}:\n${run.stderr.slice(-3000)}`);
    result = JSON.parse(run.stdout);
  });

  it('prints every figure of every system', () => {
    const expected: string[] = [];
    for (const system of ['plain', ...HUBS]) {
      expected.push(...COMMON.map((f) => `${system}.${f}`));
      if (system === 'plain') expected.push('plain.noAckThroughput');
      else expected.push(...QUEUED.map((f) => `${system}.${f}`));
      if (system === 'redis') expected.push(...STORE_SERVER.map((f) => `redis.${f}`));
      for (const load of result.plan.latency.loads) expected.push(...LATENCY.map((f) => `${system}.latency.${load}.${f}`));
      for (const level of result.plan.connections.levels) expected.push(`${system}.connections.${level}.heapBytes`, `${system}.connections.${level}.serverRssBytes`);
    }
    for (const system of [...GROUP, ...PRESENT]) {
      expected.push(...COMMON.filter((f) => f !== 'connectionRssBytes').map((f) => `${system}.${f}`));
      if (system === 'redis3') expected.push(...STORE_SERVER.map((f) => `redis3.${f}`));
      for (const load of result.plan.latency.loads) expected.push(...LATENCY.map((f) => `${system}.latency.${load}.${f}`));
    }
    const missing = expected.filter((path) => typeof at(result.figures, path) !== 'number');
    expect(missing).toEqual([]);
  });

  it('measures every system whose binary is installed, and names the others', () => {
    expect(Object.keys(result.figures).sort()).toEqual(['plain', ...HUBS, ...GROUP, ...PRESENT].sort());
    expect(result.notMeasured).toEqual(MISSING);
  });

  it('prints every ratio', () => {
    expect(Object.keys(result.ratios).sort()).toEqual([...RATIOS, ...(REDIS ? REDIS_RATIOS : []), ...PRESENT.flatMap((peer) => PEER_RATIOS[peer])].sort());
  });

  it('has only positive, finite numbers as figures and ratios', () => {
    const all = [...numbers(result.figures, 'figures'), ...numbers(result.ratios, 'ratios')];
    expect(all.length).toBeGreaterThan(60);
    const bad = all.filter(([, n]) => !(Number.isFinite(n) && n > 0));
    expect(bad).toEqual([]);
  });

  it('checks each target against a measured value', () => {
    const peerTarget = (peer: (typeof PEERS)[number]) => (PRESENT.includes(peer) ? [PEER_TARGETS[peer]] : []);
    expect(result.targets.map((t) => t.name)).toEqual([
      'memoryAckThroughput',
      ...peerTarget('mosquitto'),
      'lmdbAckThroughput',
      ...peerTarget('jetstream'),
      ...(REDIS ? ['redisAckThroughput'] : []),
      'memory p99 at 2000 msgs/s (ms)',
      'lmdb p99 at 2000 msgs/s (ms)',
      'memoryP99AtHighLoad',
      'lmdbP99AtHighLoad',
      'connectionRss',
      'connectionMemory',
      'backlogDrain',
    ]);
    for (const target of result.targets) {
      expect(Number.isFinite(target.value)).toBe(true);
      expect(typeof target.met).toBe('boolean');
    }
  });
});

describe('npm run bench without redis-server', () => {
  let path: string;
  beforeAll(() => (path = mkdtempSync(join(tmpdir(), 'caps-empty-path-'))));
  afterAll(() => rmSync(path, { recursive: true, force: true }));

  it('says that redis is not measured, and why, and measures the rest', async () => {
    // A PATH with nothing on it: the bench runs everything else by absolute path.
    const run = await runBench(['--quick', '--json', '--systems', 'plain,redis', '--scenarios', 'throughput'], path);
    expect({ code: run.code, stderr: run.stderr.slice(-3000) }).toMatchObject({ code: 0 });
    expect(run.stderr).toContain('bench: redis: redis-server is not installed, so redis is not measured (apt-get install redis-server)');
    const result = JSON.parse(run.stdout);
    expect(result.notMeasured).toEqual(['redis']);
    expect(Object.keys(result.figures)).toEqual(['plain']);
    expect(result.figures.plain.ackThroughput).toBeGreaterThan(0);
    expect(result.ratios).toEqual({});
  });
});
