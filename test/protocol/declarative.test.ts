/**
 * The declarative message the sender sends to Apple's push service, checked
 * against WebKit's own parsing rules: WebKit/WebKit,
 * Source/WebCore/Modules/notifications/NotificationJSONParser.cpp
 * (NotificationJSONParser::parseNotificationPayload and
 * parseNotificationOptions). Each rule there has a payload here that breaks
 * it and must be refused, quoting WebKit's error text.
 */
import webpush from 'web-push';
import { describe, expect, it } from 'vitest';
import { MAX_LENGTHS } from '../../protocol/api';
import { declarativeBody, declarativePush, isMutable, parseDeclarativeMessage } from '../../protocol/declarative';
import { MAX_PAYLOAD_BYTES, parsePushPayload, type CallEndedPayload, type IncomingCallPayload } from '../../protocol/payload';
import { Tokens } from '../../server/auth/tokens';
import { makeTestSubscription } from '../support/subscriptions';

const APP = 'https://app.ringkit.example';

const ring: IncomingCallPayload = {
  type: 'incoming_call', v: 1, sessionId: 'v1.us.212570a35d379d83.1702625211b9a0', callerName: 'Ada Lovelace', callerUid: 'ada',
  callType: 'video', timestamp: 1764070000000, ringUntil: 1764070030000, declineToken: 'h.p.s',
};
const ended: CallEndedPayload = { type: 'call_ended', v: 1, sessionId: ring.sessionId, reason: 'cancelled', timestamp: 1764070005000 };

/** A message WebKit accepts, to break one rule at a time. */
const valid = () => ({ web_push: 8030, notification: { title: 'Incoming call from Ada', navigate: `${APP}/call/x?action=open` } });

describe('the declarative ring', () => {
  const message = declarativePush(ring, APP);

  it('is a mutable declarative message WebKit accepts', () => {
    const parsed = parseDeclarativeMessage(JSON.stringify(message));
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && isMutable(parsed.message)).toBe(true);
    // WebKit reads `mutable` inside `notification`; the Push API draft at the top level.
    expect(message.mutable).toBe(true);
    expect(message.notification.mutable).toBe(true);
  });

  it("declares the ring as the worker would show it, opening the call screen on the app's origin", () => {
    expect(message.notification).toEqual({
      title: 'Incoming call from Ada Lovelace',
      body: 'Video call',
      navigate: `${APP}/call/v1.us.212570a35d379d83.1702625211b9a0?action=open`,
      tag: `call-${ring.sessionId}`,
      silent: false,
      mutable: true,
    });
  });

  it('carries RingKit’s own payload, so the worker rings as today', () => {
    expect(parsePushPayload(JSON.stringify(message))).toEqual({ ok: true, payload: ring });
  });

  it('encodes the session id as one path segment of the link', () => {
    const odd = declarativePush({ ...ring, sessionId: 'a/../b?c#d' }, APP);
    expect(odd.notification.navigate).toBe(`${APP}/call/a%2F..%2Fb%3Fc%23d?action=open`);
    expect(declarativePush({ ...ring, sessionId: '..' }, APP).notification.navigate).toBe(`${APP}/`);
  });
});

describe('the declarative call_ended', () => {
  it('is a missed call from the caller the sender rang for', () => {
    const message = declarativePush(ended, APP, { callerName: 'Ada Lovelace', callType: 'audio' });
    expect(parseDeclarativeMessage(message).ok).toBe(true);
    expect(message.notification).toMatchObject({ title: 'Missed call from Ada Lovelace', body: 'Audio call', tag: `call-${ring.sessionId}`, silent: true });
    expect(parsePushPayload(JSON.stringify(message))).toEqual({ ok: true, payload: ended });
  });

  it.each([
    ['answered', 'Answered on another device'],
    ['declined', 'Call declined'],
    ['ended', 'Call ended'],
    ['unanswered', 'Missed call'],
  ] as const)('names the outcome of a call ended as %s', (reason, title) => {
    const message = declarativePush({ ...ended, reason }, APP);
    expect(message.notification.title).toBe(title);
    expect(parseDeclarativeMessage(message).ok).toBe(true);
  });
});

