/**
 * CometChat's call events, parsed and mapped to what the sender does: ring a
 * callee, or stop rings. Pure (no I/O), so the mapping table is tested as a table.
 *
 * Two shapes arrive at the same URL:
 * - Webhooks call triggers (`call_initiated`, `call_cancelled`, …): the call
 *   message under `data.call`, caller under `data.entities.by.entity`,
 *   callee under `data.call.receiver` (or `data.entities.for.entity`), the
 *   session under `data.entities.on.entity.sessionid`; `call_started` and the
 *   participant events carry only `data.sessionId`.
 * - The Push Notifications extension's custom provider
 *   (`push-notification-payload-generated`): one POST per recipient
 *   (`data.to.uid`), the call in `data.notificationDetails` (`callAction`,
 *   `sessionId`, `callType`, `sender`, `senderName`, `receiverType`).
 *
 * The payloads are foreign and loosely shaped, so this narrows by hand instead
 * of a JSON schema: it reads the fields it needs, tolerates the rest, and says
 * precisely which field is missing when a call event lacks one.
 */
import { createHash } from 'node:crypto';
import { isValidSessionId, MAX_LENGTHS, type RingRequest } from '../../protocol/api';
import { CALL_TYPES, type CallEndReason, type CallType } from '../../protocol/payload';
import type { RingParties, RingSelector } from '../store/types';

export const PUSH_EXTENSION_TRIGGER = 'push-notification-payload-generated';

/** What an event asks the sender to do. */
export type CallAction =
  | { kind: 'ring'; ring: RingRequest; group: boolean; groupId?: string }
  /** a Webhooks group call: every member but the caller is rung (their uids come from CometChat's REST API) */
  | { kind: 'ring-group'; groupId: string; ring: Pick<RingRequest, 'sessionId' | 'callerName' | 'callerUid' | 'callType'> }
  | {
      kind: 'end';
      reason: CallEndReason;
      /** the rings of a session, or, when the event names no session (CometChat's documented shape), those between the parties */
      target: { sessionId: string; rings: RingSelector } | { parties: RingParties };
      /** who called, when the event says: events of one caller are acted on in order */
      callerUid?: string;
    };

export type CometChatEvent =
  /** `id` is stable across CometChat's retries of the same event */
  | { kind: 'call'; id: string; trigger: string; action: CallAction }
  | { kind: 'ignored'; trigger: string; why: string };

/** A body that is not a CometChat event, or a call event without what it needs; answered 400. */
export class EventError extends Error {
  override name = 'EventError';
}

/** Webhooks triggers that stop ringing, and the call_ended reason each becomes. */
const END_TRIGGERS: Record<string, CallEndReason> = {
  call_cancelled: 'cancelled',
  call_unanswered: 'unanswered',
  call_rejected: 'declined',
  call_busy: 'busy',
  call_ended: 'ended',
};

/** The extension's callAction values that stop ringing (`ongoing`: someone answered). */
const END_ACTIONS: Record<string, CallEndReason> = {
  cancelled: 'cancelled',
  unanswered: 'unanswered',
  rejected: 'declined',
  busy: 'busy',
  ended: 'ended',
  ongoing: 'answered',
};

type Fields = Record<string, unknown>;

export function parseCometChatEvent(body: unknown): CometChatEvent {
  const root = asObject(body, 'the body');
  const trigger = root.trigger;
  if (typeof trigger !== 'string' || trigger === '') throw new EventError('trigger must be a non-empty string');
  if (trigger === PUSH_EXTENSION_TRIGGER) return fromPushExtension(root, trigger);
  if (trigger === 'call_initiated' || ownValue(END_TRIGGERS, trigger) || trigger === 'call_started' || trigger === 'call_participant_joined') {
    return fromWebhook(root, trigger);
  }
  if (trigger === 'call_participant_left') return ignored(trigger, 'a participant leaving changes no ringing');
  return ignored(trigger, 'not a call event RingKit acts on');
}

