/**
 * The sender as a user starts it: `npm run sender` with the environment of
 * design.md, posting to a loopback push service trusted through NODE_EXTRA_CA_CERTS.
 */
import { execFile } from 'node:child_process';
import https from 'node:https';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../server/store/sqlite';
import { basicAuth, CALLEE, cometchatFixture } from '../support/cometchat';
import { startPushService, type PushService } from '../support/push-service';
import { freePort, ROOT, runSender, startSenderProcess as startSender } from '../support/sender-process';
import { makeLoopbackCertificate } from '../support/tls';
import { mintUserToken } from '../support/user-token';

let push: PushService;
beforeAll(async () => {
  push = await startPushService();
});
afterAll(() => push.close());

describe('npm run sender', () => {
  const secret = randomBytes(32).toString('base64url');
  const apiKey = randomBytes(32).toString('base64url');
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ringkit-process-'));
    env = {
      RINGKIT_DATA_DIR: dataDir,
      RINGKIT_API_KEY: apiKey,
      RINGKIT_AUTH_SECRET: secret,
      RINGKIT_PUSH_HOSTS: '127.0.0.1',
      NODE_EXTRA_CA_CERTS: push.certFile,
      VAPID_SUBJECT: 'mailto:ops@ringkit.example',
      LOG_LEVEL: 'warn',
    };
  });

  it('generates VAPID keys once (file mode 0600), and keeps them and the devices across a restart', async () => {
    const token = await mintUserToken(secret, 'ada', '5m');
    const device = push.subscribe();

    const first = await startSender(env);
    const key1 = (await (await fetch(`${first.url}/api/push/public-key`)).json()) as { publicKey: string };
    const sub = await fetch(`${first.url}/api/push/subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subscription: device.subscription }),
    });
    expect(sub.status).toBe(201);
    await first.stop();

    const keyFile = join(dataDir, 'vapid-keys.json');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(keyFile, 'utf8')) as { publicKey: string; privateKey: string };
    expect(stored.publicKey).toBe(key1.publicKey);
    expect(first.output()).not.toContain(stored.privateKey);

    const second = await startSender(env);
    try {
      const key2 = (await (await fetch(`${second.url}/api/push/public-key`)).json()) as { publicKey: string };
      expect(key2.publicKey).toBe(key1.publicKey);
      const res = await fetch(`${second.url}/api/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ recipientUid: 'ada', sessionId: 'v1.us.after-restart', callerName: 'Bob', callerUid: 'bob', callType: 'audio' }),
      });
      expect(await res.json()).toEqual({ devices: 1, delivered: 1, purged: 0, failed: 0, pending: 0 });
      const [got] = await push.waitForCount(device.id, 1);
      expect(got!.vapid).toMatchObject({ valid: true, publicKey: key1.publicKey });
      expect(got!.payload).toMatchObject({ type: 'incoming_call', sessionId: 'v1.us.after-restart', callerName: 'Bob' });
    } finally {
      await second.stop();
    }
  });

  it('finishes a CometChat event it acknowledged when stopped with SIGTERM', async () => {
    const webhookEnv = { ...env, RINGKIT_DATA_DIR: await mkdtemp(join(tmpdir(), 'ringkit-process-')), COMETCHAT_WEBHOOK_USER: 'cometchat', COMETCHAT_WEBHOOK_PASSWORD: 'webhook-secret' };
    const token = await mintUserToken(secret, CALLEE, '5m');
    const device = push.subscribe();
    push.script(device.id, { delayMs: 1000, status: 201 }, { delayMs: 1000, status: 201 });
    const sender = await startSender(webhookEnv, undefined, true);
    let code: number | null;
    try {
      const sub = await fetch(`${sender.url}/api/push/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ subscription: device.subscription }),
      });
      expect(sub.status).toBe(201);
      const webhook = async (fixture: string) => {
        const res = await fetch(`${sender.url}/api/webhooks/cometchat`, {
          method: 'POST',
          headers: { authorization: basicAuth('cometchat', 'webhook-secret'), 'content-type': 'application/json' },
          body: JSON.stringify(cometchatFixture(fixture, 'v1.us.before-sigterm')),
        });
        expect(await res.json()).toEqual({ status: 'accepted' });
      };
      // The cancel waits behind its ring (slow push service) when the signal comes.
      await webhook('webhook-call_initiated');
      await webhook('webhook-call_cancelled');
    } finally {
      code = await sender.stop();
    }
    expect(code).toBe(0);
    const [ring, cancel] = await push.waitForCount(device.id, 2);
    expect(ring!.payload).toMatchObject({ type: 'incoming_call', sessionId: 'v1.us.before-sigterm' });
    expect(cancel!.payload).toMatchObject({ type: 'call_ended', sessionId: 'v1.us.before-sigterm', reason: 'cancelled' });
    const store = await openSqliteStore(join(webhookEnv.RINGKIT_DATA_DIR, 'ringkit.sqlite'));
    try {
      expect((await store.findByEndpoint(device.endpoint))?.lastOutcome).toBe('delivered');
    } finally {
      await store.close();
    }
  });

  it('serves HTTPS when given a certificate and key', async () => {
    const tls = await makeLoopbackCertificate();
    const getHealth = (url: string) =>
      new Promise<string>((resolve, reject) => {
        https.get(`${url}/healthz`, { ca: tls.cert }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve(`${res.statusCode} ${body}`));
        }).on('error', reject);
      });
    const sender = await startSender({ ...env, TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile }, async (url) => (await getHealth(url)).startsWith('200'));
    try {
      expect(sender.url).toMatch(/^https:/);
      expect(await getHealth(sender.url)).toBe('200 {"status":"ok","store":"ok"}');
    } finally {
      await sender.stop();
    }
  });

  it.each([
    ['a VAPID subject at localhost', { VAPID_SUBJECT: 'mailto:me@localhost' }, /VAPID_SUBJECT must not be a localhost address/],
    ['a TTL out of range', { RINGKIT_TTL: '300' }, /RINGKIT_TTL must be a whole number from 30 to 60/],
    ['production without an API key', { NODE_ENV: 'production', RINGKIT_API_KEY: '' }, /RINGKIT_API_KEY is required in production/],
    ['production on plain HTTP on a public address', { NODE_ENV: 'production', HOST: '0.0.0.0' }, /refusing plain HTTP on 0.0.0.0/],
    ['production with a weak API key', { NODE_ENV: 'production', RINGKIT_API_KEY: 'k' }, /RINGKIT_API_KEY must be at least 32 characters .*openssl rand -base64 32/],
    ['production with the development sign-in on', { NODE_ENV: 'production', RINGKIT_DEV_LOGIN: '1' }, /refusing to start with RINGKIT_DEV_LOGIN on in production/],
    ['NODE_ENV=staging (production) with the development sign-in on', { NODE_ENV: 'staging', RINGKIT_DEV_LOGIN: '1' }, /RINGKIT_DEV_LOGIN/],
    ['an egress proxy it cannot speak to', { HTTPS_PROXY: 'socks5://proxy.internal:1080' }, /only http:\/\/ proxies \(HTTP CONNECT\) are supported/],
  ])('refuses to start with %s, saying why', async (_name, over, message) => {
    const { output, exited } = runSender({ ...env, ...over, PORT: String(await freePort()) });
    expect(await exited).toBe(1);
    expect(output()).toMatch(message);
    expect(output()).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });
});

describe('a production sender behind a TLS proxy, configured as the README says', () => {
  it('holds the hardening rules: no dev routes, guessing throttled, HSTS only over the proxy\'s HTTPS, a private data dir, every ring stoppable', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ringkit-prod-'));
    const apiKey = randomBytes(32).toString('base64url');
    const sender = await startSender({
      NODE_ENV: 'production',
      RINGKIT_TRUST_PROXY: '1',
      RINGKIT_DATA_DIR: dataDir,
      RINGKIT_API_KEY: apiKey,
      RINGKIT_AUTH_SECRET: randomBytes(32).toString('base64url'),
      RINGKIT_PUSH_HOSTS: '127.0.0.1',
      NODE_EXTRA_CA_CERTS: push.certFile,
      VAPID_SUBJECT: 'mailto:ops@ringkit.example',
      LOG_LEVEL: 'warn',
    });
    try {
      const viaProxy = { 'x-forwarded-for': '203.0.113.50', 'x-forwarded-proto': 'https' };
      expect((await fetch(`${sender.url}/api/dev/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"mallory"}' })).status).toBe(404);
      expect((await fetch(`${sender.url}/healthz`, { headers: viaProxy })).headers.get('strict-transport-security')).toMatch(/^max-age=/);
      expect((await fetch(`${sender.url}/healthz`)).headers.get('strict-transport-security')).toBeNull();

      const sessionId = 'v1.us.' + 'a'.repeat(250);
      const cancel = await fetch(`${sender.url}/api/calls/${sessionId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: '{"recipientUid":"nobody"}' });
      expect(cancel.status).toBe(200);

      const guess = (from: string) => fetch(`${sender.url}/api/calls/${sessionId}/cancel`, { method: 'POST', headers: { authorization: 'Bearer guess', 'content-type': 'application/json', 'x-forwarded-for': from }, body: '{"recipientUid":"nobody"}' });
      const statuses: number[] = [];
      for (let i = 0; i < 22; i++) statuses.push((await guess('198.51.100.7')).status);
      expect(statuses.slice(0, 20).every((c) => c === 401)).toBe(true);
      expect(statuses.slice(20)).toEqual([429, 429]);
      // A client behind the proxy naming another address in X-Forwarded-For is still the address the proxy appended.
      expect((await guess('10.1.1.1, 198.51.100.7')).status).toBe(429);

      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      for (const f of ['ringkit.sqlite', 'vapid-keys.json']) expect((await stat(join(dataDir, f))).mode & 0o777).toBe(0o600);
    } finally {
      await sender.stop();
    }
  });
});

describe('npm run vapid', () => {
  it('prints a fresh, valid VAPID key pair each time', async () => {
    const run = async () => (await promisify(execFile)('npm', ['run', '--silent', 'vapid'], { cwd: ROOT })).stdout;
    const [a, b] = [await run(), await run()];
    const pub = /^VAPID_PUBLIC_KEY=([A-Za-z0-9_-]+)$/m.exec(a)?.[1];
    const priv = /^VAPID_PRIVATE_KEY=([A-Za-z0-9_-]+)$/m.exec(a)?.[1];
    expect(Buffer.from(pub!, 'base64url')).toHaveLength(65);
    expect(Buffer.from(priv!, 'base64url')).toHaveLength(32);
    expect(b).not.toBe(a);
  });
});
