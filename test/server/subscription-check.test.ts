import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PUBLIC_PUSH_HOSTS } from '../../server/config';
import { checkSubscription, endpointAllowed } from '../../server/push/subscription-check';

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

describe('endpointAllowed', () => {
  const allowed = (endpoint: string, hosts: string[]) => endpointAllowed(new URL(endpoint), hosts);
  it('matches exact hosts and wildcard subdomains, case-insensitively', () => {
    expect(allowed('https://127.0.0.1/x', ['127.0.0.1'])).toBe(true);
    expect(allowed('https://WNS2-X.Notify.Windows.com/x', ['*.notify.windows.com'])).toBe(true);
    expect(allowed('https://127.0.0.2/x', ['127.0.0.1'])).toBe(false);
    expect(allowed('https://[::1]/x', ['::1'])).toBe(true);
  });

  it.each([
    'https://fcm.googleapis.com:22/fcm/send/x',
    'https://fcm.googleapis.com:8443/fcm/send/x',
    'https://updates.push.services.mozilla.com:25/wpush/v2/x',
    'https://wns2-by3p.notify.windows.com:6379/w/?token=x',
  ])('admits the default push services on port 443 only: refuses %s', (endpoint) => {
    expect(checkSubscription(sub({ endpoint }), PUBLIC_PUSH_HOSTS)?.code).toBe('endpoint_not_allowed');
    expect(checkSubscription(sub({ endpoint: endpoint.replace(/:\d+\//, ':443/') }), PUBLIC_PUSH_HOSTS)).toBeUndefined();
  });

  it('admits any port of a configured host without one, and only the named port of host:port', () => {
    expect(allowed('https://127.0.0.1:40123/x', ['127.0.0.1'])).toBe(true);
    expect(allowed('https://push.example.com:8443/x', ['push.example.com:8443'])).toBe(true);
    expect(allowed('https://push.example.com/x', ['push.example.com:8443'])).toBe(false);
    expect(allowed('https://push.example.com:9443/x', ['push.example.com:8443'])).toBe(false);
    expect(allowed('https://[::1]:8443/x', ['[::1]:8443'])).toBe(true);
    expect(allowed('https://[::1]:9443/x', ['[::1]:8443'])).toBe(false);
    expect(allowed('https://a.push.example.com:8443/x', ['*.push.example.com:8443'])).toBe(true);
  });
});
