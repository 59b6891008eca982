/**
 * Redis's MONITOR read from a plain socket: every command Redis runs from now on, by any client,
 * as its arguments. A test counts with it what a store asked of Redis, without waiting for time.
 *
 * Why not ioredis's `monitor()`: when the first monitored lines arrive in the same read as
 * MONITOR's own `OK`, ioredis reports "Command queue state error" as an unhandled error (seen in
 * a loaded CI run). Here a single line handler takes the `OK` and then every command line.
 *
 * @example
 *   const monitor = await RedisMonitor.open(redis.port);
 *   t.defer(() => monitor.close());
 *   monitor.on('command', (args) => args[0] === 'EVALSHA' && count++);
 */
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** A MONITOR line's arguments: `+1700000000.000001 [0 127.0.0.1:5000] "SET" "k" "v"` → `['SET', 'k', 'v']`. */
function monitoredArgs(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map(([, quoted]) => quoted!.replace(/\\(x[0-9a-f]{2}|.)/gi, (_, e: string) => (e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e)));
}

export class RedisMonitor extends EventEmitter<{ command: [args: string[]] }> {
  private constructor(private readonly socket: Socket) {
    super();
  }

  /** Connects to the Redis on `port` of 127.0.0.1 and starts monitoring; resolves once Redis said `OK`. */
  static open(port: number): Promise<RedisMonitor> {
    const socket = connect(port, '127.0.0.1');
    const monitor = new RedisMonitor(socket);
    return new Promise((resolve, reject) => {
      let started = false;
      // A monitor whose Redis went away (a test killing it) simply hears nothing more.
      socket.on('error', (err) => started || reject(err));
      createInterface({ input: socket }).on('line', (line) => {
        if (started) monitor.emit('command', monitoredArgs(line));
        else if (line === '+OK') resolve(monitor);
        else reject(new Error(`MONITOR was answered ${line}`));
        started = true;
      });
      socket.write('MONITOR\r\n');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
