/**
 * Idle client sockets, for the memory-per-connection scenario: drivers (the commonest CAPS client)
 * that connect, say who they are, and then only answer Socket.IO's heartbeats.
 */
import { openMany, type BenchSocket } from './bench-client';
import type { OpenIdleJob } from './jobs';

export class IdleClients {
  private readonly sockets: BenchSocket[] = [];

  get size(): number {
    return this.sockets.length;
  }

  /** Opens `job.count` more; resolves once every one is connected. */
  async open(job: OpenIdleJob): Promise<number> {
    const offset = this.sockets.length;
    const opened = await openMany(job.target, (i) => ({ role: 'driver', clientId: `${job.tag}-i${offset + i}` }), job.count, job.concurrency);
    this.sockets.push(...opened);
    return this.sockets.length;
  }

  close(): number {
    const closed = this.sockets.length;
    for (const socket of this.sockets) socket.disconnect();
    this.sockets.length = 0;
    return closed;
  }
}
