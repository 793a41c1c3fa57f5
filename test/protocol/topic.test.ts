import webpush from 'web-push';
import { describe, expect, it } from 'vitest';
import { callTopic, isValidTopic, TOPIC_MAX_LENGTH } from '../../protocol/topic';
import { createHash } from 'node:crypto';

const cometChatSession = 'v1.us.212570a35d379d83.1702625211b9a0c5e2c8f1d3b7a94e6f0d2c8b1a3e5f7d9c1b3a5e7f9d1c3b5a7e9f1d3';

describe('callTopic', () => {
  it.each([
    ['a CometChat session id, dots included', cometChatSession],
    ['a short id', 'x'],
    ['an empty-ish id with unicode', 'appel-éèà-📞'],
    ['a very long id', 's'.repeat(1000)],
  ])('derives a valid RFC 8030 topic of 32 characters from %s', (_name, sessionId) => {
    const topic = callTopic(sessionId);
    expect(topic).toHaveLength(TOPIC_MAX_LENGTH);
    expect(topic).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(isValidTopic(topic)).toBe(true);
    expect(topic.length % 4).not.toBe(1); // Apple base64url-decodes topics
  });

  it('is stable, so a call_ended carries the topic of the ring it ends', () => {
    expect(callTopic(cometChatSession)).toBe(callTopic(cometChatSession));
  });

  it('is the base64url of the first 24 bytes of the SHA-256 of the session id', () => {
    const expected = createHash('sha256').update(cometChatSession, 'utf8').digest().subarray(0, 24).toString('base64url');
    expect(callTopic(cometChatSession)).toBe(expected);
  });

  it('differs for sessions that share a long prefix (truncation would not)', () => {
    const a = `${cometChatSession}a`;
    const b = `${cometChatSession}b`;
    expect(`call-${a}`.slice(0, 32)).toBe(`call-${b}`.slice(0, 32));
    expect(callTopic(a)).not.toBe(callTopic(b));
  });

  it('is accepted by the web-push library, where the seed topic throws', () => {
    const sub = { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: webpushKeys() };
    expect(() => webpush.generateRequestDetails(sub, 'x', { topic: callTopic(cometChatSession), vapidDetails: undefined })).not.toThrow();
    expect(() => webpush.generateRequestDetails(sub, 'x', { topic: `call-${cometChatSession}`.slice(0, 32) })).toThrow(/Base64/);
  });
});

describe('isValidTopic', () => {
  it.each([
    ['', false],
    ['a'.repeat(33), false],
    ['has.dot', false],
    ['has space', false],
    ['a'.repeat(32), true],
    ['AZaz09-_', true],
  ])('%j → %s', (topic, valid) => expect(isValidTopic(topic)).toBe(valid));
});

function webpushKeys() {
  const { publicKey } = webpush.generateVAPIDKeys(); // any valid P-256 point will do
  return { p256dh: publicKey, auth: Buffer.alloc(16, 1).toString('base64url') };
}
