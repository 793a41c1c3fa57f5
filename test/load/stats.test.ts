import { describe, expect, it } from 'vitest';
import { memoryVerdict, percentile } from '../../load/stats';

describe('the soak report', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted on purpose
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 99)).toBe(0);
  });

  it('calls memory flat when the last third stays near the middle third, after a warm-up climb', () => {
    expect(memoryVerdict([10, 15, 20, 30, 30, 31, 31, 30, 32]).flat).toBe(true);
  });

  it('calls memory growing when the last third keeps climbing', () => {
    const verdict = memoryVerdict([20, 22, 24, 26, 28, 30, 33, 36, 39]);
    expect(verdict.flat).toBe(false);
    expect(verdict.text).toMatch(/STILL GROWING/);
  });

  it('will not judge a run too short to have thirds', () => {
    expect(memoryVerdict([20, 21]).flat).toBe(false);
  });
});
