/**
 * File-descriptor limits. Every client socket costs the server one descriptor (and its generator
 * another), so 10k clients need a soft `ulimit -n` above 10k. Node cannot raise its own limit, so
 * children are started through `sh`, which raises the soft limit to the hard one and then `exec`s
 * the real command (the same process, so signals and IPC are unaffected).
 */
import { execFileSync } from 'node:child_process';

export interface FdLimits {
  soft: number;
  hard: number;
}

function read(flag: '-Sn' | '-Hn'): number {
  const text = execFileSync('/bin/sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).trim();
  return text === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(text);
}

/** This process's limits, as a child started through `sh` inherits them. */
export function fdLimits(): FdLimits {
  return { soft: read('-Sn'), hard: read('-Hn') };
}

/** The argv that runs `command` with its soft descriptor limit raised as far as allowed. */
export function withRaisedFdLimit(command: string, args: string[]): [string, string[]] {
  return ['/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', command, ...args]];
}
