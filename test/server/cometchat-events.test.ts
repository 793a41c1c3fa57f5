import { describe, expect, it } from 'vitest';
import { EventError, parseCometChatEvent, type CometChatEvent } from '../../server/cometchat/events';
import { CALLEE, CALLER, cometchatFixture, FIXTURE_SESSION as S } from '../support/cometchat';

const actionOf = (event: CometChatEvent) => (event.kind === 'call' ? event.action : event);

describe('CometChat events → what the sender does', () => {
  it.each([
    // Webhooks call triggers
    ['webhook-call_initiated', { kind: 'ring', group: false, ring: { recipientUid: CALLEE, sessionId: S, callerName: 'Andrew Joseph', callerUid: CALLER, callType: 'video' } }],
    ['webhook-call_cancelled', { kind: 'end', sessionId: S, reason: 'cancelled', rings: { everyone: true } }],
    ['webhook-call_unanswered', { kind: 'end', sessionId: S, reason: 'unanswered', rings: { everyone: true } }],
    ['webhook-call_ended', { kind: 'end', sessionId: S, reason: 'ended', rings: { everyone: true } }],
    ['webhook-call_rejected', { kind: 'end', sessionId: S, reason: 'declined', rings: { oneToOne: true, uid: CALLEE } }],
    ['webhook-call_busy', { kind: 'end', sessionId: S, reason: 'busy', rings: { oneToOne: true, uid: CALLEE } }],
    ['webhook-call_started', { kind: 'end', sessionId: S, reason: 'answered', rings: { oneToOne: true } }],
    ['webhook-call_participant_joined', { kind: 'end', sessionId: S, reason: 'answered', rings: { oneToOne: true, uid: CALLEE } }],
    // Push Notifications extension, custom provider: one POST per notified user
    ['push-initiated', { kind: 'ring', group: false, ring: { recipientUid: CALLEE, sessionId: S, callerName: 'Andrew Joseph', callerUid: CALLER, callType: 'video' } }],
    ['push-initiated-group', { kind: 'ring', group: true, ring: { recipientUid: 'cometchat-uid-3', sessionId: S, callerName: 'Andrew Joseph', callerUid: CALLER, callType: 'audio' } }],
    ['push-cancelled', { kind: 'end', sessionId: S, reason: 'cancelled', rings: { oneToOne: true, uid: CALLEE } }],
    ['push-unanswered', { kind: 'end', sessionId: S, reason: 'unanswered', rings: { oneToOne: true, uid: CALLEE } }],
    ['push-ended', { kind: 'end', sessionId: S, reason: 'ended', rings: { oneToOne: true, uid: CALLEE } }],
    ['push-ongoing', { kind: 'end', sessionId: S, reason: 'answered', rings: { oneToOne: true, uid: CALLER } }],
    ['push-rejected', { kind: 'end', sessionId: S, reason: 'declined', rings: { oneToOne: true, uid: CALLER } }],
    ['push-busy', { kind: 'end', sessionId: S, reason: 'busy', rings: { oneToOne: true, uid: CALLER } }],
  ])('%s', (name, action) => {
    const event = parseCometChatEvent(cometchatFixture(name));
    expect(event.kind).toBe('call');
    expect(actionOf(event)).toEqual(action);
  });

  it.each([
    ['webhook-call_participant_left', /participant leaving/],
    ['webhook-call_initiated-group', /group call: Webhooks name the group, not its members/],
    ['webhook-message_sent', /not a call event/],
    ['push-message', /a chat notification, not a call/],
  ])('ignores %s', (name, why) => {
    const event = parseCometChatEvent(cometchatFixture(name));
    expect(event).toMatchObject({ kind: 'ignored', why: expect.stringMatching(why) });
  });

  it('reads the session id spelled sessionId too, and call_ended without data.call', () => {
    const initiated = cometchatFixture('webhook-call_initiated') as any;
    const on = initiated.data.call.data.entities.on.entity;
    on.sessionId = on.sessionid;
    delete on.sessionid;
    expect(actionOf(parseCometChatEvent(initiated))).toMatchObject({ kind: 'ring', ring: { sessionId: S } });
    const ended = parseCometChatEvent({ trigger: 'call_ended', data: { sessionId: S, created_at: 1 } });
    expect(actionOf(ended)).toEqual({ kind: 'end', sessionId: S, reason: 'ended', rings: { everyone: true } });
  });

  it('uses the caller uid as the name when the sender entity has none, and call.receiver when entities.for is absent', () => {
    const body = cometchatFixture('webhook-call_initiated') as any;
    delete body.data.call.data.entities.by.entity.name;
    delete body.data.call.data.entities.for;
    expect(actionOf(parseCometChatEvent(body))).toMatchObject({ ring: { callerName: CALLER, recipientUid: CALLEE } });
  });

  it('gives a retried event the same id, and different events different ids', () => {
    const ids = ['webhook-call_initiated', 'webhook-call_cancelled', 'webhook-call_started', 'webhook-call_participant_joined', 'push-initiated', 'push-cancelled', 'push-initiated-group'].map(
      (name) => (parseCometChatEvent(cometchatFixture(name)) as { id: string }).id,
    );
    expect(new Set(ids).size).toBe(ids.length);
    expect((parseCometChatEvent(cometchatFixture('push-initiated')) as { id: string }).id).toBe(ids[4]);
    // the same trigger for another session or another callee is another event
    expect((parseCometChatEvent(cometchatFixture('push-initiated', 'v1.us.other')) as { id: string }).id).not.toBe(ids[4]);
    const otherCallee = cometchatFixture('push-initiated') as any;
    otherCallee.data.to.uid = 'cometchat-uid-9';
    expect((parseCometChatEvent(otherCallee) as { id: string }).id).not.toBe(ids[4]);
  });

  it.each([
    ['not an object', [1, 2], /the body must be a JSON object/],
    ['no body at all', undefined, /the body must be a JSON object/],
    ['no trigger', { data: {} }, /trigger must be a non-empty string/],
    ['a call trigger without data', { trigger: 'call_initiated' }, /data must be a JSON object/],
    ['call_initiated without data.call', { trigger: 'call_initiated', data: { sessionId: S } }, /data.call is missing/],
    ['call_cancelled without a session id', { trigger: 'call_cancelled', data: { call: { id: '1' } } }, /the session id/],
    ['a session id of 1 kB', { trigger: 'call_started', data: { sessionId: 'x'.repeat(1000) } }, /longer than 256/],
    ['the extension without data.to', { trigger: 'push-notification-payload-generated', data: { notificationDetails: { type: 'call' } } }, /data.to must be a JSON object/],
  ])('refuses %s with a message naming the problem', (_name, body, message) => {
    expect(() => parseCometChatEvent(body)).toThrow(EventError);
    expect(() => parseCometChatEvent(body)).toThrow(message);
  });

  it.each([
    ['webhook-call_initiated', (b: any) => delete b.data.call.receiver && delete b.data.call.data.entities.for, /data.call.receiver must be a non-empty string/],
    ['webhook-call_initiated', (b: any) => (b.data.call.type = 'hologram'), /data.call.type must be one of audio, video, got "hologram"/],
    ['push-initiated', (b: any) => delete b.data.notificationDetails.sender, /data.notificationDetails.sender must be a non-empty string/],
    ['push-initiated', (b: any) => delete b.data.notificationDetails.sessionId, /data.notificationDetails.sessionId must be a non-empty string/],
    ['push-initiated', (b: any) => (b.data.to.uid = 42), /data.to.uid must be a non-empty string/],
  ])('refuses %s missing what a ring needs', (name, spoil, message) => {
    const body = cometchatFixture(name);
    spoil(body);
    expect(() => parseCometChatEvent(body)).toThrow(message);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'])('ignores the trigger %j like any unknown one (no prototype lookup)', (trigger) => {
    const body = { ...cometchatFixture('webhook-call_cancelled'), trigger };
    expect(parseCometChatEvent(body)).toMatchObject({ kind: 'ignored', trigger });
  });

  it.each(['constructor', '__proto__', 'toString'])('ignores the extension call action %j like any unknown one', (callAction) => {
    const body = cometchatFixture('push-cancelled') as any;
    body.data.notificationDetails.callAction = callAction;
    expect(parseCometChatEvent(body)).toMatchObject({ kind: 'ignored' });
  });
});
