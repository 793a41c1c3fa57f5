/**
 * Milliseconds on a clock every bench process shares, with sub-millisecond
 * resolution: Date.now() alone would round loopback latencies away.
 */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
