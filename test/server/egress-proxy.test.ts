/**
 * The sender's push traffic through an egress proxy (HTTPS_PROXY, HTTP
 * CONNECT; NO_PROXY as curl reads it): a real loopback CONNECT proxy in front
 * of the real loopback push service, over HTTP/2 and HTTP/1.1, and what a
 * refusing or dying proxy does to a ring (retried, never a purge).
 */
import { randomUUID } from 'node:crypto';
import webpush from 'web-push';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeliveryCounts } from '../../protocol/api';
import { ConfigError } from '../../server/config';
import { bypassesProxy, egressProxyFromEnvironment, type EgressProxy } from '../../server/push/egress-proxy';
import { encryptPush, pushOptions } from '../../server/push/push-request';
import { createPushTransport, type PushTransport } from '../../server/push/transport';
import { VapidHeaderCache } from '../../server/push/vapid-header';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';
import { startPushService, type PushService, type TestDevice } from '../support/push-service';
import { startTestSender, type TestSender } from '../support/sender';

const proxyVia = (proxy: ConnectProxy, noProxy?: string): EgressProxy =>
  egressProxyFromEnvironment({ HTTPS_PROXY: proxy.url, ...(noProxy === undefined ? {} : { NO_PROXY: noProxy }) })!;

describe('NO_PROXY, as curl matches it', () => {
  it.each([
    // curl's own examples (CURLOPT_NOPROXY): a name matches itself and the domains it contains
    ['ample.com', 'ample.com', true],
    ['ample.com', 'www.ample.com', true],
    ['ample.com', 'www.example.com', false],
    ['ample.com', 'ample.com.org', false],
    ['.ample.com', 'www.ample.com', true],
    ['.ample.com', 'ample.com', true],
    ['*', 'fcm.googleapis.com', true],
    ['', 'fcm.googleapis.com', false],
    [' localhost , fcm.googleapis.com ', 'fcm.googleapis.com', true],
    ['FCM.googleapis.com', 'fcm.GoogleApis.com.', true],
    ['googleapis.com', 'fcm.googleapis.com', true],
    ['apis.com', 'fcm.googleapis.com', false],
    // addresses: exactly, or a CIDR range; IPv6 without brackets; never by suffix
    ['127.0.0.1', '127.0.0.1', true],
    ['10.0.0.0/8', '10.1.2.3', true],
    ['192.168.0.0/16', '192.169.0.1', false],
    ['::1', '[::1]', true],
    ['0.1', '10.0.0.1', false],
    ['127.0.0.1', 'localhost', false],
  ])('NO_PROXY=%j exempts %s: %s', (noProxy, host, exempt) => {
    expect(bypassesProxy(host, noProxy)).toBe(exempt);
  });
});

describe('HTTPS_PROXY from the environment', () => {
  it('is read lower case first, then upper case, then ALL_PROXY; unset or empty means no proxy', () => {
    expect(egressProxyFromEnvironment({})).toBeUndefined();
    expect(egressProxyFromEnvironment({ HTTPS_PROXY: ' ' })).toBeUndefined();
    expect(egressProxyFromEnvironment({ HTTP_PROXY: 'http://plain:3128' })).toBeUndefined(); // curl uses it for http:// URLs only
    expect(egressProxyFromEnvironment({ https_proxy: 'http://lower:3128', HTTPS_PROXY: 'http://upper:3128' })!.for('fcm.googleapis.com')?.host).toBe('lower:3128');
    expect(egressProxyFromEnvironment({ ALL_PROXY: 'http://all:3128' })!.for('fcm.googleapis.com')?.host).toBe('all:3128');
  });

  it('takes a proxy without a scheme as http://, and NO_PROXY exempts hosts from it', () => {
    const proxy = egressProxyFromEnvironment({ HTTPS_PROXY: 'proxy.internal:3128', no_proxy: 'push.internal' })!;
    expect(proxy.for('fcm.googleapis.com')?.href).toBe('http://proxy.internal:3128/');
    expect(proxy.for('eu.push.internal')).toBeUndefined();
  });

  it('refuses, at start, a proxy it cannot speak to', () => {
    expect(() => egressProxyFromEnvironment({ HTTPS_PROXY: 'socks5://proxy.internal:1080' })).toThrow(ConfigError);
    expect(() => egressProxyFromEnvironment({ HTTPS_PROXY: 'http://[bad' })).toThrow(/not a URL/);
  });
});