describe("WebKit's rules: a message it would refuse is refused", () => {
  const notification = (change: Record<string, unknown>) => ({ ...valid(), notification: { ...valid().notification, ...change } });
  const without = (key: string) => {
    const n: Record<string, unknown> = { ...valid().notification };
    delete n[key];
    return { ...valid(), notification: n };
  };

  it('accepts the minimal message', () => {
    expect(parseDeclarativeMessage(valid()).ok).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['text that is not JSON', '{"web_push":8030,', 'does not contain valid JSON'],
    ['an array', '[8030]', 'top level JSON value is not an object'],
    ['no web_push', { notification: valid().notification }, "doesn't have valid declarative web push JSON values"],
    ['web_push as a string', { ...valid(), web_push: '8030' }, "doesn't have valid declarative web push JSON values"],
    ['another web_push number', { ...valid(), web_push: 8031 }, "doesn't have valid declarative web push JSON values"],
    ['no notification', { web_push: 8030 }, "does not have 'notification' value"],
    ['notification as a string', { web_push: 8030, notification: 'hi' }, "'notification' value is not the expected object type"],
    ['no navigate', without('navigate'), "'navigate' member is specified but does not represent a valid URL"],
    ['navigate as a number', notification({ navigate: 1 }), "'navigate' member is specified but is not a string"],
    ['a relative navigate', notification({ navigate: '/call/x?action=open' }), "'navigate' member is specified but does not represent a valid URL"],
    ['no title', without('title'), "'title' member is missing or is an empty string"],
    ['an empty title', notification({ title: '' }), "'title' member is missing or is an empty string"],
    ['a null title', notification({ title: null }), "'title' member is specified but is not a string"],
    ['app_badge with a sign', notification({ app_badge: '-1' }), "'app_badge' member is specified as a string that did not parse to a valid unsigned long long"],
    ['app_badge past 64 bits', notification({ app_badge: '18446744073709551616' }), "'app_badge' member is specified as a string that did not parse to a valid unsigned long long"],
    ['a negative app_badge', notification({ app_badge: -3 }), "'app_badge' member is specified as an number but is not a valid unsigned long long"],
    ['app_badge as a boolean', notification({ app_badge: true }), "'app_badge' member is specified but is not a string or a number"],
    ['dir as a number', notification({ dir: 1 }), "'dir' member is specified but is not a string"],
    ['an unknown dir', notification({ dir: 'up' }), "'dir' member is specified but is not a valid NotificationDirection"],
    ['lang as a number', notification({ lang: 7 }), "'lang' member is specified but is not a string"],
    ['body as an object', notification({ body: {} }), "'body' member is specified but is not a string"],
    ['tag as a number', notification({ tag: 1 }), "'tag' member is specified but is not a string"],
    ['icon as a number', notification({ icon: 1 }), "'icon' member is specified but is not a string"],
    ['a relative icon', notification({ icon: '/icons/icon-192.png' }), "'icon' member is specified but does not represent a valid URL"],
    ['silent as a string', notification({ silent: 'false' }), "'silent' member is specified but is not a boolean"],
    ['mutable as a string', notification({ mutable: 'true' }), "'mutable' member is specified but is not a boolean"],
  ])('refuses %s', (_name, input, error) => {
    expect(parseDeclarativeMessage(input)).toEqual({ ok: false, error });
  });

  it.each<[string, Record<string, unknown>]>([
    ['app_badge as digits', { app_badge: '3' }],
    ['app_badge as a number', { app_badge: 3 }],
    ['the members WebKit does not read (actions, requireInteraction)', { actions: [{ action: 'accept', title: 'Accept' }], requireInteraction: true }],
    ['any data', { data: { anything: [1, 'two'] } }],
    ['an absolute icon', { icon: `${APP}/icons/icon-192.png` }],
  ])('accepts %s', (_name, change) => {
    expect(parseDeclarativeMessage(notification(change)).ok).toBe(true);
  });

  it('reads mutable where WebKit does (notification) and where the Push API draft does (top level)', () => {
    const inside = parseDeclarativeMessage(notification({ mutable: true }));
    const outside = parseDeclarativeMessage({ ...valid(), mutable: true });
    const neither = parseDeclarativeMessage(valid());
    expect([inside, outside, neither].map((r) => r.ok && isMutable(r.message))).toEqual([true, true, false]);
  });
});

describe('the encrypted declarative push', () => {
  const target = makeTestSubscription('https://web.push.apple.com/push/x');
  const encrypt = (body: string) => webpush.encrypt(target.subscription.keys.p256dh, target.subscription.keys.auth, body, 'aes128gcm').cipherText;
  const APP_URL = 'https://calls.a-rather-long-customer-domain-name.example';
  /** A ring with the longest fields the API admits (protocol/api.ts), built from `sessionChars` and `nameChar`. */
  const longest = async (sessionChars: string, nameChar: string): Promise<IncomingCallPayload> => {
    const sessionId = sessionChars.repeat(MAX_LENGTHS.sessionId / sessionChars.length);
    const uid = 'u'.repeat(MAX_LENGTHS.uid);
    const declineToken = await new Tokens('x'.repeat(32)).signDecline(uid, sessionId, 1764070090000);
    return {
      type: 'incoming_call', v: 1, sessionId, callerName: nameChar.repeat(MAX_LENGTHS.callerName), callerUid: uid,
      callType: 'video', timestamp: 1764070000000, ringUntil: 1764070030000, declineToken,
    };
  };

  it(`stays under ${MAX_PAYLOAD_BYTES} bytes encrypted, whole, with the longest allowed fields`, async () => {
    // A CometChat-like session id and a name in a 3-byte script, each at its maximum length.
    const payload = await longest('v1.us.212570a35d379d83', '名');
    const body = declarativeBody(payload, APP_URL);
    const encrypted = encrypt(body);
    console.log(`longest declarative ring: ${Buffer.byteLength(body)} bytes of JSON, ${encrypted.length} encrypted`);
    expect(encrypted.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    const decrypted = JSON.parse(target.decrypt(encrypted));
    expect(decrypted.notification).toEqual(declarativePush(payload, APP_URL).notification);
    expect(parseDeclarativeMessage(decrypted).ok).toBe(true);
  });

  it('stays under the limit when every character costs the most bytes, and still rings', async () => {
    // '"' doubles in JSON, '/' triples in the link: the worst the schema admits.
    const payload = await longest('"/', '名');
    expect(Buffer.byteLength(JSON.stringify(declarativePush(payload, APP_URL))) + 103).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    const encrypted = encrypt(declarativeBody(payload, APP_URL));
    expect(encrypted.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
    expect(parsePushPayload(target.decrypt(encrypted))).toEqual({ ok: true, payload });
  });
});
