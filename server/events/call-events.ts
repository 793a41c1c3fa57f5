import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { CallEvent, CallEventData, CallEventType } from '../../protocol/events';
import type { DeviceStore } from '../store/types';

export type CallEventListener = (event: CallEvent) => void;

/**
 * Where the sender reports what happened to each ring. Emitting never fails
 * the ring: the event is written to the store's outbox (when
 * RINGKIT_EVENTS_URL is set) and handed to local listeners (the dev caller
 * card); delivery happens later, in the dispatcher.
 */
export class CallEvents {
  private readonly listeners = new Set<CallEventListener>();

  constructor(
    private readonly o: {
      /** the outbox; none when no events URL is configured */
      store?: DeviceStore | undefined;
      logger: Logger;
      /** told when an event was written, so delivery starts without waiting for the next poll */
      onEnqueued?: () => void;
      now?: () => number;
    },
  ) {}

  /** Records an event; resolves once it is in the outbox (or failed to get there, logged). */
  async emit(type: CallEventType, data: CallEventData): Promise<void> {
    const at = new Date(this.o.now?.() ?? Date.now());
    const event: CallEvent = { type, timestamp: at.toISOString(), data };
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.o.logger.warn({ err }, 'a call event listener failed');
      }
    }
    if (!this.o.store) return;
    try {
      await this.o.store.enqueueEvent({ id: newEventId(), type, body: JSON.stringify(event), at });
      this.o.onEnqueued?.();
    } catch (err) {
      // The ring itself went out; only its report is lost. Loud, since the calling side now waits in vain.
      this.o.logger.error({ err, type, sessionId: data.sessionId }, 'could not record a call event: the calling side will not learn it');
    }
  }

  /** Local listeners (same process): the development caller card. Returns the unsubscribe. */
  subscribe(listener: CallEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Standard Webhooks' `webhook-id`: unique per event, the same on every retry of it. */
function newEventId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}
