/**
 * Several CAPS hubs that the benchmark treats as one system (`redis3`: three shared hubs on one
 * Redis): the generators spread their clients over `urls`, and `probe` adds the hubs' CPU time
 * and memory together, so that "server CPU per message" is what the whole group spent.
 */
import type { ProcessSample } from './probe-agent';
import type { ServerProcess } from './server-process';

export class HubGroup {
  constructor(private readonly hubs: readonly ServerProcess[]) {}

  /** The first hub's URL. */
  get url(): string {
    return this.hubs[0]!.url;
  }

  /** Every hub's URL, `url` first. */
  get urls(): string[] {
    return this.hubs.map((hub) => hub.url);
  }

  /** The hubs' summed CPU time and RSS. `atMs` is the first hub's: the readings are taken together. */
  async probe(): Promise<ProcessSample> {
    const samples = await Promise.all(this.hubs.map((hub) => hub.probe()));
    const sum = (pick: (s: ProcessSample) => number) => samples.reduce((total, s) => total + pick(s), 0);
    return { rss: sum((s) => s.rss), cpuUserUs: sum((s) => s.cpuUserUs), cpuSystemUs: sum((s) => s.cpuSystemUs), atMs: samples[0]!.atMs };
  }

  /** Starts a CPU profile of every hub. */
  async startProfile(): Promise<void> {
    await Promise.all(this.hubs.map((hub) => hub.startProfile()));
  }

  /** Writes hub `i`'s profile to `path` with `-hub<i>` before its extension. */
  async stopProfile(path: string): Promise<void> {
    await Promise.all(this.hubs.map((hub, i) => hub.stopProfile(path.replace(/\.cpuprofile$/, `-hub${i}.cpuprofile`))));
  }

  async stop(): Promise<void> {
    await Promise.all(this.hubs.map((hub) => hub.stop()));
  }
}
