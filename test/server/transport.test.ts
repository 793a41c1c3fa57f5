import { once } from 'node:events';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { createPushEncryptor, type PushEncryptor } from '../../server/push/encryption';
import { encryptPush, pushOptions, ttlUntil } from '../../server/push/push-request';
import { createPushTransport, type PushTransport } from '../../server/push/transport';
import { VapidHeaderCache } from '../../server/push/vapid-header';
import { startPushService, type PushService, type TestDevice } from '../support/push-service';
import { startTcpProxy } from '../support/tcp-proxy';
import { makeLoopbackCertificate } from '../support/tls';

const vapid = new VapidHeaderCache({ ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@ringkit.example' });

function pushTo(device: Pick<TestDevice, 'endpoint' | 'subscription'>, text = 'ring') {
  const target = { endpoint: device.endpoint, ...device.subscription.keys };
  return encryptPush(target, text, pushOptions(vapid.authorization(device.endpoint), 30, 'topic'));
}

describe.each([
  { name: 'a push service offering HTTP/2', http2: true, protocol: 'h2' },
  { name: 'an HTTP/1.1-only push service', http2: false, protocol: 'http/1.1' },
])('the push transport, to $name', ({ http2, protocol }) => {
  let push: PushService;
  let transport: PushTransport;
  beforeAll(async () => {
    push = await startPushService({ http2 });
  });
  afterEach(() => transport.close());
  afterAll(() => push.close());

  it(`sends over ${protocol}, reusing the connection, with the headers and body the push service can decrypt`, async () => {
    transport = createPushTransport({ ca: push.cert });
    const devices = Array.from({ length: 6 }, () => push.subscribe());
    const attempts = await Promise.all(devices.map((d, i) => transport.post(pushTo(d, `ring ${i}`), 2000)));
    expect(attempts.every((a) => 'status' in a && a.status === 201)).toBe(true);
    const second = await transport.post(pushTo(devices[0]!, 'again'), 2000);
    expect(second).toMatchObject({ status: 201 });

    const received = devices.flatMap((d) => d.received);
    expect(received).toHaveLength(7);
    expect(received.map((r) => r.protocol)).toEqual(Array(7).fill(protocol));
    expect(devices.map((d) => d.received[0]!.text)).toEqual(devices.map((_, i) => `ring ${i}`));
    expect(received[0]!.headers).toMatchObject({ ttl: 30, urgency: 'high', topic: 'topic', contentEncoding: 'aes128gcm' });
    expect(received.every((r) => r.vapid.valid)).toBe(true);
    const connections = new Set(received.map((r) => r.connectionId)).size;
    // HTTP/2 multiplexes everything on one connection; HTTP/1.1 needs one per push in flight, then reuses them.
    if (protocol === 'h2') expect(connections).toBe(1);
    else expect(connections).toBeLessThan(received.length);
  });

  it('counts the TTL from when the push leaves, after a slow new connection, not from when it was handed over', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(push.origin).port) }, { connectDelayMs: 2000 });
    try {
      transport = createPushTransport({ ca: push.cert });
      const device = push.subscribe();
      const endpoint = device.endpoint.replace(push.origin, `https://127.0.0.1:${proxy.port}`);
      const expiresAt = Date.now() + 4500;
      const request = { ...pushTo({ ...device, endpoint }), expiresAt };
      request.headers.TTL = ttlUntil(expiresAt); // as the Deliverer hands it over: 5 s
      await transport.post(request, 8000);
      const [got] = device.received;
      // Sent ~2 s later with 3 s left: TTL 3, not the 5 it had when handed over.
      expect(got!.at + got!.headers.ttl! * 1000).toBeLessThanOrEqual(expiresAt + 1000);
    } finally {
      await proxy.close();
    }
  });

  it("reports the push service's status and Retry-After", async () => {
    transport = createPushTransport({ ca: push.cert });
    const device = push.subscribe();
    push.script(device.id, { status: 429, headers: { 'Retry-After': '7' } }, { status: 410 });
    expect(await transport.post(pushTo(device), 2000)).toEqual({ status: 429, retryAfter: '7' });
    expect(await transport.post(pushTo(device), 2000)).toEqual({ status: 410, retryAfter: undefined });
  });

  it('reports a reset connection as transient, then opens a new connection for the next push', async () => {
    transport = createPushTransport({ ca: push.cert });
    const device = push.subscribe();
    push.script(device.id, { reset: true });
    expect(await transport.post(pushTo(device), 2000)).toEqual({ transportError: 'reset' });
    expect(await transport.post(pushTo(device), 2000)).toMatchObject({ status: 201 });
    const [first, second] = device.received;
    expect(second!.connectionId).not.toBe(first!.connectionId);
  });

  it('times out a push that gets no answer while other pushes on the connection are answered', async () => {
    transport = createPushTransport({ ca: push.cert });
    const [stuck, fine] = [push.subscribe(), push.subscribe()];
    push.script(stuck.id, { hang: true });
    const hanging = transport.post(pushTo(stuck), 300);
    await push.waitForCount(stuck.id, 1);
    expect(await transport.post(pushTo(fine), 2000)).toMatchObject({ status: 201 });
    expect(await hanging).toEqual({ transportError: 'timeout' });
    if (protocol === 'h2') expect(fine.received[0]!.connectionId).toBe(stuck.received[0]!.connectionId);
  });
});

