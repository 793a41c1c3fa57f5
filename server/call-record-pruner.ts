import type { FastifyBaseLogger as Logger } from 'fastify';
import { InFlight } from './in-flight';
import type { DeviceStore } from './store/types';

/** Webhook event ids, rings and push traces are kept this long: far past CometChat's last retry (30 s), any ring, and a day to ask "why didn't it ring?". */
export const KEEP_CALL_RECORDS_MS = 24 * 60 * 60_000;
/** Pruning runs at most this often, piggybacking on rings and events (no timer to own). */
const PRUNE_EVERY_MS = 60 * 60_000;

/** Forgets call records older than a day, at most hourly, in the background. */
export class CallRecordPruner {
  private readonly inFlight = new InFlight();
  private lastPrune = 0;

  constructor(private readonly o: { store: DeviceStore; logger: Logger }) {}

  /** Starts a prune when the last one is an hour old; never waits for it. */
  due(now = Date.now()): void {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    this.inFlight.track(
      this.o.store
        .pruneCallRecords(new Date(now - KEEP_CALL_RECORDS_MS))
        .catch((err: unknown) => this.o.logger.warn({ err }, 'could not prune old call records')),
    );
  }

  /** Resolves when a prune started is done (graceful shutdown). */
  drain(): Promise<void> {
    return this.inFlight.drain();
  }
}
