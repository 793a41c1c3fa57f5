import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PushKind } from '../../protocol/api';
import type { PushServiceName } from './push-service';

export type { PushKind };

/**
 * How one push to one device ended: delivered (2xx), purged (404/410),
 * failed by the class of the last answer, or expired (the ring ended before
 * any attempt could be made or answered).
 */
export type PushOutcomeLabel = 'delivered' | 'purged' | 'failed_4xx' | 'failed_5xx' | 'failed_network' | 'failed_other' | 'expired';

/** What the sender did with a CometChat webhook POST. */
export type WebhookResult = 'acted' | 'duplicate' | 'ignored' | 'refused' | 'failed';

/** The event outbox of signed call events (issue 15), read at each scrape. */
export interface OutboxStats {
  depth: number;
  oldestAgeSeconds: number;
}

/** Latency buckets in seconds: a warm ring is ~5 ms, a cold one ~50 ms, a ring's whole life 30–60 s. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * RingKit's Prometheus metrics, in a registry of its own (one per app, so two
 * senders in one test process do not share counters). Every update on the
 * ring path is an O(1) counter or gauge step; labels are the push service
 * (fcm, mozilla, apple, wns, other), never an endpoint, key, token or uid.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly pushes: Counter<'type' | 'service' | 'outcome'>;
  private readonly retries: Counter<'type' | 'service'>;
  private readonly ringLatency: Histogram<'service'>;
  private readonly answerTime: Histogram<'service'>;
  private readonly inFlight: Gauge;
  private readonly retryQueue: Gauge;
  private readonly storeErrors: Counter<'kind'>;
  private readonly webhookEvents: Counter<'trigger' | 'result'>;
  private outbox: (() => OutboxStats | Promise<OutboxStats>) | undefined;

  constructor(options: { processMetrics: boolean }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.pushes = new Counter({
      name: 'ringkit_pushes_total',
      help: 'Pushes that reached a final outcome, by kind (ring, call_ended), push service and outcome',
      labelNames: ['type', 'service', 'outcome'],
      registers,
    });
    this.retries = new Counter({
      name: 'ringkit_push_retries_total',
      help: 'Retries scheduled after a transient answer (429, 5xx, timeout, reset)',
      labelNames: ['type', 'service'],
      registers,
    });
    this.ringLatency = new Histogram({
      name: 'ringkit_ring_latency_seconds',
      help: 'Ring accepted (API request or webhook event) to the push service answering 2xx, per device',
      labelNames: ['service'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.answerTime = new Histogram({
      name: 'ringkit_push_service_answer_seconds',
      help: "One push request sent to the push service's HTTP answer",
      labelNames: ['service'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.inFlight = new Gauge({ name: 'ringkit_pushes_in_flight', help: 'Push requests sent and not yet answered', registers });
    this.retryQueue = new Gauge({ name: 'ringkit_push_retry_queue', help: 'Pushes waiting to be retried', registers });
    this.storeErrors = new Counter({
      name: 'ringkit_store_errors_total',
      help: 'Store calls that failed: unavailable (database out of reach) or other',
      labelNames: ['kind'],
      registers,
    });
    this.webhookEvents = new Counter({
      name: 'ringkit_webhook_events_total',
      help: 'CometChat webhook POSTs by trigger and what the sender did (acted, duplicate, ignored, refused, failed)',
      labelNames: ['trigger', 'result'],
      registers,
    });
    const outbox = async () => (this.outbox ? await this.outbox() : undefined);
    new Gauge({
      name: 'ringkit_outbox_depth',
      help: 'Signed call events waiting in the outbox to be delivered',
      registers,
      async collect() {
        const stats = await outbox();
        if (stats) this.set(stats.depth);
      },
    });
    new Gauge({
      name: 'ringkit_outbox_oldest_age_seconds',
      help: 'Age of the oldest call event still in the outbox',
      registers,
      async collect() {
        const stats = await outbox();
        if (stats) this.set(stats.oldestAgeSeconds);
      },
    });
  }

  pushFinished(type: PushKind, service: PushServiceName, outcome: PushOutcomeLabel): void {
    this.pushes.labels(type, service, outcome).inc();
  }

  pushRetrying(type: PushKind, service: PushServiceName): void {
    this.retries.labels(type, service).inc();
    this.retryQueue.inc();
  }

  retryStarted(): void {
    this.retryQueue.dec();
  }

  ringDelivered(service: PushServiceName, seconds: number): void {
    this.ringLatency.labels(service).observe(seconds);
  }

  /** Around one push request: returns the function to call once it is answered (`answered` false for transport errors). */
  pushSent(service: PushServiceName): (answered: boolean) => void {
    this.inFlight.inc();
    const started = performance.now();
    return (answered) => {
      this.inFlight.dec();
      if (answered) this.answerTime.labels(service).observe((performance.now() - started) / 1000);
    };
  }

  storeError(kind: 'unavailable' | 'other'): void {
    this.storeErrors.labels(kind).inc();
  }

  webhookEvent(trigger: string, result: WebhookResult): void {
    this.webhookEvents.labels(trigger, result).inc();
  }

  /** The encryption workers' queue, read at each scrape. */
  registerEncryptionQueue(depth: () => number): void {
    new Gauge({
      name: 'ringkit_encryption_queue',
      help: 'Pushes handed to the encryption workers and not yet encrypted',
      registers: [this.registry],
      collect() {
        this.set(depth());
      },
    });
  }

  /**
   * The call events' outbox (issue 15): its depth and the age of its oldest
   * event, read at each scrape. Until registered the two gauges stay empty.
   */
  registerOutbox(stats: () => OutboxStats | Promise<OutboxStats>): void {
    this.outbox = stats;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
