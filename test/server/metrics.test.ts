/**
 * GET /metrics: every number moves for the reason it names, as rings, push
 * service faults and webhook events happen against real loopback push
 * services (test/support/push-service.ts, test/support/faulty-push-host.ts);
 * it is off unless asked for, and on RINGKIT_METRICS_PORT it is never served
 * through the public port. No label carries an endpoint, key, token or uid.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PUSH_SERVICES, pushServiceOf } from '../../server/metrics/push-service';
import { basicAuth, cometchatFixture } from '../support/cometchat';
import { startFaultyPushHost, type Fault, type FaultyPushHost } from '../support/faulty-push-host';
import { metricValue, parseMetrics, type Sample } from '../support/metrics';
import type { TestDevice } from '../support/push-service';
import { loopbackSenderEnv, startTestSender, type TestSender } from '../support/sender';
import { freePort, startSenderProcess } from '../support/sender-process';
import type { TestSubscription } from '../support/subscriptions';

const WEBHOOK = { COMETCHAT_WEBHOOK_USER: 'cometchat', COMETCHAT_WEBHOOK_PASSWORD: 'correct horse battery staple' };
const ON = { RINGKIT_METRICS: '1', ...WEBHOOK };

/** Everything a label must never carry: endpoints, keys, tokens, uids (and session ids), gathered as the tests make them. */
const secrets = new Set<string>();
const remember = (...values: string[]) => values.forEach((v) => secrets.add(v));

let s: TestSender;
const hosts: FaultyPushHost[] = [];
beforeAll(async () => {
  s = await startTestSender({ env: ON, ttlSeconds: 3, attemptTimeoutMs: 600, answerWithinMs: 300 });
  remember(s.secrets.apiKey, s.secrets.authSecret);
});
afterAll(async () => {
  await s.close();
  await Promise.all(hosts.map((h) => h.close()));
});

async function scrape(sender: TestSender = s): Promise<Sample[]> {
  const res = await sender.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(res.body);
}

/** How much each metric moved while `act` ran (and the sender finished what it started). */
async function moved(act: () => Promise<unknown>, sender: TestSender = s): Promise<(name: string, labels?: Record<string, string>) => number> {
  const before = await scrape(sender);
  await act();
  await sender.app.drain();
  const after = await scrape(sender);
  return (name, labels = {}) => metricValue(after, name, labels) - metricValue(before, name, labels);
}

const newUid = () => `user-${randomUUID()}`;
const newSession = () => `v1.us.${randomUUID()}`;

async function addDevice(uid: string): Promise<TestDevice> {
  const device = await s.addDevice(uid);
  remember(device.endpoint, device.subscription.keys.p256dh, device.subscription.keys.auth);
  return device;
}

async function storeDevice(sender: TestSender, uid: string, sub: TestSubscription): Promise<void> {
  const { endpoint, keys } = sub.subscription;
  remember(endpoint, keys.p256dh, keys.auth);
  await sender.store.upsert({ uid, endpoint, p256dh: keys.p256dh, auth: keys.auth, userAgent: null });
}

