import type { FastifyBaseLogger as Logger } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { InFlight } from '../in-flight';
import type { DeviceStore, OutboxEvent } from '../store/types';
import { nextEventAttempt } from './retry';

/** How often the outbox is looked at when nothing woke the dispatcher sooner (events of other instances, retries due). */
const POLL_MS = 1_000;
/** One attempt's bound: a receiver slower than this is tried again later. */
const ATTEMPT_TIMEOUT_MS = 10_000;
/** An event taken by an instance stays its own this long (beyond one attempt): a crashed instance's events come back after it. */
const LEASE_MS = 30_000;
const BATCH = 20;

export interface EventDispatcherOptions {
  store: DeviceStore;
  url: string;
  /** Standard Webhooks secret, whsec_<base64> */
  secret: string;
  logger: Logger;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * Delivers the outbox's call events to RINGKIT_EVENTS_URL, signed the
 * Standard Webhooks way: `webhook-id` (the same on every retry),
 * `webhook-timestamp` and `webhook-signature` (v1, HMAC-SHA256 of
 * "id.timestamp.body"). A 2xx answer takes the event; anything else, or no
 * answer, is retried with backoff. Several instances sharing the store each
 * lease the events they send, so one event is sent by one instance at a time.
 */
export class EventDispatcher {
  private readonly webhook: Webhook;
  private readonly inFlight = new InFlight();
  private readonly fetch: typeof fetch;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly o: EventDispatcherOptions) {
    this.webhook = new Webhook(o.secret);
    this.fetch = o.fetch ?? fetch;
  }

  start(): void {
    this.schedule(0);
  }

  /** Something was enqueued here: look now rather than at the next poll. */
  wake(): void {
    if (this.closed) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Stops polling; attempts under way finish (drain). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Resolves when the attempts started so far are settled. */
  async drain(): Promise<void> {
    await this.running;
    await this.inFlight.drain();
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pass(), ms);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    if (this.running || this.closed) return;
    this.running = (async () => {
      try {
        let due: OutboxEvent[];
        do {
          this.again = false;
          const now = this.now();
          due = await this.o.store.claimDueEvents(new Date(now), new Date(now + LEASE_MS), BATCH);
          for (const event of due) this.inFlight.track(this.attempt(event));
        } while ((due.length === BATCH || this.again) && !this.closed);
      } catch (err) {
        this.o.logger.warn({ err }, 'could not read the call events outbox; trying again shortly');
      }
    })();
    await this.running;
    this.running = undefined;
    this.schedule(POLL_MS);
  }

  private async attempt(event: OutboxEvent): Promise<void> {
    const error = await this.send(event);
    const now = this.now();
    try {
      if (!error) {
        await this.o.store.settleEvent(event.id, { kind: 'delivered', at: new Date(now) });
        return;
      }
      const next = nextEventAttempt(event.attempts, event.createdAt.getTime(), now);
      if (next === undefined) {
        this.o.logger.error({ id: event.id, type: event.type, attempts: event.attempts, error }, 'gave up delivering a call event');
        await this.o.store.settleEvent(event.id, { kind: 'gave-up', at: new Date(now), error });
      } else {
        this.o.logger.warn({ id: event.id, type: event.type, attempts: event.attempts, error }, 'call event not taken; will retry');
        await this.o.store.settleEvent(event.id, { kind: 'retry', at: new Date(next), error });
      }
    } catch (err) {
      // The lease runs out and the event is tried again: at least once, never lost.
      this.o.logger.warn({ err, id: event.id }, 'could not record a call event attempt');
    }
  }

  /** One signed POST; undefined when the receiver took it, else what went wrong. */
  private async send(event: OutboxEvent): Promise<string | undefined> {
    const sentAt = new Date(this.now());
    try {
      const response = await this.fetch(this.o.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'RingKit',
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': this.webhook.sign(event.id, sentAt, event.body),
        },
        body: event.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return cause ?? (err instanceof Error ? err.name : String(err));
    }
  }
}
