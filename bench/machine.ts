/** What the benchmark ran on, read from the machine (it goes into the report). */
import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { fdLimits } from './fd-limit';

export interface Machine {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  os: string;
  fdSoftLimit: number;
  fdHardLimit: number;
}

export function describeMachine(): Machine {
  const limits = fdLimits();
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
    fdSoftLimit: limits.soft,
    fdHardLimit: limits.hard,
  };
}