describe('the push transport, to a push service that negotiates HTTP/2 and then never speaks', () => {
  let server: TlsServer;
  let origin: string;
  const connections: import('node:tls').TLSSocket[] = [];
  beforeAll(async () => {
    const { cert, key } = await makeLoopbackCertificate();
    server = createTlsServer({ cert, key, ALPNProtocols: ['h2'] }, (socket) => {
      connections.push(socket);
      socket.on('error', () => {});
      socket.resume(); // reads everything, answers nothing, not even the HTTP/2 SETTINGS or PINGs
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of connections) socket.destroy();
    server.close();
  });

  it('times the push out and gives up on the dead connection, so the next push opens a new one', async () => {
    const { cert } = await makeLoopbackCertificate();
    const transport = createPushTransport({ ca: cert });
    try {
      const device = deviceOutside(`${origin}/push/black-hole`);
      expect(await transport.post(pushTo(device), 200)).toEqual({ transportError: 'timeout' });
      expect(connections).toHaveLength(1);
      await once(connections[0]!, 'close'); // the unanswered PING condemned it
      expect(await transport.post(pushTo(device), 200)).toEqual({ transportError: 'timeout' });
      expect(connections).toHaveLength(2);
    } finally {
      transport.close();
    }
  });
});

describe('encryption workers', () => {
  let push: PushService;
  let encryptor: PushEncryptor;
  beforeAll(async () => {
    push = await startPushService();
    encryptor = createPushEncryptor(2);
  });
  afterAll(async () => {
    await encryptor.close();
    await push.close();
  });

  it('encrypt pushes a subscription can decrypt, with the headers web-push would set', async () => {
    const devices = Array.from({ length: 20 }, () => push.subscribe());
    const options = pushOptions(vapid.authorization(push.origin), 30, 'topic');
    const requests = await Promise.all(devices.map((d, i) => encryptor.encrypt({ endpoint: d.endpoint, ...d.subscription.keys }, `ring ${i}`, options)));
    expect(requests.map((r, i) => devices[i]!.decrypt(r.body!))).toEqual(devices.map((_, i) => `ring ${i}`));
    expect(requests[0]!.headers).toMatchObject({ TTL: 30, Urgency: 'high', Topic: 'topic', 'Content-Encoding': 'aes128gcm' });
    expect(requests[0]!.endpoint).toBe(devices[0]!.endpoint);
  });

  it('reject a subscription whose keys cannot be encrypted for, and keep working', async () => {
    const device = push.subscribe();
    const options = pushOptions(vapid.authorization(push.origin), 30, 'topic');
    await expect(encryptor.encrypt({ endpoint: device.endpoint, p256dh: 'AAAA', auth: 'AAAA' }, 'ring', options)).rejects.toThrow(/p256dh/);
    const request = await encryptor.encrypt({ endpoint: device.endpoint, ...device.subscription.keys }, 'still here', options);
    expect(device.decrypt(request.body!)).toBe('still here');
  });
});

/** A subscription with real keys for an endpoint outside the loopback push service. */
function deviceOutside(endpoint: string): Pick<TestDevice, 'endpoint' | 'subscription'> {
  const { publicKey } = webpush.generateVAPIDKeys(); // any P-256 point will do as the device's key
  return { endpoint, subscription: { endpoint, expirationTime: null, keys: { p256dh: publicKey, auth: Buffer.alloc(16, 1).toString('base64url') } } };
}