function fromWebhook(root: Fields, trigger: string): CometChatEvent {
  const data = asObject(root.data, 'data');
  const call = data.call === undefined ? undefined : asObject(data.call, 'data.call');
  const callData = call && optionalObject(call.data);
  const entities = callData && optionalObject(callData.entities);
  const by = entityOf(entities, 'by');
  // The documented end triggers carry no session id (facts: CometChat webhooks-ringing): only the call message.
  const sessionId = sessionOf(call, entities, data, trigger !== 'call_initiated' && call !== undefined);
  const idParts = [trigger, text(root.webhook), sessionId, text(call?.id), text(call?.sentAt), text(data.created_at)];

  if (trigger === 'call_initiated') {
    if (!call || !sessionId) throw new EventError('data.call is missing');
    const callerUid = field(by?.uid ?? call.sender, 'data.call.data.entities.by.entity.uid', MAX_LENGTHS.uid);
    const callerName = by?.name === undefined ? callerUid : field(by.name, 'data.call.data.entities.by.entity.name', MAX_LENGTHS.callerName);
    const callType = callTypeOf(call.type, 'data.call.type');
    if (call.receiverType === 'group' || entityOf(entities, 'for')?.guid !== undefined) {
      // A group call_initiated names the group, not its members: the sender asks CometChat for them.
      const groupId = field(call.receiver ?? entityOf(entities, 'for')?.guid, 'data.call.receiver', MAX_LENGTHS.uid);
      return { kind: 'call', id: eventId([...idParts, groupId]), trigger, action: { kind: 'ring-group', groupId, ring: { sessionId, callerName, callerUid, callType } } };
    }
    const recipientUid = field(call.receiver ?? entityOf(entities, 'for')?.uid, 'data.call.receiver', MAX_LENGTHS.uid);
    return {
      kind: 'call',
      id: eventId([...idParts, recipientUid]),
      trigger,
      action: {
        kind: 'ring',
        ring: { recipientUid, sessionId, callerName, callerUid, callType },
        group: false,
      },
    };
  }

  const reason = ownValue(END_TRIGGERS, trigger);
  if (reason && call) {
    // cancelled and unanswered are sent by the caller; rejected and busy by the callee, to the caller.
    const byCallee = trigger === 'call_rejected' || trigger === 'call_busy';
    const actor = optionalText(by?.uid) ?? optionalText(call.sender);
    const other = optionalText(call.receiver);
    const callerUid = byCallee ? other : actor;
    const calleeUid = byCallee ? actor : other;
    const id = eventId([...idParts, actor]);
    if (sessionId) {
      // The one who rejected or was busy only speaks for themselves in a group
      // call; a cancel, time-out or end stops everyone's ringing.
      const rings: RingSelector = byCallee ? { oneToOne: true, ...(actor ? { uid: actor } : {}) } : { everyone: true };
      return { kind: 'call', id, trigger, action: { kind: 'end', reason, target: { sessionId, rings }, ...(callerUid ? { callerUid } : {}) } };
    }
    const caller = field(callerUid, byCallee ? 'data.call.receiver' : 'data.call.sender', MAX_LENGTHS.uid);
    const callee = field(calleeUid, byCallee ? 'data.call.sender' : 'data.call.receiver', MAX_LENGTHS.uid);
    const parties: RingParties = !byCallee && call.receiverType === 'group' ? { callerUid: caller, groupId: callee } : { callerUid: caller, uid: callee };
    return { kind: 'call', id, trigger, action: { kind: 'end', reason, target: { parties }, callerUid: caller } };
  }
  if (!sessionId) throw new EventError('the session id (data.sessionId) is missing');

  if (reason) {
    // call_ended, a session trigger: everyone's ringing stops.
    return { kind: 'call', id: eventId(idParts), trigger, action: { kind: 'end', reason, target: { sessionId, rings: { everyone: true } } } };
  }

  // call_started or call_participant_joined: someone is in the call. In a
  // one-to-one call that means the callee answered; in a group call only the
  // member who joined stops ringing (the documented occupant names no uid).
  const occupant = optionalObject(data.occupant);
  const joined = optionalText(occupant?.uid);
  return {
    kind: 'call',
    id: eventId([...idParts, joined, text(occupant?.joined_at)]),
    trigger,
    action: { kind: 'end', reason: 'answered', target: { sessionId, rings: { oneToOne: true, ...(joined ? { uid: joined } : {}) } } },
  };
}

