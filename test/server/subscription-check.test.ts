import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PUBLIC_PUSH_HOSTS } from '../../server/config';
import { checkSubscription, hostAllowed } from '../../server/push/subscription-check';

const ecdh = createECDH('prime256v1');
ecdh.generateKeys();
const p256dh = ecdh.getPublicKey().toString('base64url');
const auth = randomBytes(16).toString('base64url');
const sub = (over: { endpoint?: string; p256dh?: string; auth?: string }) => ({
  endpoint: over.endpoint ?? 'https://fcm.googleapis.com/fcm/send/abc:def',
  keys: { p256dh: over.p256dh ?? p256dh, auth: over.auth ?? auth },
});
const offCurve = Buffer.from(ecdh.getPublicKey());
offCurve[64] = offCurve[64]! ^ 1;

describe('checkSubscription', () => {
  it.each([
    'https://fcm.googleapis.com/fcm/send/abc:def',
    'https://updates.push.services.mozilla.com/wpush/v2/gAAA',
    'https://web.push.apple.com/QGuQyavXu',
    'https://wns2-by3p.notify.windows.com/w/?token=BQYAAA',
  ])('accepts a real push service endpoint: %s', (endpoint) => {
    expect(checkSubscription(sub({ endpoint }), PUBLIC_PUSH_HOSTS)).toBeUndefined();
  });

  it.each([
    ['an http endpoint', { endpoint: 'http://fcm.googleapis.com/fcm/send/x' }, 'endpoint_invalid'],
    ['a relative endpoint', { endpoint: '/fcm/send/x' }, 'endpoint_invalid'],
    ['credentials in the endpoint', { endpoint: 'https://u:p@fcm.googleapis.com/x' }, 'endpoint_invalid'],
    ['an internal host (SSRF)', { endpoint: 'https://169.254.169.254/latest/meta-data' }, 'endpoint_not_allowed'],
    ['a look-alike host', { endpoint: 'https://fcm.googleapis.com.evil.example/x' }, 'endpoint_not_allowed'],
    ['the bare wildcard domain', { endpoint: 'https://notify.windows.com/x' }, 'endpoint_not_allowed'],
    ['a compressed p256dh', { p256dh: Buffer.concat([Buffer.from([2]), ecdh.getPublicKey().subarray(1, 33)]).toString('base64url') }, 'p256dh_invalid'],
    ['a p256dh off the curve', { p256dh: offCurve.toString('base64url') }, 'p256dh_invalid'],
    ['a p256dh that is not base64url', { p256dh: '!'.repeat(87) }, 'p256dh_invalid'],
    ['an auth of 15 bytes', { auth: randomBytes(15).toString('base64url') }, 'auth_invalid'],
    ['an auth of 17 bytes', { auth: randomBytes(17).toString('base64url') }, 'auth_invalid'],
  ])('refuses %s', (_name, over, code) => {
    expect(checkSubscription(sub(over), PUBLIC_PUSH_HOSTS)?.code).toBe(code);
  });
});

describe('hostAllowed', () => {
  it('matches exact hosts and wildcard subdomains, case-insensitively', () => {
    expect(hostAllowed('127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(hostAllowed('WNS2-X.Notify.Windows.com', ['*.notify.windows.com'])).toBe(true);
    expect(hostAllowed('127.0.0.2', ['127.0.0.1'])).toBe(false);
    expect(hostAllowed('[::1]', ['::1'])).toBe(true);
  });
});
