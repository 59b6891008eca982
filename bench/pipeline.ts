/**
 * The order pipeline that every system carries, from the load generator's side:
 *
 *   vendor ──pickup──▶ server ──pickup──▶ one driver          (message 1)
 *   driver ──delivered──▶ server ──delivered──▶ the vendor    (message 2)
 *
 * With acks, every hop is acknowledged: the producer's post is answered once the server has taken
 * (for the systems that store, stored) the message, and the consumer acknowledges what it is
 * given. Without acks (plain relay only) nothing is answered. How each system carries a hop is in
 * its ends (pipeline-ends.ts); the loops, windows and clocks here are the same for all.
 *
 * An order is complete when its vendor has the pickup's ack (in ack mode) and has received (and
 * acknowledged) the delivery notice: that is when its two messages count.
 */
import type { Histogram } from 'hdr-histogram-js';
import type { Envelope } from '../src/protocol/envelope';
import { orderEnvelope, sentAtOf } from './bench-client';
import { wallNow } from './clock';
import { encodeHistogram, latencyHistogram, recordMs } from './histogram';
import type { LatencyJob, LatencyResult, OpenPipelineJob, ThroughputJob, ThroughputResult } from './jobs';
import { pace } from './pacer';
import { openEnds, type DriverEnd, type PipelineEnds, type VendorEnd } from './pipeline-ends';

/** Thrown when a server refuses a message or the pipeline stops moving. */
export class PipelineError extends Error {
  override readonly name = 'PipelineError';
}

interface Order {
  vendor: VendorEnd;
  intendedAt: number;
  acked: boolean;
  noticed: boolean;
}

/** What one run does as orders complete. */
interface Run {
  acks: boolean;
  complete(order: Order, now: number): void;
  fail(err: Error): void;
}

export class Pipeline {
  private readonly orders = new Map<string, Order>();
  private run: Run | undefined;
  private seq = 0;
  /** Pickups this generator's drivers received, by one-way latency; see `takePickupLatency`. */
  private pickups: Histogram = latencyHistogram();
  private pickupsFrom = Infinity;

  private constructor(
    private readonly tag: string,
    private readonly ends: PipelineEnds,
  ) {}

  /** Opens the vendors and drivers (pipeline-ends.ts) and wires them up. */
  static async open(job: OpenPipelineJob): Promise<Pipeline> {
    const pipeline = new Pipeline(job.tag, await openEnds(job));
    pipeline.wire();
    return pipeline;
  }

  /** The vendors and drivers, each one client connection. */
  get sockets(): number {
    return this.ends.vendors.length + this.ends.drivers.length;
  }

  /**
   * Closed loop: keeps `windowPerVendor` orders under way per vendor for the job's time. The
   * measured window opens when the warm-up is over and orders are completing, whichever is later:
   * a server slow to get going (a cold Redis script cache on a loaded machine) then yields a later
   * window, not an empty one. If no order completes within `settleTimeoutMs` of the warm-up's end,
   * the run fails rather than report a rate of zero.
   */
  throughput(job: ThroughputJob): Promise<ThroughputResult> {
    this.orders.clear();
    const cpuBefore = process.cpuUsage();
    return new Promise((resolve, reject) => {
      let warmedUp = false;
      let flowing = false;
      let measureFrom = Infinity;
      let measureTo = Infinity;
      let messages = 0;
      let stopping = false;
      let timer: NodeJS.Timeout | undefined;
      const open = (now: number) => {
        clearTimeout(timer);
        measureFrom = now;
        measureTo = now + job.durationMs;
        timer = setTimeout(stop, job.durationMs);
      };
      const stop = () => {
        stopping = true;
        if (this.orders.size === 0) return finish();
        timer = setTimeout(() => fail(new PipelineError(`${this.orders.size} orders still under way ${job.settleTimeoutMs} ms after the run`)), job.settleTimeoutMs);
      };
      timer = setTimeout(() => {
        warmedUp = true;
        if (flowing) return open(wallNow());
        timer = setTimeout(() => fail(new PipelineError(`no order completed within ${job.settleTimeoutMs} ms of the warm-up's end`)), job.settleTimeoutMs);
      }, job.warmupMs);
      const finish = () => {
        clearTimeout(timer);
        this.run = undefined;
        const cpu = process.cpuUsage(cpuBefore);
        resolve({ messages, elapsedMs: job.durationMs, cpuMs: (cpu.user + cpu.system) / 1000 });
      };
      this.run = {
        acks: job.acks,
        complete: (order, now) => {
          if (!flowing) {
            flowing = true;
            if (warmedUp) open(now);
          }
          if (now >= measureFrom && now < measureTo) messages += 2;
          if (!stopping) this.post(order.vendor, wallNow());
          else if (this.orders.size === 0) finish();
        },
        fail: (err) => fail(err),
      };
      const fail = (err: Error) => {
        clearTimeout(timer);
        this.run = undefined;
        reject(err);
      };
      for (const vendor of this.ends.vendors) for (let i = 0; i < job.windowPerVendor; i++) this.post(vendor, wallNow());
    });
  }

