/** Numbers the soak report is made of: percentiles of latencies, and whether memory levelled off. */

/** The p-th percentile (0–100) of values, nearest-rank; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface MemoryVerdict {
  flat: boolean;
  /** mean heap (MB, after GC) of the middle and the last third of the run */
  middleMb: number;
  lastMb: number;
  text: string;
}

/**
 * Memory "levels off" when the heap after GC in the last third of the run is
 * no more than 10 % (plus 2 MB of slack for small heaps) above the middle
 * third's. The first third is warm-up: caches, JIT, connection pools filling.
 */
export function memoryVerdict(heapMb: readonly number[]): MemoryVerdict {
  const third = Math.floor(heapMb.length / 3);
  if (third < 1) return { flat: false, middleMb: 0, lastMb: 0, text: 'too few samples to judge memory (run longer)' };
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const middleMb = mean(heapMb.slice(third, 2 * third));
  const lastMb = mean(heapMb.slice(heapMb.length - third));
  const flat = lastMb <= middleMb * 1.1 + 2;
  const change = middleMb > 0 ? ((lastMb - middleMb) / middleMb) * 100 : 0;
  const text = `heap after GC: middle third ${middleMb.toFixed(1)} MB, last third ${lastMb.toFixed(1)} MB (${change >= 0 ? '+' : ''}${change.toFixed(1)} %): ${flat ? 'levels off' : 'STILL GROWING'}`;
  return { flat, middleMb, lastMb, text };
}
