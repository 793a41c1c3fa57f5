import type { FastifyBaseLogger as Logger } from 'fastify';
import type { CallEndReason } from '../../protocol/payload';
import type { CallRecordPruner } from '../call-record-pruner';
import type { CallService } from '../calls';
import { InFlight } from '../in-flight';
import type { DeviceStore, RingSelector } from '../store/types';
import type { CallAction } from './events';

export interface RingKeeperOptions {
  store: DeviceStore;
  calls: CallService;
  logger: Logger;
  pruner: CallRecordPruner;
}

/**
 * Acts on CometChat call events in the background, after the webhook has
 * answered: rings through CallService (the path of POST /api/calls) and
 * stops rings, each exactly once across sender instances sharing the store.
 * A ring with no end event is stopped at its deadline ("unanswered") by a
 * timer of the instance that rang; the store decides whether that timer or an
 * end event (on any instance) stops it.
 */
export class RingKeeper {
  private readonly inFlight = new InFlight();
  /** the tail of each session's work: events of one call run in arrival order */
  private readonly sessions = new Map<string, Promise<void>>();
  private readonly deadlines = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly o: RingKeeperOptions) {}

  /** Records the event id; false for a retry of an event already handled (here or on another instance). */
  async claim(eventId: string): Promise<boolean> {
    const fresh = await this.o.store.claimEvent(eventId, new Date());
    if (fresh) this.o.pruner.due();
    return fresh;
  }

  /**
   * Starts acting on a claimed event without waiting for it; `drain()` waits.
   * When acting fails (the store out of reach), the claim is released so
   * CometChat's retry does it instead of being taken for a duplicate.
   */
  dispatch(eventId: string, action: CallAction, log: Logger): void {
    const sessionId = action.kind === 'ring' ? action.ring.sessionId : action.sessionId;
    this.inSession(sessionId, async () => {
      try {
        await (action.kind === 'ring' ? this.ring(action, log) : this.end(sessionId, action.rings, action.reason, log));
      } catch (err) {
        await this.o.store.releaseEvent(eventId).catch(() => undefined);
        throw err;
      }
    });
  }

  /** Resolves when every event acted on so far is done (graceful shutdown). */
  drain(): Promise<void> {
    return this.inFlight.drain();
  }

  /** Drops the ring deadlines of this instance (the worker still stops a ring at its ringUntil). */
  close(): void {
    this.closed = true;
    for (const timer of this.deadlines.values()) clearTimeout(timer);
    this.deadlines.clear();
  }

  private async ring(action: Extract<CallAction, { kind: 'ring' }>, log: Logger): Promise<void> {
    const { ring } = action;
    const now = Date.now();
    const ringUntil = this.o.calls.ringUntil(now);
    const fresh = await this.o.store.recordRing({ sessionId: ring.sessionId, uid: ring.recipientUid, group: action.group, ringUntil: new Date(ringUntil) });
    if (!fresh) {
      log.info({ sessionId: ring.sessionId, uid: ring.recipientUid }, 'callee already rung for this call: not ringing again');
      return;
    }
    this.setDeadline(ring.sessionId, ring.recipientUid, ringUntil, log);
    const counts = await this.o.calls.ring(ring, now);
    log.info({ sessionId: ring.sessionId, uid: ring.recipientUid, ...counts }, 'rang for a CometChat call');
  }

  private async end(sessionId: string, rings: RingSelector, reason: CallEndReason, log: Logger): Promise<void> {
    const uids = await this.o.store.endRings(sessionId, rings, reason, new Date());
    if (uids.length === 0) {
      log.debug({ sessionId, reason }, 'no ring of this call left to stop');
      return;
    }
    await Promise.all(
      uids.map(async (uid) => {
        this.clearDeadline(sessionId, uid);
        const counts = await this.o.calls.end(sessionId, uid, reason);
        log.info({ sessionId, uid, reason, ...counts }, 'stopped ringing for a CometChat call');
      }),
    );
  }

  private setDeadline(sessionId: string, uid: string, ringUntil: number, log: Logger): void {
    if (this.closed) return;
    const key = deadlineKey(sessionId, uid);
    const timer = setTimeout(() => {
      this.deadlines.delete(key);
      this.inSession(sessionId, () => this.end(sessionId, { uid }, 'unanswered', log));
    }, Math.max(0, ringUntil - Date.now()));
    timer.unref();
    this.deadlines.set(key, timer);
  }

  private clearDeadline(sessionId: string, uid: string): void {
    const key = deadlineKey(sessionId, uid);
    clearTimeout(this.deadlines.get(key));
    this.deadlines.delete(key);
  }

  /** Runs work after the session's earlier work, so a cancel never overtakes its ring. */
  private inSession(sessionId: string, work: () => Promise<void>): void {
    const run = (this.sessions.get(sessionId) ?? Promise.resolve())
      .then(work)
      .catch((err: unknown) => this.o.logger.error({ err, sessionId }, 'acting on a CometChat call event failed'));
    this.sessions.set(sessionId, run);
    this.inFlight.track(
      run.finally(() => {
        if (this.sessions.get(sessionId) === run) this.sessions.delete(sessionId);
      }),
    );
  }
}

function deadlineKey(sessionId: string, uid: string): string {
  return `${sessionId}\n${uid}`;
}
