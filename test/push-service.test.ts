// Tests of the loopback push service harness, driven by the real web-push client.
import { Agent } from 'node:https';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import webpush from 'web-push';
import type { RequestOptions } from 'web-push';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPushService } from './support/push-service';
import type { PushService, TestDevice } from './support/push-service';

const vapidKeys = webpush.generateVAPIDKeys();
const vapidDetails = { subject: 'mailto:ops@ringkit.test', ...vapidKeys };

let service: PushService;
let agent: Agent;

beforeAll(async () => {
  service = await startPushService();
  agent = new Agent({ ca: service.cert, keepAlive: true });
});

afterAll(async () => {
  agent.destroy();
  await service.close();
});

beforeEach(() => {
  service.setDefault(undefined);
  service.expectVapidKey(null);
  service.requireValidVapid = true;
});

function send(device: Pick<TestDevice, 'subscription'>, payload: string | null, options: RequestOptions = {}) {
  return webpush.sendNotification(device.subscription, payload ?? undefined, {
    vapidDetails,
    agent,
    TTL: 60,
    ...options,
  });
}

/** Authorization header for an arbitrary JWT, signed with a fresh key (jose), for claim tests. */
async function vapidHeader(claims: Record<string, unknown>): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const k = Buffer.concat([
    Buffer.from([0x04]),
    Buffer.from(jwk.x!, 'base64url'),
    Buffer.from(jwk.y!, 'base64url'),
  ]).toString('base64url');
  const t = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(privateKey);
  return `vapid t=${t}, k=${k}`;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { statusCode?: number; headers?: Record<string, string>; code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('push service harness', () => {
  it('receives, decrypts and verifies a push sent by web-push', async () => {
    const device = service.subscribe();
    expect(device.subscription.endpoint).toBe(`${service.origin}/push/${device.id}`);
    expect(Buffer.from(device.subscription.keys.p256dh, 'base64url')).toHaveLength(65);
    expect(Buffer.from(device.subscription.keys.auth, 'base64url')).toHaveLength(16);

    const result = await send(device, JSON.stringify({ type: 'ring', callId: 'c1' }), {
      TTL: 30,
      urgency: 'high',
      topic: 'call-c1',
    });
    expect(result.statusCode).toBe(201);
    expect(result.headers['location']).toMatch(new RegExp(`^${service.origin}/message/`));

    const [push] = await service.waitForCount(device.id, 1);
    expect(push).toBeDefined();
    expect(push!.payload).toEqual({ type: 'ring', callId: 'c1' });
    expect(push!.headers).toMatchObject({ ttl: 30, urgency: 'high', topic: 'call-c1', contentEncoding: 'aes128gcm' });
    expect(push!.status).toBe(201);
    expect(push!.vapid).toMatchObject({
      valid: true,
      publicKey: vapidKeys.publicKey,
      claims: { aud: service.origin, sub: 'mailto:ops@ringkit.test' },
    });
    expect(device.received).toEqual([push]);
    expect(service.received).toContain(push);
  });

  it('reuses a keep-alive connection', async () => {
    const device = service.subscribe();
    await send(device, 'a');
    await send(device, 'b');
    const pushes = await service.waitForCount(device.id, 2);
    expect(pushes.map((p) => p.text)).toEqual(['a', 'b']);
    expect(pushes[1]!.connectionId).toBe(pushes[0]!.connectionId);
  });

  it('rejects a JWT whose k is a foreign key with 401', async () => {
    const device = service.subscribe();
    const signed = webpush.getVapidHeaders(service.origin, vapidDetails.subject, vapidKeys.publicKey, vapidKeys.privateKey, 'aes128gcm');
    const foreign = webpush.generateVAPIDKeys().publicKey;
    const forged = signed.Authorization.replace(/k=[^,\s]+/, `k=${foreign}`);
    const error = await rejection(send(device, 'x', { vapidDetails: undefined, headers: { Authorization: forged } }));
    expect(error).toBeInstanceOf(webpush.WebPushError);
    expect(error.statusCode).toBe(401);
    const [push] = await service.waitForCount(device.id, 1);
    expect(push!.vapid.valid).toBe(false);
    expect(push!.vapid.error).toMatch(/signature/);
    expect(push!.status).toBe(401);
  });

  it('rejects a tampered JWT payload with 401', async () => {
    const device = service.subscribe();
    const signed = webpush.getVapidHeaders(service.origin, vapidDetails.subject, vapidKeys.publicKey, vapidKeys.privateKey, 'aes128gcm');
    const forged = signed.Authorization.replace(/t=([^.]+)\.([^.]+)\./, (_m, h: string, _p: string) => {
      const claims = { aud: service.origin, exp: Math.floor(Date.now() / 1000) + 3600, sub: 'mailto:evil@example.com' };
      return `t=${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    });
    expect(forged).not.toBe(signed.Authorization);
    const error = await rejection(send(device, 'x', { vapidDetails: undefined, headers: { Authorization: forged } }));
    expect(error.statusCode).toBe(401);
  });

  it('answers 401 without Authorization, unless VAPID is not required', async () => {
    const device = service.subscribe();
    const error = await rejection(send(device, 'x', { vapidDetails: undefined }));
    expect(error.statusCode).toBe(401);
    service.requireValidVapid = false;
    await expect(send(device, 'y', { vapidDetails: undefined })).resolves.toMatchObject({ statusCode: 201 });
    const pushes = await service.waitForCount(device.id, 2);
    expect(pushes.map((p) => [p.status, p.vapid.error])).toEqual([
      [401, 'missing Authorization header'],
      [201, 'missing Authorization header'],
    ]);
    expect(pushes[1]!.text).toBe('y');
  });

  it('answers 403 when the key is not the expected one', async () => {
    const device = service.subscribe();
    service.expectVapidKey(webpush.generateVAPIDKeys().publicKey);
    const error = await rejection(send(device, 'x'));
    expect(error.statusCode).toBe(403);
    service.expectVapidKey(vapidKeys.publicKey);
    await expect(send(device, 'y')).resolves.toMatchObject({ statusCode: 201 });
  });

  it.each<[string, { aud?: string; sub?: string; expIn: number }, RegExp]>([
    ['a foreign aud', { aud: 'https://push.example.net', sub: 'mailto:a@b.test', expIn: 600 }, /aud/],
    ['an expired exp', { sub: 'mailto:a@b.test', expIn: -10 }, /past/],
    ['an exp beyond 24 h', { sub: 'mailto:a@b.test', expIn: 24 * 3600 + 120 }, /24 h/],
    ['an http: sub', { sub: 'http://ringkit.test', expIn: 600 }, /sub/],
    ['no sub', { expIn: 600 }, /sub/],
  ])('rejects a JWT with %s', async (_name, { aud, sub, expIn }, expected) => {
    const device = service.subscribe();
    const claims: Record<string, unknown> = { aud: aud ?? service.origin, exp: Math.floor(Date.now() / 1000) + expIn };
    if (sub !== undefined) claims['sub'] = sub;
    const error = await rejection(
      send(device, 'x', { vapidDetails: undefined, headers: { Authorization: await vapidHeader(claims) } }),
    );
    expect(error.statusCode).toBe(401);
    const [push] = await service.waitForCount(device.id, 1);
    expect(push!.vapid.error).toMatch(expected);
  });

  it('accepts a JWT signed with jose that meets RFC 8292', async () => {
    const device = service.subscribe();
    const claims = { aud: service.origin, exp: Math.floor(Date.now() / 1000) + 24 * 3600, sub: 'https://ringkit.test/contact' };
    const authorization = await vapidHeader(claims);
    await expect(send(device, 'x', { vapidDetails: undefined, headers: { Authorization: authorization } })).resolves.toMatchObject({
      statusCode: 201,
    });
  });

  it('plays scripted 410 and 429 answers, then falls back to 201', async () => {
    const device = service.subscribe();
    service.script(device.id, { status: 410, body: 'gone' }, { status: 429, headers: { 'Retry-After': '7' } });

    const gone = await rejection(send(device, 'a'));
    expect(gone).toBeInstanceOf(webpush.WebPushError);
    expect(gone.statusCode).toBe(410);

    const limited = await rejection(send(device, 'b'));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers?.['retry-after']).toBe('7');

    await expect(send(device, 'c')).resolves.toMatchObject({ statusCode: 201 });
    const pushes = await service.waitForCount(device.id, 3);
    expect(pushes.map((p) => [p.status, p.text])).toEqual([
      [410, 'a'],
      [429, 'b'],
      [201, 'c'],
    ]);
  });

  it('keeps scripted answers for the next valid push when VAPID fails', async () => {
    const device = service.subscribe();
    service.script(device.id, { status: 404 });
    expect((await rejection(send(device, 'a', { vapidDetails: undefined }))).statusCode).toBe(401);
    expect((await rejection(send(device, 'b'))).statusCode).toBe(404);
  });

  it('applies setDefault to every endpoint with an empty script', async () => {
    const [one, two] = [service.subscribe(), service.subscribe()];
    service.setDefault({ status: 503, headers: { 'Retry-After': '1' } });
    expect((await rejection(send(one, 'a'))).statusCode).toBe(503);
    expect((await rejection(send(two, 'b'))).statusCode).toBe(503);
  });

  it('delays a scripted answer', async () => {
    const device = service.subscribe();
    service.script(device.id, { delayMs: 150, status: 202 });
    const started = Date.now();
    await expect(send(device, 'a')).resolves.toMatchObject({ statusCode: 202 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('hangs: the client times out, the push is still recorded', async () => {
    const device = service.subscribe();
    service.script(device.id, { hang: true });
    const error = await rejection(send(device, 'a', { timeout: 200 }));
    expect(error).not.toBeInstanceOf(webpush.WebPushError);
    expect(error.message).toMatch(/timeout/i);
    const [push] = await service.waitForCount(device.id, 1);
    expect(push).toMatchObject({ outcome: 'hang', status: 0, text: 'a' });
  });

  it('resets: the client sees a socket error', async () => {
    const device = service.subscribe();
    service.script(device.id, { reset: true });
    const error = await rejection(send(device, 'a'));
    expect(error).not.toBeInstanceOf(webpush.WebPushError);
    expect(error.code).toBe('ECONNRESET');
    const [push] = await service.waitForCount(device.id, 1);
    expect(push).toMatchObject({ outcome: 'reset', status: 0 });
  });

  it('answers 413 to bodies over the size limit', async () => {
    const device = service.subscribe();
    expect((await rejection(send(device, 'x'.repeat(5000)))).statusCode).toBe(413);
  });

  it('records pushes to endpoints it never handed out, without decrypting', async () => {
    const endpoint = service.endpoint('stranger');
    const device = service.subscribe();
    await send({ subscription: { ...device.subscription, endpoint } }, 'a');
    const push = await service.waitFor((r) => r.id === 'stranger');
    expect(push.status).toBe(201);
    expect(push.text).toBeUndefined();
    expect(push.body.length).toBeGreaterThan(0);
  });
});

describe('waiting and closing', () => {
  let own: PushService;
  let ownAgent: Agent;
  beforeEach(async () => {
    own = await startPushService();
    ownAgent = new Agent({ ca: own.cert, keepAlive: true });
  });
  afterEach(async () => {
    ownAgent.destroy();
    await own.close();
  });

  it('waitFor resolves on a push that arrives later', async () => {
    const device = own.subscribe();
    const waiting = own.waitFor((r) => r.id === device.id && r.text === 'late');
    await webpush.sendNotification(device.subscription, 'late', { vapidDetails, agent: ownAgent });
    await expect(waiting).resolves.toMatchObject({ text: 'late' });
  });

  it('waitFor and waitForCount reject with a clear message on timeout', async () => {
    await expect(own.waitFor(() => false, 50)).rejects.toThrow(/timed out after 50 ms/);
    await expect(own.waitForCount('nobody', 1, 50)).rejects.toThrow(/timed out after 50 ms waiting for 1 push\(es\) to nobody/);
  });

  it('close() ends hanging requests and pending waits promptly', async () => {
    const device = own.subscribe();
    own.script(device.id, { hang: true });
    const pending = webpush.sendNotification(device.subscription, 'a', { vapidDetails, agent: ownAgent }).catch((e: unknown) => e);
    await own.waitForCount(device.id, 1);
    // Caught now: close() rejects it before the assertion below gets attached.
    const waiting = own.waitFor(() => false, 10_000).catch((e: unknown) => e);
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    expect(await waiting).toMatchObject({ message: expect.stringMatching(/closed/) });
  });

  it('listens on ::1 when asked', async () => {
    const v6 = await startPushService({ host: '::1' });
    try {
      expect(v6.origin).toMatch(/^https:\/\/\[::1\]:\d+$/);
      const device = v6.subscribe();
      const v6Agent = new Agent({ ca: v6.cert });
      await webpush.sendNotification(device.subscription, 'six', { vapidDetails, agent: v6Agent });
      const [push] = await v6.waitForCount(device.id, 1);
      expect(push).toMatchObject({ text: 'six', vapid: { valid: true } });
      v6Agent.destroy();
    } finally {
      await v6.close();
    }
  });
});
