import { describe, expect, it } from 'vitest';
import { judge, parseRetryAfter, retryDelay } from '../../server/push/outcome';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('judge: what a push service answer means for the device', () => {
  it.each([
    [{ status: 201 }, { kind: 'delivered' }],
    [{ status: 200 }, { kind: 'delivered' }],
    [{ status: 404 }, { kind: 'gone' }],
    [{ status: 410 }, { kind: 'gone' }],
    [{ status: 429 }, { kind: 'retry' }],
    [{ status: 429, retryAfter: '7' }, { kind: 'retry', retryAfterMs: 7000 }],
    [{ status: 503, retryAfter: 'Wed, 25 Nov 2026 12:00:02 GMT' }, { kind: 'retry', retryAfterMs: 2000 }],
    [{ status: 500 }, { kind: 'retry' }],
    [{ status: 502 }, { kind: 'retry' }],
    [{ status: 503 }, { kind: 'retry' }],
    [{ transportError: 'timeout' }, { kind: 'retry' }],
    [{ transportError: 'reset' }, { kind: 'retry' }],
    [{ transportError: 'refused' }, { kind: 'retry' }],
    // never purge on these: the device is fine, the push or the sender is not
    [{ status: 400 }, { kind: 'rejected' }],
    [{ status: 401 }, { kind: 'rejected' }],
    [{ status: 403 }, { kind: 'rejected' }],
    [{ status: 413 }, { kind: 'rejected' }],
  ] as const)('%j → %j', (attempt, verdict) => expect(judge(attempt, NOW)).toEqual(verdict));
});

describe('parseRetryAfter', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['0', 0],
    ['120', 120_000],
    ['soon', undefined],
    ['Wed, 25 Nov 2026 11:59:00 GMT', 0], // a date in the past: now
  ])('%j → %j ms', (value, ms) => expect(parseRetryAfter(value, NOW)).toBe(ms));
});

describe('retryDelay', () => {
  it('honours Retry-After', () => expect(retryDelay(3, 5000, () => 0.5)).toBe(5000));
  it('backs off exponentially with jitter, capped', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => retryDelay(n, undefined, () => 0))).toEqual([125, 250, 500, 1000, 2000, 2000, 2000]);
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => retryDelay(n, undefined, () => 1))).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
  });
});
