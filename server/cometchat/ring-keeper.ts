import type { FastifyBaseLogger as Logger } from 'fastify';
import type { CallRecordPruner } from '../call-record-pruner';
import type { CallService } from '../calls';
import { InFlight } from '../in-flight';
import type { DeviceStore } from '../store/types';
import type { CallAction } from './events';
import type { ListGroupMembers } from './group-members';

export interface RingKeeperOptions {
  store: DeviceStore;
  calls: CallService;
  logger: Logger;
  /** a group's members (CometChat's REST API); without it a Webhooks group call rings nobody */
  groupMembers?: ListGroupMembers | undefined;
  pruner: CallRecordPruner;
}

/**
 * Acts on CometChat call events in the background, after the webhook has
 * answered: rings through CallService (the path of POST /api/calls) and
 * stops rings, each exactly once across sender instances sharing the store.
 * A ring with no end event is stopped at its deadline ("unanswered") by
 * CallService; the store decides whether that or an end event (on any
 * instance) stops it.
 */
export class RingKeeper {
  private readonly inFlight = new InFlight();
  /** the tail of each call's work: events of one call run in arrival order */
  private readonly queues = new Map<string, Promise<void>>();

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
    this.inOrder(orderKey(action), async () => {
      try {
        if (action.kind === 'ring') await this.ring(action, log);
        else if (action.kind === 'ring-group') await this.ringGroup(action, log);
        else await this.end(action, log);
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


  private async ring(action: Extract<CallAction, { kind: 'ring' }>, log: Logger): Promise<void> {
    const { ring } = action;
    const counts = await this.o.calls.ring(ring, { source: 'webhook', group: action.group, groupId: action.groupId, once: true });
    if (!counts) log.info({ sessionId: ring.sessionId, uid: ring.recipientUid }, 'callee already rung for this call: not ringing again');
    else log.info({ sessionId: ring.sessionId, uid: ring.recipientUid, ...counts }, 'rang for a CometChat call');
  }

  private async ringGroup(action: Extract<CallAction, { kind: 'ring-group' }>, log: Logger): Promise<void> {
    if (!this.o.groupMembers) {
      log.warn({ groupId: action.groupId }, 'a group call from Webhooks: set COMETCHAT_APP_ID, COMETCHAT_REGION and COMETCHAT_REST_API_KEY to ring its members');
      return;
    }
    const members = (await this.o.groupMembers(action.groupId)).filter((uid) => uid !== action.ring.callerUid);
    await Promise.all(
      members.map((recipientUid) => this.ring({ kind: 'ring', ring: { ...action.ring, recipientUid }, group: true, groupId: action.groupId }, log)),
    );
  }

  private async end(action: Extract<CallAction, { kind: 'end' }>, log: Logger): Promise<void> {
    const { target, reason } = action;
    const ended =
      'parties' in target ? await this.o.calls.endBetween(target.parties, reason) : await this.o.calls.endSession(target.sessionId, target.rings, reason);
    if (ended.length === 0) log.debug({ ...target, reason }, 'no ring of this call left to stop');
    for (const ring of ended) log.info({ sessionId: ring.sessionId, uid: ring.uid, reason }, 'stopped ringing for a CometChat call');
  }

  /** Runs work after the earlier work of the same call (orderKey). */
  private inOrder(key: string, work: () => Promise<void>): void {
    const run = (this.queues.get(key) ?? Promise.resolve())
      .then(work)
      .catch((err: unknown) => this.o.logger.error({ err, key }, 'acting on a CometChat call event failed'));
    this.queues.set(key, run);
    this.inFlight.track(
      run.finally(() => {
        if (this.queues.get(key) === run) this.queues.delete(key);
      }),
    );
  }
}

/**
 * Events of one call run in arrival order, so a cancel never overtakes its
 * ring: keyed by the caller (a caller has one outgoing call at a time; the
 * documented end events name no session), else by the session.
 */
function orderKey(action: CallAction): string {
  if (action.kind === 'ring' || action.kind === 'ring-group') return `caller:${action.ring.callerUid}`;
  if (action.callerUid) return `caller:${action.callerUid}`;
  return 'parties' in action.target ? `caller:${action.target.parties.callerUid}` : `session:${action.target.sessionId}`;
}
