/**
 * What every server the benchmark starts has in common, Node server or native broker: a child in
 * its own process group whose last lines of output are kept for error messages, and which is
 * ready once a check passes (polled until it does, the child dies, or 30 s pass).
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Cleanup } from './cleanup';

const READY_TIMEOUT_MS = 30_000;
const TAIL_LINES = 30;

/** Thrown when a server does not come up, dies, or does not answer a probe. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
}

export class ServerChild {
  /** The last lines the server printed. */
  private readonly tail: string[] = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      });
    }
  }

  lastLines(): string {
    return this.tail.join('\n');
  }

  /** Resolves once `check` passes; stops the child (and rejects) if it never does. */
  async ready(check: () => Promise<boolean>, cleanup: Cleanup): Promise<void> {
    try {
      await this.poll(check);
    } catch (err) {
      await cleanup.stopChild(this.child, 1_000);
      throw err;
    }
  }

  private async poll(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exited = false;
    this.child.once('exit', () => (exited = true));
    for (;;) {
      if (exited) throw new ServerError(`${this.name} exited before it was ready:\n${this.lastLines()}`);
      if (await check()) return;
      if (Date.now() > deadline) throw new ServerError(`${this.name} not ready after ${READY_TIMEOUT_MS} ms:\n${this.lastLines()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
