import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { round } from './stats';

/** What a bench result was measured on; the load average before and after, since other work skews rates (less so CPU per push). */
export function machine(loadBefore: number) {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    /** 1-minute load average before and after */
    loadAverage: [round(loadBefore), round(loadavg()[0]!)],
  };
}

export function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}