function ring(uid: string, sessionId = newSession(), sender: TestSender = s) {
  remember(uid, sessionId);
  return sender.inject({
    method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${sender.secrets.apiKey}` },
    payload: { recipientUid: uid, sessionId, callerName: 'Bob', callerUid: 'bob', callType: 'audio' },
  });
}

describe('GET /metrics', () => {
  it('counts a ring by outcome: delivered, purged (410) and retried (503, then 201), with its latency and answer times', async () => {
    const uid = newUid();
    const [delivered, gone, flaky] = [await addDevice(uid), await addDevice(uid), await addDevice(uid)];
    s.push.script(gone.id, { status: 410 });
    s.push.script(flaky.id, { status: 503 });
    const sessionId = newSession();
    const delta = await moved(() => ring(uid, sessionId));
    const ringOf = (outcome: string) => delta('ringkit_pushes_total', { type: 'ring', service: 'other', outcome });
    expect(ringOf('delivered')).toBe(2);
    expect(ringOf('purged')).toBe(1);
    expect(ringOf('failed_5xx')).toBe(0);
    expect(delta('ringkit_push_retries_total', { type: 'ring', service: 'other' })).toBe(1);
    // Two rings reached their push service; four requests were answered (one 503 among them).
    expect(delta('ringkit_ring_latency_seconds_count', { service: 'other' })).toBe(2);
    expect(delta('ringkit_push_service_answer_seconds_count', { service: 'other' })).toBe(4);
    expect(delivered.received).toHaveLength(1);

    // The cancel reaches the two devices left (the purged one is gone): call_ended counted apart from rings.
    const cancel = await moved(() =>
      s.inject({ method: 'POST', url: `/api/calls/${sessionId}/cancel`, headers: { authorization: `Bearer ${s.secrets.apiKey}` }, payload: { recipientUid: uid } }),
    );
    expect(cancel('ringkit_pushes_total', { type: 'call_ended', outcome: 'delivered' })).toBe(2);
    expect(cancel('ringkit_pushes_total', { type: 'ring' })).toBe(0);
    expect(cancel('ringkit_ring_latency_seconds_count')).toBe(0);
  });

  it.each<[string, string, Fault]>([
    ['answers 500, always', 'failed_5xx', { kind: 'status', status: 500 }],
    ['answers 403 (VAPID refused)', 'failed_4xx', { kind: 'status', status: 403 }],
    ['refuses connections', 'failed_network', { kind: 'refused' }],
    ['resets the connection mid-request', 'failed_network', { kind: 'reset' }],
  ])('counts a push service that %s as %s', async (_name, outcome, fault) => {
    const host = await startFaultyPushHost(fault);
    hosts.push(host);
    const uid = newUid();
    await storeDevice(s, uid, host.subscribe());
    const delta = await moved(() => ring(uid));
    expect(delta('ringkit_pushes_total', { type: 'ring', outcome })).toBe(1);
    expect(delta('ringkit_pushes_total', { type: 'ring', outcome: 'delivered' })).toBe(0);
    expect(delta('ringkit_ring_latency_seconds_count')).toBe(0);
    const transient = fault.kind !== 'status' || fault.status >= 500;
    // The ring's own retries: an earlier case's ring ending unanswered retries its call_ended meanwhile.
    expect(delta('ringkit_push_retries_total', { type: 'ring' }) > 0).toBe(transient);
  });

  it('counts pushes that never got a slot before the ring ended as expired', async () => {
    // A one-second ring to 33 devices on a host that never answers: its 32 slots are held to the end.
    const short = await startTestSender({ env: ON, ttlSeconds: 1, answerWithinMs: 100 });
    const host = await startFaultyPushHost({ kind: 'black-hole' });
    hosts.push(host);
    try {
      const uid = newUid();
      for (let i = 0; i < 33; i++) await storeDevice(short, uid, host.subscribe());
      const delta = await moved(() => ring(uid, newSession(), short), short);
      // The ring's own pushes: once it ends unanswered, its call_ended pushes may be counted before the drain too.
      const expired = delta('ringkit_pushes_total', { type: 'ring', outcome: 'expired' });
      expect(expired).toBeGreaterThanOrEqual(1);
      expect(expired + delta('ringkit_pushes_total', { type: 'ring', outcome: 'failed_network' })).toBe(33);
    } finally {
      await short.close();
    }
  });

  it('shows pushes in flight and waiting to be retried while they are', async () => {
    // A sender of its own, whose rings outlast the test: no other test's push, and no
    // ring ending unanswered (with call_ended pushes of its own), moves these gauges.
    const own = await startTestSender({ env: ON, attemptTimeoutMs: 600, answerWithinMs: 300 });
    try {
      const callee = newUid();
      const hanging = await own.addDevice(callee);
      own.push.script(hanging.id, { hang: true }); // the first attempt hangs; its retry is taken
      await ring(callee, newSession(), own);
      await own.push.waitForCount(hanging.id, 1);
      expect(metricValue(await scrape(own), 'ringkit_pushes_in_flight')).toBe(1);
      await own.app.drain();
      expect(metricValue(await scrape(own), 'ringkit_pushes_in_flight')).toBe(0);

      const another = newUid();
      const limited = await own.addDevice(another);
      own.push.script(limited.id, { status: 429, headers: { 'Retry-After': '1' } });
      await ring(another, newSession(), own);
      await vi.waitFor(async () => expect(metricValue(await scrape(own), 'ringkit_push_retry_queue')).toBe(1), { timeout: 2000, interval: 20 });
      await own.app.drain();
      expect(metricValue(await scrape(own), 'ringkit_push_retry_queue')).toBe(0);
      expect(limited.received.map((r) => r.status)).toEqual([429, 201]);
    } finally {
      await own.close();
    }
  });

  it('counts webhook events by trigger and result: acted, duplicate, ignored, refused', async () => {
    const post = (body: unknown, password = WEBHOOK.COMETCHAT_WEBHOOK_PASSWORD) =>
      s.inject({
        method: 'POST', url: '/api/webhooks/cometchat',
        headers: { 'content-type': 'application/json', authorization: basicAuth(WEBHOOK.COMETCHAT_WEBHOOK_USER, password) },
        payload: JSON.stringify(body),
      });
    const sessionId = newSession();
    const initiated = cometchatFixture('webhook-call_initiated', sessionId);
    remember(sessionId);
    const delta = await moved(async () => {
      expect((await post(initiated)).json()).toEqual({ status: 'accepted' });
      expect((await post(initiated)).json()).toEqual({ status: 'duplicate' });
      expect((await post(cometchatFixture('webhook-call_participant_left', sessionId))).json()).toEqual({ status: 'ignored' });
      expect((await post({ trigger: `made-up-${randomUUID()}`, data: {} })).json()).toEqual({ status: 'ignored' });
      expect((await post(initiated, 'wrong password')).statusCode).toBe(401);
      expect((await post({ trigger: 'call_initiated', data: {} })).statusCode).toBe(400);
    });
    const events = (trigger: string, result: string) => delta('ringkit_webhook_events_total', { trigger, result });
    expect(events('call_initiated', 'acted')).toBe(1);
    expect(events('call_initiated', 'duplicate')).toBe(1);
    expect(events('call_participant_left', 'ignored')).toBe(1);
    // A trigger nobody knows is "other": a caller cannot grow a label per string it sends.
    expect(events('other', 'ignored')).toBe(1);
    // Refused before the body was read (401), and refused as malformed (400).
    expect(events('unknown', 'refused')).toBe(1);
    expect(events('call_initiated', 'refused')).toBe(1);
    expect(delta('ringkit_webhook_events_total')).toBe(6);
  });

  it('shows the outbox gauges once the call events register them, the encryption queue and the process metrics', async () => {
    let before = parseMetrics((await s.inject({ method: 'GET', url: '/metrics' })).body);
    expect(metricValue(before, 'ringkit_outbox_depth')).toBe(0);
    s.app.metrics.registerOutbox(async () => ({ depth: 3, oldestAgeSeconds: 42.5 }));
    before = await scrape();
    expect(metricValue(before, 'ringkit_outbox_depth')).toBe(3);
    expect(metricValue(before, 'ringkit_outbox_oldest_age_seconds')).toBe(42.5);
    expect(before.some((m) => m.name === 'ringkit_encryption_queue')).toBe(true);
    expect(before.some((m) => m.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(before.some((m) => m.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  // Last: it reads every label the tests above made the sender emit.
  it('labels by push service only: no label carries an endpoint, key, token, uid or session id', async () => {
    const samples = await scrape();
    const ringkit = samples.filter((m) => m.name.startsWith('ringkit_'));
    expect(ringkit.length).toBeGreaterThan(20);
    expect(secrets.size).toBeGreaterThan(40);
    for (const sample of ringkit) {
      for (const [key, value] of Object.entries(sample.labels)) {
        expect(['type', 'service', 'outcome', 'trigger', 'result', 'kind', 'le']).toContain(key);
        for (const secret of secrets) expect(value).not.toContain(secret);
        if (key === 'service') expect(PUSH_SERVICES).toContain(value);
      }
    }
    // Nor do the decline tokens the rings carried (they name the callee).
    const tokens = s.push.received.map((r) => (r.payload as { declineToken?: string } | undefined)?.declineToken).filter((t): t is string => !!t);
    expect(tokens.length).toBeGreaterThan(0);
    const text = (await s.inject({ method: 'GET', url: '/metrics' })).body;
    for (const token of tokens) expect(text).not.toContain(token);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});

describe('which push service an endpoint belongs to', () => {
  // Endpoint shapes as each service hands them out (platforms.md: FCM, autopush, APNs web push, WNS).
  it.each([
    ['https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH', 'fcm'],
    ['https://fcm.googleapis.com/wp/dQw4w9WgXcQ:APA91bH', 'fcm'],
    ['https://updates.push.services.mozilla.com/wpush/v2/gAAAAABl', 'mozilla'],
    ['https://web.push.apple.com/QGuQyavXutnMH6Ip8VwM1tB1', 'apple'],
    ['https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD', 'wns'],
    ['https://127.0.0.1:4433/push/abc', 'other'],
    ['https://notify.windows.com.evil.example/w/', 'other'],
    ['https://evilgoogleapis.com/fcm/send/x', 'other'],
    ['not a url', 'other'],
  ])('%s is %s', (endpoint, service) => {
    expect(pushServiceOf(endpoint)).toBe(service);
  });
});

describe('where /metrics is served', () => {
  it('nowhere by default', async () => {
    const off = await startTestSender({ push: s.push });
    try {
      const res = await off.inject({ method: 'GET', url: '/metrics' });
      // A clear 404 (not the app's page, which unknown paths get when the app is built).
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no route GET /metrics' } });
      expect(off.app.metricsHttp).toBeUndefined();
    } finally {
      await off.close();
    }
  });

  it('with RINGKIT_METRICS_PORT, only on that port: the public port answers 404, the metrics port serves nothing else', async () => {
    const apart = await startTestSender({ push: s.push, env: { RINGKIT_METRICS_PORT: '0' } });
    try {
      const publicPort = await apart.inject({ method: 'GET', url: '/metrics' });
      expect(publicPort.statusCode).toBe(404);
      expect(publicPort.body).not.toContain('ringkit_');
      const metricsHttp = apart.app.metricsHttp!;
      const res = await metricsHttp.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('ringkit_pushes_total');
      for (const url of ['/healthz', '/api/push/public-key', '/', '/api/calls/x']) {
        expect((await metricsHttp.inject({ method: 'GET', url })).statusCode).toBe(404);
      }
    } finally {
      await apart.close();
    }
  });

  it('in the sender process: the metrics port serves /metrics, the public port does not', async () => {
    const metricsPort = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'ringkit-metrics-'));
    const sender = await startSenderProcess({ ...loopbackSenderEnv(dataDir), RINGKIT_METRICS_PORT: String(metricsPort), LOG_LEVEL: 'warn' }, undefined, true);
    try {
      const publicPort = await fetch(`${sender.url}/metrics`);
      expect(publicPort.status).toBe(404);
      expect(await publicPort.text()).not.toContain('ringkit_');
      const scraped = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/^ringkit_pushes_in_flight 0$/m);
      expect((await fetch(`http://127.0.0.1:${metricsPort}/api/push/public-key`)).status).toBe(404);
      expect((await fetch(`${sender.url}/api/push/public-key`)).status).toBe(200);
    } finally {
      expect(await sender.stop()).toBe(0);
    }
  });
});