  /**
   * Open loop at the job's rate: records each order's round trip (intended post → notice back) and
   * how late the pacer sent it. Pickup latencies are kept by whichever generator's driver got the
   * pickup; collect them with `takePickupLatency` once every generator is done.
   */
  latency(job: LatencyJob): Promise<LatencyResult> {
    const roundTrip = latencyHistogram();
    const scheduleLag = latencyHistogram();
    const startAt = wallNow() + 5;
    const measureFrom = startAt + job.warmupMs;
    const total = Math.max(1, Math.round(((job.messagesPerSecond / 2) * (job.warmupMs + job.durationMs)) / 1000));
    this.pickups = latencyHistogram();
    this.pickupsFrom = measureFrom;
    this.orders.clear();
    const cpuBefore = process.cpuUsage();
    return new Promise((resolve, reject) => {
      let sent = false;
      let settleTimer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(settleTimer);
        this.run = undefined;
        const cpu = process.cpuUsage(cpuBefore);
        resolve({ roundTrip: encodeHistogram(roundTrip), scheduleLag: encodeHistogram(scheduleLag), orders: total, cpuMs: (cpu.user + cpu.system) / 1000 });
      };
      const fail = (err: Error) => {
        clearTimeout(settleTimer);
        this.run = undefined;
        reject(err);
      };
      this.run = {
        acks: job.acks,
        complete: (order, now) => {
          if (order.intendedAt >= measureFrom) recordMs(roundTrip, now - order.intendedAt);
          if (sent && this.orders.size === 0) finish();
        },
        fail,
      };
      pace(total, job.messagesPerSecond / 2, startAt, (i, intendedAt, now) => {
        if (intendedAt >= measureFrom) recordMs(scheduleLag, now - intendedAt);
        this.post(this.ends.vendors[i % this.ends.vendors.length]!, intendedAt);
      }).then(() => {
        sent = true;
        if (this.orders.size === 0) return finish();
        settleTimer = setTimeout(() => fail(new PipelineError(`${this.orders.size} orders still under way ${job.settleTimeoutMs} ms after the last was posted`)), job.settleTimeoutMs);
      }, fail);
    });
  }

  /** The one-way pickup latencies this generator's drivers saw in the last latency run. */
  takePickupLatency(): string {
    const encoded = encodeHistogram(this.pickups);
    this.pickups = latencyHistogram();
    this.pickupsFrom = Infinity;
    return encoded;
  }

  /** Disconnects every end; resolves with how many there were. */
  async close(): Promise<number> {
    await this.ends.close();
    return this.sockets;
  }

  private post(vendor: VendorEnd, intendedAt: number): void {
    const run = this.run!;
    const envelope = orderEnvelope(this.tag, this.seq++, vendor.store, intendedAt);
    const order: Order = { vendor, intendedAt, acked: !run.acks, noticed: false };
    this.orders.set(envelope.messageId, order);
    if (!run.acks) return vendor.postPickup(envelope);
    vendor.postPickup(envelope, (error) => {
      if (error !== undefined) return this.run?.fail(new PipelineError(`pickup ${envelope.messageId} refused: ${error}`));
      order.acked = true;
      this.settle(envelope.messageId, order);
    });
  }

  private settle(messageId: string, order: Order): void {
    if (!order.acked || !order.noticed) return;
    this.orders.delete(messageId);
    this.run?.complete(order, wallNow());
  }

  private wire(): void {
    for (const driver of this.ends.drivers) this.wireDriver(driver);
    for (const vendor of this.ends.vendors) {
      vendor.onDelivered((envelope) => {
        const order = this.orders.get(envelope.messageId);
        if (!order) return; // a redelivery of one already counted
        order.noticed = true;
        this.settle(envelope.messageId, order);
      });
    }
  }

  private wireDriver(driver: DriverEnd): void {
    driver.onPickup((envelope, acknowledged) => {
      const sentAt = sentAtOf(envelope.messageId);
      if (sentAt >= this.pickupsFrom) recordMs(this.pickups, wallNow() - sentAt);
      const notice: Envelope = { ...envelope, event: 'delivered', queueId: envelope.order.store, driver: driver.name };
      if (!acknowledged) return driver.postDelivered(notice);
      driver.postDelivered(notice, (error) => {
        if (error !== undefined) this.run?.fail(new PipelineError(`delivered ${notice.messageId} refused: ${error}`));
      });
    });
  }
}