const vapid = new VapidHeaderCache({ ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@ringkit.example' });
function pushTo(device: TestDevice, text = 'ring') {
  return encryptPush({ endpoint: device.endpoint, ...device.subscription.keys }, text, pushOptions(vapid.authorization(device.endpoint), 30, 'topic'));
}

describe.each([
  { name: 'a push service offering HTTP/2', http2: true, protocol: 'h2' },
  { name: 'an HTTP/1.1-only push service', http2: false, protocol: 'http/1.1' },
])('the push transport through a CONNECT proxy, to $name', ({ http2, protocol }) => {
  let push: PushService;
  let proxy: ConnectProxy;
  let transport: PushTransport;
  beforeAll(async () => {
    push = await startPushService({ http2 });
    proxy = await startConnectProxy();
  });
  afterEach(() => transport.close());
  afterAll(async () => {
    await proxy.close();
    await push.close();
  });

  it(`tunnels every push over ${protocol}, keeping its connections alive`, async () => {
    const before = proxy.connects.length;
    transport = createPushTransport({ ca: push.cert, proxy: proxyVia(proxy) });
    const devices = Array.from({ length: 6 }, () => push.subscribe());
    const attempts = await Promise.all(devices.map((d, i) => transport.post(pushTo(d, `ring ${i}`), 2000)));
    expect(attempts.every((a) => 'status' in a && a.status === 201)).toBe(true);
    expect(await transport.post(pushTo(devices[0]!, 'again'), 2000)).toMatchObject({ status: 201 });

    const received = devices.flatMap((d) => d.received);
    expect(received.map((r) => r.protocol)).toEqual(Array(7).fill(protocol));
    expect(devices.map((d) => d.decrypt(d.received[0]!.body))).toEqual(devices.map((_, i) => `ring ${i}`));
    const tunnels = proxy.connects.slice(before);
    expect(new Set(tunnels)).toEqual(new Set([new URL(push.origin).host]));
    // HTTP/2: one tunnel for all. HTTP/1.1: the ALPN probe's, then at most one per push in flight, reused after.
    if (protocol === 'h2') expect(tunnels).toHaveLength(1);
    else expect(tunnels.length).toBeLessThanOrEqual(1 + devices.length);
    expect(new Set(received.map((r) => r.connectionId)).size).toBe(tunnels.length - (protocol === 'h2' ? 0 : 1));
  });

  it('connects directly to a host NO_PROXY exempts', async () => {
    const before = proxy.connects.length;
    transport = createPushTransport({ ca: push.cert, proxy: proxyVia(proxy, `localhost,${new URL(push.origin).hostname}`) });
    expect(await transport.post(pushTo(push.subscribe()), 2000)).toMatchObject({ status: 201 });
    expect(proxy.connects.slice(before)).toEqual([]);
  });

  it('authenticates to a proxy with the credentials in HTTPS_PROXY (Basic, percent-decoded)', async () => {
    const guarded = await startConnectProxy(undefined, { credentials: 'ops:p@ss word' });
    try {
      const url = new URL(guarded.url);
      url.username = 'ops';
      url.password = 'p@ss word';
      transport = createPushTransport({ ca: push.cert, proxy: egressProxyFromEnvironment({ HTTPS_PROXY: url.href })! });
      expect(await transport.post(pushTo(push.subscribe()), 2000)).toMatchObject({ status: 201 });
      transport.close();
      transport = createPushTransport({ ca: push.cert, proxy: egressProxyFromEnvironment({ HTTPS_PROXY: guarded.url })! });
      expect(await transport.post(pushTo(push.subscribe()), 2000)).toEqual({ transportError: 'proxy' }); // 407
    } finally {
      await guarded.close();
    }
  });

  it('reports a CONNECT the proxy refuses as a transient "proxy" fault', async () => {
    transport = createPushTransport({ ca: push.cert, proxy: proxyVia(proxy) });
    proxy.refuse(403);
    try {
      expect(await transport.post(pushTo(push.subscribe()), 2000)).toEqual({ transportError: 'proxy' });
    } finally {
      proxy.refuse(undefined);
    }
    expect(await transport.post(pushTo(push.subscribe()), 2000)).toMatchObject({ status: 201 });
  });
});

describe('a ring through an egress proxy that fails', () => {
  const TTL_S = 3;
  let s: TestSender;
  let proxy: ConnectProxy;
  beforeAll(async () => {
    proxy = await startConnectProxy();
    s = await startTestSender({ ttlSeconds: TTL_S, attemptTimeoutMs: 600, answerWithinMs: 1000, egressProxy: proxyVia(proxy) });
  });
  afterAll(async () => {
    await s.close();
    await proxy.close();
  });

  async function ring(uid: string): Promise<DeliveryCounts> {
    const res = await s.inject({
      method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
      payload: { recipientUid: uid, sessionId: `v1.us.${randomUUID()}`, callerName: 'Bob', callerUid: 'bob', callType: 'audio' },
    });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  /** The device's outcome once delivery gave up or succeeded ("purged" once deleted). */
  const finalOutcome = (endpoint: string) =>
    vi.waitFor(
      async () => {
        const device = await s.store.findByEndpoint(endpoint);
        if (!device) return 'purged';
        if (!device.lastOutcome) throw new Error('no outcome yet');
        return device.lastOutcome;
      },
      { timeout: TTL_S * 1000 + 3000, interval: 25 },
    );

  it('a proxy refusing every CONNECT is retried until the ring ends, and the device is kept', async () => {
    const uid = `refused-${randomUUID()}`;
    const device = await s.addDevice(uid);
    const before = proxy.connects.length;
    proxy.refuse(502);
    try {
      const counts = await ring(uid);
      expect(counts).toMatchObject({ devices: 1, delivered: 0, purged: 0 });
      expect(await finalOutcome(device.endpoint)).toBe('failed:proxy');
    } finally {
      proxy.refuse(undefined);
    }
    expect(proxy.connects.length - before).toBeGreaterThanOrEqual(2); // retried
    expect((await s.store.listByUser(uid)).map((d) => d.endpoint)).toEqual([device.endpoint]);
    // The proxy lets it through again: the next call rings.
    expect(await ring(uid)).toMatchObject({ delivered: 1 });
  });

  it('a proxy dying mid-ring: the push cut with its tunnel is sent again once the proxy is back, and nothing is purged', async () => {
    const uid = `dying-${randomUUID()}`;
    const device = await s.addDevice(uid);
    s.push.script(device.id, { hang: true }); // the first push is in flight, inside the tunnel, when the proxy dies
    const ringing = ring(uid);
    await s.push.waitForCount(device.id, 1);
    await proxy.die();
    await proxy.revive();
    expect(await ringing).toMatchObject({ devices: 1, delivered: 1, purged: 0 });
    expect(device.received.map((r) => device.decrypt(r.body))).toHaveLength(2);
    expect(device.received[1]!.payload).toMatchObject({ type: 'incoming_call' });
    expect(await s.store.listByUser(uid)).toHaveLength(1);
  });

  it('a proxy that stays down: the ring gives up at its end, the device is kept', async () => {
    const uid = `down-${randomUUID()}`;
    const device = await s.addDevice(uid);
    await proxy.die();
    try {
      expect(await ring(uid)).toMatchObject({ devices: 1, delivered: 0, purged: 0 });
      expect(await finalOutcome(device.endpoint)).toBe('failed:refused');
    } finally {
      await proxy.revive();
    }
    expect(await s.store.listByUser(uid)).toHaveLength(1);
  });
});
