import type { PushOutcomeLabel } from '../metrics/metrics';
import type { TraceOutcome } from '../store/types';

/**
 * What a push service's answer means for a device (design.md, "Delivery
 * outcomes"). Pure, so the rules are table-tested apart from any I/O.
 */

export type Attempt =
  | { status: number; retryAfter?: string | undefined }
  | { transportError: TransportErrorCode };

export type TransportErrorCode = 'timeout' | 'reset' | 'refused' | 'proxy' | 'tls' | 'dns' | 'network';

export type Verdict =
  /** 2xx: the push service has it */
  | { kind: 'delivered' }
  /** 404/410: the subscription is gone; delete the device */
  | { kind: 'gone' }
  /** transient: try again (after retryAfterMs when the push service said so) */
  | { kind: 'retry'; retryAfterMs?: number }
  /** the push service refused this push (bad VAPID, payload, …): report, keep the device */
  | { kind: 'rejected' };

const RETRY_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export function judge(attempt: Attempt, now: number = Date.now()): Verdict {
  if ('transportError' in attempt) return { kind: 'retry' };
  const { status } = attempt;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 404 || status === 410) return { kind: 'gone' };
  if (RETRY_STATUSES.has(status)) {
    const retryAfterMs = parseRetryAfter(attempt.retryAfter, now);
    return retryAfterMs === undefined ? { kind: 'retry' } : { kind: 'retry', retryAfterMs };
  }
  return { kind: 'rejected' };
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 4000;

/**
 * Delay before attempt number `attempt` (1 = the first retry): the push
 * service's Retry-After when given, else exponential backoff with jitter.
 * `random` is injectable so tests are exact.
 */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** How a device's last outcome is recorded in the store. */
export function outcomeLabel(attempt: Attempt): string {
  return 'transportError' in attempt ? attempt.transportError : String(attempt.status);
}

/** A final outcome as the metrics count it: failures by the class of the push service's last answer. */
export function metricOutcome(outcome: TraceOutcome, lastAnswer: string | null): PushOutcomeLabel {
  if (outcome !== 'failed') return outcome;
  if (lastAnswer === null) return 'failed_other'; // never sent (unencryptable)
  if (!/^\d+$/.test(lastAnswer)) return 'failed_network'; // a transport error code
  const status = Number(lastAnswer);
  return status >= 500 ? 'failed_5xx' : status >= 400 ? 'failed_4xx' : 'failed_other';
}
