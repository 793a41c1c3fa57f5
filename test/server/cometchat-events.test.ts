import { describe, expect, it } from 'vitest';
import { EventError, parseCometChatEvent, type CometChatEvent } from '../../server/cometchat/events';
import { CALLEE, CALLER, cometchatFixture, documentedFixture, DOCUMENTED_SESSION, FIXTURE_SESSION as S } from '../support/cometchat';

const actionOf = (event: CometChatEvent) => (event.kind === 'call' ? event.action : event);

describe('CometChat events → what the sender does', () => {
  it.each([
    // Webhooks call triggers
    ['webhook-call_initiated', { kind: 'ring', group: false, ring: { recipientUid: CALLEE, sessionId: S, callerName: 'Andrew Joseph', callerUid: CALLER, callType: 'video' } }],
    ['webhook-call_cancelled', { kind: 'end', reason: 'cancelled', target: { sessionId: S, rings: { everyone: true } }, callerUid: CALLER }],
    ['webhook-call_unanswered', { kind: 'end', reason: 'unanswered', target: { sessionId: S, rings: { everyone: true } }, callerUid: CALLER }],
    ['webhook-call_ended', { kind: 'end', reason: 'ended', target: { sessionId: S, rings: { everyone: true } }, callerUid: CALLER }],
    ['webhook-call_rejected', { kind: 'end', reason: 'declined', target: { sessionId: S, rings: { oneToOne: true, uid: CALLEE } }, callerUid: CALLER }],
    ['webhook-call_busy', { kind: 'end', reason: 'busy', target: { sessionId: S, rings: { oneToOne: true, uid: CALLEE } }, callerUid: CALLER }],
    ['webhook-call_started', { kind: 'end', reason: 'answered', target: { sessionId: S, rings: { oneToOne: true } } }],
    ['webhook-call_participant_joined', { kind: 'end', reason: 'answered', target: { sessionId: S, rings: { oneToOne: true, uid: CALLEE } } }],
    // Push Notifications extension, custom provider: one POST per notified user
    ['push-initiated', { kind: 'ring', group: false, ring: { recipientUid: CALLEE, sessionId: S, callerName: 'Andrew Joseph', callerUid: CALLER, callType: 'video' } }],
    ['push-initiated-group', { kind: 'ring', group: true, groupId: 'team-standup', ring: { recipientUid: 'cometchat-uid-3', sessionId: S, callerName: 'Andrew Joseph', callerUid: CALLER, callType: 'audio' } }],
    ['push-cancelled', { kind: 'end', reason: 'cancelled', target: { sessionId: S, rings: { oneToOne: true, uid: CALLEE } } }],
    ['push-unanswered', { kind: 'end', reason: 'unanswered', target: { sessionId: S, rings: { oneToOne: true, uid: CALLEE } } }],
    ['push-ended', { kind: 'end', reason: 'ended', target: { sessionId: S, rings: { oneToOne: true, uid: CALLEE } } }],
    ['push-ongoing', { kind: 'end', reason: 'answered', target: { sessionId: S, rings: { oneToOne: true, uid: CALLER } } }],
    ['push-rejected', { kind: 'end', reason: 'declined', target: { sessionId: S, rings: { oneToOne: true, uid: CALLER } } }],
    ['push-busy', { kind: 'end', reason: 'busy', target: { sessionId: S, rings: { oneToOne: true, uid: CALLER } } }],
  ])('%s', (name, action) => {
    const event = parseCometChatEvent(cometchatFixture(name));
    expect(event.kind).toBe('call');
    expect(actionOf(event)).toEqual(action);
  });

  // CometChat's own samples, verbatim (test/fixtures/cometchat/documented): no session id on the end
  // triggers, whose sender is who acted; call_participant_joined names no uid.
  it.each([
    ['call_initiated', { kind: 'ring', group: false, ring: { recipientUid: 'cometchat-uid-5', sessionId: DOCUMENTED_SESSION, callerName: 'Andrew Joseph', callerUid: 'cometchat-uid-1', callType: 'audio' } }],
    ['call_cancelled', { kind: 'end', reason: 'cancelled', target: { parties: { callerUid: 'cometchat-uid-4', uid: 'cometchat-uid-3' } }, callerUid: 'cometchat-uid-4' }],
    ['call_unanswered', { kind: 'end', reason: 'unanswered', target: { parties: { callerUid: 'cometchat-uid-4', uid: 'cometchat-uid-3' } }, callerUid: 'cometchat-uid-4' }],
    ['call_rejected', { kind: 'end', reason: 'declined', target: { parties: { callerUid: 'cometchat-uid-4', uid: 'cometchat-uid-3' } }, callerUid: 'cometchat-uid-4' }],
    ['call_busy', { kind: 'end', reason: 'busy', target: { parties: { callerUid: 'cometchat-uid-1', uid: 'cometchat-uid-3' } }, callerUid: 'cometchat-uid-1' }],
    ['call_started', { kind: 'end', reason: 'answered', target: { sessionId: DOCUMENTED_SESSION, rings: { oneToOne: true } } }],
    ['call_participant_joined', { kind: 'end', reason: 'answered', target: { sessionId: DOCUMENTED_SESSION, rings: { oneToOne: true } } }],
    ['call_ended', { kind: 'end', reason: 'ended', target: { sessionId: DOCUMENTED_SESSION, rings: { everyone: true } } }],
  ])('documented %s', (trigger, action) => {
    const event = parseCometChatEvent(documentedFixture(trigger));
    expect(event.kind).toBe('call');
    expect(actionOf(event)).toEqual(action);
  });

  it('a Webhooks group call_initiated asks for the group\'s members to ring', () => {
    expect(actionOf(parseCometChatEvent(cometchatFixture('webhook-call_initiated-group')))).toEqual({
      kind: 'ring-group',
      groupId: 'team-standup',
      ring: { sessionId: S, callerName: 'Andrew Joseph', callerUid: CALLER, callType: 'audio' },
    });
  });

  it('documented call_participant_left changes no ringing', () => {
    expect(parseCometChatEvent(documentedFixture('call_participant_left'))).toMatchObject({ kind: 'ignored' });
  });

  it('a group call_cancelled without a session id stops the caller\'s ring of that group', () => {
    const body = documentedFixture('call_cancelled') as any;
    body.data.call.receiverType = 'group';
    body.data.call.receiver = 'team-standup';
    expect(actionOf(parseCometChatEvent(body))).toMatchObject({ target: { parties: { callerUid: 'cometchat-uid-4', groupId: 'team-standup' } } });
  });

  it.each([
    ['webhook-call_participant_left', /participant leaving/],
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
    expect(actionOf(ended)).toEqual({ kind: 'end', reason: 'ended', target: { sessionId: S, rings: { everyone: true } } });
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
    ['call_cancelled with neither a session id nor its caller', { trigger: 'call_cancelled', data: { call: { id: '1' } } }, /data.call.sender must be a non-empty string/],
    ['call_rejected with neither a session id nor the caller', { trigger: 'call_rejected', data: { call: { id: '1', sender: 'x' } } }, /data.call.receiver must be a non-empty string/],
    ['call_started without a session id', { trigger: 'call_started', data: { created_at: 1 } }, /the session id/],
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
