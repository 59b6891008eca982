/**
 * Everything the benchmark starts or creates (child processes, temporary directories) is
 * registered here and torn down by `run`, which main.ts calls on success, on error, and on
 * SIGINT/SIGTERM. If the process exits any other way, an `exit` hook still kills the children and
 * removes the directories synchronously.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How long a child gets to exit after SIGTERM before it is SIGKILLed. */
const GRACE_MS = 10_000;

export class Cleanup {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs = new Set<string>();
  private running: Promise<void> | undefined;

  constructor() {
    process.once('exit', () => this.killNow());
  }

  /** Registers a child started in its own process group (`detached: true`). */
  addChild(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  /** SIGTERMs `child`'s group, waits for it to exit (SIGKILL after a grace period). */
  async stopChild(child: ChildProcess, graceMs = GRACE_MS): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return void this.children.delete(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** A new temporary directory, removed by `run` (or `removeDir`). */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.add(dir);
    return dir;
  }

  removeDir(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
    this.dirs.delete(dir);
  }

  /** Stops every child and removes every directory. Safe to call more than once. */
  run(): Promise<void> {
    this.running ??= (async () => {
      await Promise.all([...this.children].map((child) => this.stopChild(child, 3_000)));
      for (const dir of [...this.dirs]) this.removeDir(dir);
    })();
    return this.running;
  }

  /** On SIGINT/SIGTERM: clean up, then exit with 130 (a second signal exits at once). */
  onSignals(): void {
    let stopping = false;
    const handle = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      process.stderr.write(`\nbench: ${signal}: stopping the servers and generators\n`);
      void this.run().finally(() => process.exit(130));
    };
    process.on('SIGINT', handle);
    process.on('SIGTERM', handle);
  }

  private killNow(): void {
    for (const child of this.children) signalGroup(child, 'SIGKILL');
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}