function fromPushExtension(root: Fields, trigger: string): CometChatEvent {
  const data = asObject(root.data, 'data');
  const to = asObject(data.to, 'data.to');
  const details = asObject(data.notificationDetails, 'data.notificationDetails');
  if (details.type !== 'call') return ignored(trigger, `a ${text(details.type) ?? 'non-call'} notification, not a call`);
  const recipientUid = field(to.uid, 'data.to.uid', MAX_LENGTHS.uid);
  const sessionId = sessionField(details.sessionId, 'data.notificationDetails.sessionId');
  const action = field(details.callAction, 'data.notificationDetails.callAction', 32);
  const group = details.receiverType === 'group';
  const id = eventId([trigger, action, sessionId, recipientUid, text(details.sentAt)]);

  if (action === 'initiated') {
    const callerUid = field(details.sender, 'data.notificationDetails.sender', MAX_LENGTHS.uid);
    if (callerUid === recipientUid) return ignored(trigger, 'the caller is not rung');
    const callerName =
      details.senderName === undefined ? callerUid : field(details.senderName, 'data.notificationDetails.senderName', MAX_LENGTHS.callerName);
    const callType = callTypeOf(details.callType, 'data.notificationDetails.callType');
    const groupId = group ? optionalText(details.receiver) : undefined;
    return {
      kind: 'call',
      id,
      trigger,
      action: { kind: 'ring', ring: { recipientUid, sessionId, callerName, callerUid, callType }, group, ...(groupId ? { groupId } : {}) },
    };
  }
  const reason = ownValue(END_ACTIONS, action);
  if (!reason) return ignored(trigger, `call action ${JSON.stringify(action)} changes no ringing`);
  // One POST per notified user, who may be the caller (a rejection is
  // notified to the caller): one-to-one rings of the session stop whoever is
  // named; in a group call each member's own POST stops their ring.
  return { kind: 'call', id, trigger, action: { kind: 'end', reason, target: { sessionId, rings: { oneToOne: true, uid: recipientUid } } } };
}

/**
 * The session id, wherever this trigger keeps it (`sessionid` in call
 * entities, `sessionId` elsewhere); undefined when `optional` and absent.
 */
function sessionOf(call: Fields | undefined, entities: Fields | undefined, data: Fields, optional: boolean): string | undefined {
  const on = entityOf(entities, 'on');
  const candidates = [on?.sessionid, on?.sessionId, call?.sessionId, call?.sessionid, data.sessionId, data.sessionid];
  const found = candidates.find((c) => c !== undefined);
  if (found === undefined && optional) return undefined;
  return sessionField(found, 'the session id (data.call.data.entities.on.entity.sessionid or data.sessionId)');
}

/** A session id the sender can ring and then stop: one that works as a path segment. */
function sessionField(value: unknown, name: string): string {
  const id = field(value, name, MAX_LENGTHS.sessionId);
  if (!isValidSessionId(id)) throw new EventError(`${name} cannot be a path segment (".", "..", control characters)`);
  return id;
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function entityOf(entities: Fields | undefined, role: 'by' | 'for' | 'on'): Fields | undefined {
  const wrapper = entities && optionalObject(entities[role]);
  return wrapper && optionalObject(wrapper.entity);
}

function callTypeOf(value: unknown, name: string): CallType {
  if ((CALL_TYPES as readonly unknown[]).includes(value)) return value as CallType;
  throw new EventError(`${name} must be one of ${CALL_TYPES.join(', ')}, got ${JSON.stringify(value)}`);
}

function field(value: unknown, name: string, maxLength: number): string {
  if (typeof value !== 'string' || value === '') throw new EventError(`${name} must be a non-empty string`);
  if (value.length > maxLength) throw new EventError(`${name} is longer than ${maxLength} characters`);
  return value;
}

function asObject(value: unknown, name: string): Fields {
  const o = optionalObject(value);
  if (!o) throw new EventError(`${name} must be a JSON object`);
  return o;
}

function optionalObject(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** A table's own entry only: `constructor`, `__proto__` or `toString` are no trigger or call action. */
function ownValue<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function ignored(trigger: string, why: string): CometChatEvent {
  return { kind: 'ignored', trigger, why };
}

/**
 * CometChat sends no event id field; its documented idempotency keys are
 * made of fields (webhook, trigger, call id, sentAt…). A retry repeats the
 * body, so a hash of those fields plus session and callee is stable across
 * retries and distinct between events. Hashed: fixed length, no raw ids stored.
 */
function eventId(parts: (string | undefined)[]): string {
  return createHash('sha256').update(JSON.stringify(parts.map((p) => p ?? null))).digest('base64url');
}
