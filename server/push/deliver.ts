import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { DeliveryCounts } from '../../protocol/api';
import type { DeclaredCall } from '../../protocol/declarative';
import type { PushPayload } from '../../protocol/payload';
import { InFlight } from '../in-flight';
import type { Device, DeviceStore } from '../store/types';
import { withDeadline } from './deadline';
import type { PushEncryptor } from './encryption';
import { judge, outcomeLabel, retryDelay, type Attempt } from './outcome';
import { OutcomeWriter } from './outcome-writer';
import { pushBodies } from './push-body';
import { pushOptions, type PushRequest } from './push-request';
import type { PushTransport } from './transport';
import type { VapidHeaderCache } from './vapid-header';

export interface PushMessage {
  payload: PushPayload;
  topic: string;
  /** ms since the epoch: no attempt starts after it, and no push service keeps the message past it */
  deadline: number;
  /** who called, for the declarative form of a call_ended (its payload names no caller) */
  call?: DeclaredCall;
}

export type DeviceResult = 'delivered' | 'purged' | 'failed';

export interface DelivererOptions {
  store: DeviceStore;
  vapid: VapidHeaderCache;
  transport: PushTransport;
  encryptor: PushEncryptor;
  logger: Logger;
  /** pushes in flight to one push service at once */
  perOriginConcurrency?: number;
  /** bound on one attempt, connect to answer */
  attemptTimeoutMs?: number;
  random?: () => number;
  /** the app's origin, where a declarative push's link opens (RINGKIT_APP_URL, else the sender's own) */
  appOrigin?: () => string;
}

export interface Delivery {
  /** counts once every device has a final outcome, or when the answer bound passed (the rest pending) */
  counts: DeliveryCounts;
  /** resolves when every device has a final outcome */
  settled: Promise<DeliveryCounts>;
}

/**
 * Fans one message out to devices: urgency high, the call's Topic, a TTL that
 * never outlives the ring, retries while the ring is still worth ringing, and
 * purges of devices the push service says are gone (design.md, "Delivery outcomes").
 */
export class Deliverer {
  private readonly limits = new Map<string, LimitFunction>();
  private readonly perOrigin: number;
  private readonly attemptTimeoutMs: number;
  private readonly inFlight = new InFlight();
  private readonly outcomes: OutcomeWriter;

  constructor(private readonly options: DelivererOptions) {
    this.perOrigin = options.perOriginConcurrency ?? 32;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 5000;
    this.outcomes = new OutcomeWriter(options.store);
  }

  async deliver(devices: Device[], message: PushMessage, answerWithinMs: number): Promise<Delivery> {
    const tally = { devices: devices.length, delivered: 0, purged: 0, failed: 0 };
    const bodyFor = pushBodies(message.payload, this.options.appOrigin, message.call);
    const settled = Promise.all(
      devices.map(async (device) => {
        tally[await this.deliverToDevice(device, bodyFor(device.endpoint), message)] += 1;
      }),
    ).then(() => ({ ...tally, pending: 0 }));
    this.inFlight.track(settled);
    await withDeadline(settled.then(() => undefined), answerWithinMs, () => undefined);
    const pending = tally.devices - tally.delivered - tally.purged - tally.failed;
    return { counts: { ...tally, pending }, settled };
  }

  /** Resolves when every delivery started so far has settled (graceful shutdown). */
  drain(): Promise<void> {
    return this.inFlight.drain();
  }

  private async deliverToDevice(device: Device, body: string, message: PushMessage): Promise<DeviceResult> {
    const startedAt = new Date();
    // Made only when something is worth logging: a ring to 10,000 devices is mostly silent.
    const log = () => this.options.logger.child({ deviceId: device.id, uid: device.uid, sessionId: message.payload.sessionId, type: message.payload.type });
    const limit = this.limitFor(device.endpoint);
    let request: PushRequest | undefined;
    for (let attemptNo = 1; ; attemptNo += 1) {
      if (message.deadline <= Date.now()) return this.fail(device, 'expired', log);
      // Encrypting inside the slot bounds the encrypted pushes held at once, whatever the fan-out.
      const attempt = await limit(async (): Promise<Attempt | 'expired' | 'unencryptable'> => {
        try {
          request ??= await this.encrypt(device, body, message);
        } catch (err) {
          // A device the store should never have accepted (keys that fail encryption).
          log().error({ err }, 'push could not be built');
          return 'unencryptable';
        }
        const remaining = message.deadline - Date.now();
        if (remaining <= 0) return 'expired';
        // TTL counts from when the push service receives it: shrink it on retries
        // so a retried ring still expires with the call (a late ring is worse than none).
        request.headers.TTL = ttlSeconds(message.deadline);
        return this.options.transport.post(request, Math.min(this.attemptTimeoutMs, remaining));
      });
      if (attempt === 'expired') return this.fail(device, 'expired', log);
      if (attempt === 'unencryptable') {
        await this.record(device, 'failed:unencryptable');
        return 'failed';
      }
      const verdict = judge(attempt);
      const label = outcomeLabel(attempt);
      if (verdict.kind === 'delivered') {
        await this.record(device, 'delivered');
        return 'delivered';
      }
      if (verdict.kind === 'gone') {
        log().info({ status: label }, 'push service says the subscription is gone: purging the device');
        await this.options.store.purge(device.endpoint, startedAt).catch((err: unknown) => log().error({ err }, 'purge failed'));
        return 'purged';
      }
      if (verdict.kind === 'rejected') {
        log().warn({ status: label }, 'push service rejected the push (VAPID key, payload or subscription keys?): keeping the device');
        return this.fail(device, label, log);
      }
      const delay = retryDelay(attemptNo, verdict.retryAfterMs, this.options.random);
      if (Date.now() + delay >= message.deadline) return this.fail(device, label, log);
      log().debug({ status: label, delay, attemptNo }, 'transient push failure: retrying');
      await sleep(delay);
    }
  }

  private encrypt(device: Device, body: string, message: PushMessage): Promise<PushRequest> {
    const authorization = this.options.vapid.authorization(device.endpoint);
    return this.options.encryptor.encrypt(device, body, pushOptions(authorization, ttlSeconds(message.deadline), message.topic));
  }

  private async fail(device: Device, label: string, log: () => Logger): Promise<DeviceResult> {
    log().debug({ outcome: label }, 'push not delivered');
    await this.record(device, `failed:${label}`);
    return 'failed';
  }

  private async record(device: Device, outcome: string): Promise<void> {
    // A store hiccup must not turn a delivered ring into an error.
    await this.outcomes
      .record({ endpoint: device.endpoint, outcome, at: new Date() })
      .catch((err: unknown) => this.options.logger.warn({ err, deviceId: device.id }, 'could not record the push outcome'));
  }

  private limitFor(endpoint: string): LimitFunction {
    // One slow or hanging push service must not hold the slots of the others.
    const origin = new URL(endpoint).origin;
    let limit = this.limits.get(origin);
    if (!limit) {
      limit = pLimit(this.perOrigin);
      this.limits.set(origin, limit);
    }
    return limit;
  }
}

function ttlSeconds(deadline: number): number {
  return Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
}
