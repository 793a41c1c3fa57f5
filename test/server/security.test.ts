/**
 * What a hostile page or client meets: CORS only for the configured origins,
 * security headers and the CSP on the PWA, rate limits on every route a
 * browser can reach, and no way to read the data dir through the web app.
 */
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';
import { startTestSender, type TestSender } from '../support/sender';

const APP_ORIGIN = 'https://app.example.com';
const EVIL_ORIGIN = 'https://evil.example';

/** A built-app directory (index.html, a hashed asset) next to a data dir, as `npm start` lays them out. */
async function siteWithDataDir(): Promise<{ webDir: string; dataDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'ringkit-site-'));
  const webDir = join(root, 'dist');
  await mkdir(join(webDir, 'assets'), { recursive: true });
  await writeFile(join(webDir, 'index.html'), '<!doctype html><title>RingKit</title><div id="app"></div>');
  await writeFile(join(webDir, 'assets', 'index-abc123.js'), 'console.log("app")');
  return { webDir, dataDir: join(root, 'data') };
}

const preflight = (s: TestSender, origin: string, method = 'POST') =>
  s.inject({
    method: 'OPTIONS',
    url: '/api/push/subscriptions',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });

describe('RINGKIT_CORS_ORIGINS', () => {
  it('takes exact origins and refuses wildcards and paths', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ RINGKIT_CORS_ORIGINS: ' https://App.Example.com , http://127.0.0.1:5173 ' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://127.0.0.1:5173',
    ]);
    for (const bad of ['*', 'https://*.example.com', 'https://app.example.com/path', 'app.example.com', 'ftp://x.example']) {
      expect(() => loadConfig({ RINGKIT_CORS_ORIGINS: bad })).toThrow(ConfigError);
    }
  });
});

describe('CORS', () => {
  let sameOrigin: TestSender;
  let withApp: TestSender;
  beforeAll(async () => {
    sameOrigin = await startTestSender();
    withApp = await startTestSender({ env: { RINGKIT_CORS_ORIGINS: APP_ORIGIN } });
  });
  afterAll(async () => {
    await sameOrigin.close();
    await withApp.close();
  });

  it('admits no other origin by default: neither a preflight nor a simple read', async () => {
    const pre = await preflight(sameOrigin, APP_ORIGIN);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(pre.headers['access-control-allow-methods']).toBeUndefined();
    const read = await sameOrigin.inject({ method: 'GET', url: '/api/push/public-key', headers: { origin: APP_ORIGIN } });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers an allowed origin\'s preflight with its origin, the API\'s methods and headers', async () => {
    const pre = await preflight(withApp, APP_ORIGIN, 'DELETE');
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(String(pre.headers['access-control-allow-methods'])).toMatch(/DELETE/);
    expect(String(pre.headers['access-control-allow-headers']).toLowerCase()).toMatch(/authorization/);
    expect(String(pre.headers['vary'])).toMatch(/Origin/);
    const read = await withApp.inject({ method: 'GET', url: '/api/push/public-key', headers: { origin: APP_ORIGIN } });
    expect(read.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
  });

  it('still admits no origin outside the list', async () => {
    for (const origin of [EVIL_ORIGIN, 'https://app.example.com.evil.example', 'http://app.example.com', 'null']) {
      const pre = await preflight(withApp, origin);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

describe('the PWA\'s responses', () => {
  let s: TestSender;
  let dataDir: string;
  beforeAll(async () => {
    const site = await siteWithDataDir();
    dataDir = site.dataDir;
    // No VAPID keys in the environment: generated into the data dir, next to the app.
    s = await startTestSender({ env: { RINGKIT_WEB_DIR: site.webDir, RINGKIT_DATA_DIR: site.dataDir, VAPID_PUBLIC_KEY: '', VAPID_PRIVATE_KEY: '' } });
  });
  afterAll(() => s.close());

  it('admit a dedicated CometChat client host named in RINGKIT_CONNECT_SRC, and only that, in connect-src', async () => {
    const site = await siteWithDataDir();
    const other = await startTestSender({ env: { RINGKIT_WEB_DIR: site.webDir, RINGKIT_DATA_DIR: site.dataDir, RINGKIT_CONNECT_SRC: 'https://chat.example.com' } });
    try {
      const csp = String((await other.inject({ method: 'GET', url: '/' })).headers['content-security-policy']);
      expect(csp).toContain("connect-src 'self' https://*.cometchat.io wss://*.cometchat.io https://chat.example.com;");
    } finally {
      await other.close();
    }
    expect(() => loadConfig({ RINGKIT_CONNECT_SRC: 'https://*.example.com' })).toThrow(/RINGKIT_CONNECT_SRC takes origins/);
  });

  it.each(['/', '/call/v1.us.abc?action=accept', '/assets/index-abc123.js'])('carry the CSP and security headers (%s)', async (url) => {
    const res = await s.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    // As narrow as the app needs: itself and CometChat's hosts, not every https: origin.
    expect(csp).toContain("connect-src 'self' https://*.cometchat.io wss://*.cometchat.io;");
    expect(csp).toContain("img-src 'self' data: blob: https://*.cometchat.io;");
    expect(csp).toContain("media-src 'self' blob:");
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).toContain("manifest-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
    });
  });

  it('keeps the VAPID private key in a 0600 file that no path of the web app reaches', async () => {
    const file = join(dataDir, 'vapid-keys.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const { privateKey } = JSON.parse(await readFile(file, 'utf8')) as { privateKey: string };
    expect(privateKey).toBe(s.secrets.vapid.privateKey);
    const attempts = [
      '/../data/vapid-keys.json',
      '/data/vapid-keys.json',
      '/vapid-keys.json',
      '/%2e%2e/data/vapid-keys.json',
      '/%2E%2E%2Fdata%2Fvapid-keys.json',
      '/..%2fdata%2fvapid-keys.json',
      '/.%2e/data/vapid-keys.json',
      '/assets/..%2f..%2fdata%2fvapid-keys.json',
      '/assets/%2e%2e/%2e%2e/data/vapid-keys.json',
      '/%252e%252e/data/vapid-keys.json',
      '/..%5cdata%5cvapid-keys.json',
      '/..\\data\\vapid-keys.json',
      '//../data/vapid-keys.json',
      '/%c0%ae%c0%ae/data/vapid-keys.json',
      '/..%00/data/vapid-keys.json',
      '/../data/dev-secrets.json',
      '/../data/ringkit.sqlite',
      '/%2e%2e/data/ringkit.sqlite-wal',
    ];
    for (const url of attempts) {
      const res = await s.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeLessThan(500);
      expect(res.body, url).not.toContain(privateKey);
      expect(res.body, url).not.toContain('SQLite format');
      if (res.statusCode === 200) expect(res.headers['content-type'], url).toMatch(/^text\/html/); // the app's page, nothing else
    }
  });
});

describe('rate limits', () => {
  let s: TestSender;
  beforeAll(async () => {
    const site = await siteWithDataDir();
    s = await startTestSender({ env: { RINGKIT_WEB_DIR: site.webDir }, requestsPerMinute: 3, subscriptionWritesPerMinute: 3 });
  });
  afterAll(() => s.close());

  let address = 0;
  /** The statuses of n identical requests, in order. */
  const statuses = async (n: number, request: InjectOptions) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await s.inject(request)).statusCode);
    return out;
  };

  it.each<[string, InjectOptions]>([
    ['the app\'s page', { method: 'GET', url: '/' }],
    ['a file of the app', { method: 'GET', url: '/assets/index-abc123.js' }],
    ['the public key', { method: 'GET', url: '/api/push/public-key' }],
    ['/healthz', { method: 'GET', url: '/healthz' }],
  ])('limits %s per client address, with a clear 429', async (_name, route) => {
    // Each case from its own address: the default limit counts an address's requests to all these routes together.
    const request = { ...route, remoteAddress: `192.0.2.${++address}` };
    const got = await statuses(4, request);
    expect(got.slice(0, 3)).toEqual([200, 200, 200]);
    expect(got[3]).toBe(429);
    const res = await s.inject(request);
    expect(res.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('limits subscription writes per user, whatever the address', async () => {
    const token = await s.userToken('flood');
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await s.inject({
        method: 'POST', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${token}` },
        remoteAddress: `10.0.0.${i + 1}`, payload: { subscription: s.push.subscribe().subscription },
      });
      got.push(res.statusCode);
    }
    expect(got).toEqual([201, 201, 201, 429]);
    expect(await s.store.listByUser('flood')).toHaveLength(3);
  });

  it('does not limit the backend\'s rings (API key: server to server)', async () => {
    const got = await statuses(6, {
      method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}` },
      payload: { recipientUid: 'nobody', sessionId: 's.1', callerName: 'B', callerUid: 'b', callType: 'audio' },
    });
    expect(got).toEqual([200, 200, 200, 200, 200, 200]);
  });
});

describe('failed authentication', () => {
  const LIMIT = 5;
  let s: TestSender;
  let address = 0;
  beforeAll(async () => {
    s = await startTestSender({ authFailuresPerMinute: LIMIT, env: { COMETCHAT_WEBHOOK_USER: 'cometchat', COMETCHAT_WEBHOOK_PASSWORD: 'a webhook password of some length' } });
  });
  afterAll(() => s.close());

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const ring = { recipientUid: 'nobody', sessionId: 's.throttle', callerName: 'B', callerUid: 'b', callType: 'audio' };
  /** each credential the sender takes: a request with a wrong one, and with the right one */
  const cases: [string, (right: boolean) => Promise<InjectOptions>][] = [
    ['the API key (POST /api/calls, not rate limited otherwise)', async (right) => ({
      method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${right ? s.secrets.apiKey : 'guess'}` }, payload: ring,
    })],
    ['a user token', async (right) => ({
      method: 'GET', url: '/api/push/subscriptions', headers: { authorization: `Bearer ${right ? await s.userToken('ada') : 'x.y.z'}` },
    })],
    ['a decline token', async (right) => {
      const { Tokens } = await import('../../server/auth/tokens');
      const token = right ? await new Tokens(s.secrets.authSecret).signDecline('ada', 's.throttle', Date.now() + 30_000) : 'a.b.c';
      return { method: 'POST', url: '/api/calls/s.throttle/decline', headers: { authorization: `Bearer ${token}` } };
    }],
    ['the webhook\'s Basic password (not rate limited otherwise)', async (right) => ({
      method: 'POST', url: '/api/webhooks/cometchat', headers: { authorization: basic('cometchat', right ? 'a webhook password of some length' : 'guess') }, payload: { trigger: 'message_sent', data: {} },
    })],
  ];

  it.each(cases)('is counted per address for %s: 429 with Retry-After once over the limit, the right key from elsewhere still works', async (_name, request) => {
    const attacker = `198.51.100.${++address}`;
    const wrong = { ...(await request(false)), remoteAddress: attacker };
    const got: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) got.push((await s.inject(wrong)).statusCode);
    expect(got).toEqual([...Array<number>(LIMIT).fill(401), 429, 429]);
    const refused = await s.inject(wrong);
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right credential from that address: a guess that succeeds must not tell.
    const rightHere = await s.inject({ ...(await request(true)), remoteAddress: attacker });
    expect(rightHere.statusCode).toBe(429);
    const rightElsewhere = await s.inject({ ...(await request(true)), remoteAddress: `203.0.113.${address}` });
    expect([401, 429]).not.toContain(rightElsewhere.statusCode);
  });

  it('counts failures of every kind together, and never a request without credentials', async () => {
    const attacker = `198.51.100.${++address}`;
    for (const [, request] of cases) expect((await s.inject({ ...(await request(false)), remoteAddress: attacker })).statusCode).toBe(401);
    for (let i = 0; i < 10; i++) expect((await s.inject({ method: 'GET', url: '/api/push/public-key', remoteAddress: attacker })).statusCode).toBe(200);
    expect((await s.inject({ ...(await cases[0]![1](false)), remoteAddress: attacker })).statusCode).toBe(401);
    expect((await s.inject({ ...(await cases[1]![1](false)), remoteAddress: attacker })).statusCode).toBe(429);
  });
});

describe('RINGKIT_TRUST_PROXY', () => {
  it('takes 1/true (one hop), a hop count or proxy addresses, never "every hop"', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ RINGKIT_TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ RINGKIT_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ RINGKIT_TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ RINGKIT_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ RINGKIT_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16, ::1' }).trustProxy).toEqual(['10.0.0.5', '10.1.0.0/16', '::1']);
    for (const bad of ['everything', '10.0.0.5/40', 'nginx.internal', '-1', '1.5']) {
      expect(() => loadConfig({ RINGKIT_TRUST_PROXY: bad }), bad).toThrow(/RINGKIT_TRUST_PROXY/);
    }
  });

  /** A client rotating forged X-Forwarded-For entries, through a proxy on loopback that appends the real address. */
  const throughProxy = async (trust: string, forwardedFor: (i: number) => string) => {
    const s = await startTestSender({ env: { RINGKIT_TRUST_PROXY: trust }, requestsPerMinute: 3 });
    try {
      const got: number[] = [];
      for (let i = 0; i < 5; i++) {
        got.push((await s.inject({ method: 'GET', url: '/healthz', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': forwardedFor(i) } })).statusCode);
      }
      return got;
    } finally {
      await s.close();
    }
  };

  it('counts only the address the trusted proxy appended: a forged X-Forwarded-For escapes no limit', async () => {
    expect(await throughProxy('1', (i) => `10.9.9.${i}, 203.0.113.7`)).toEqual([200, 200, 200, 429, 429]);
  });

  it('with two hops, the address the outer proxy appended', async () => {
    expect(await throughProxy('2', (i) => `10.9.9.${i}, 203.0.113.7, 10.0.0.2`)).toEqual([200, 200, 200, 429, 429]);
  });

  it('with proxy addresses, hops from those addresses only', async () => {
    expect(await throughProxy('127.0.0.1, 10.0.0.0/8', (i) => `192.0.2.${i}, 203.0.113.7, 10.0.0.2`)).toEqual([200, 200, 200, 429, 429]);
  });
});

describe('HSTS', () => {
  const hsts = async (s: TestSender, headers: Record<string, string> = {}) =>
    (await s.inject({ method: 'GET', url: '/healthz', headers })).headers['strict-transport-security'];

  it('is not sent over plain HTTP, nor for an X-Forwarded-Proto from a proxy not trusted', async () => {
    const s = await startTestSender();
    try {
      expect(await hsts(s)).toBeUndefined();
      expect(await hsts(s, { 'x-forwarded-proto': 'https' })).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('is sent when the trusted proxy says the request came over HTTPS', async () => {
    const s = await startTestSender({ env: { RINGKIT_TRUST_PROXY: '1' } });
    try {
      expect(await hsts(s, { 'x-forwarded-proto': 'https' })).toBe('max-age=15552000');
      expect(await hsts(s, { 'x-forwarded-proto': 'http' })).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});

describe('prototype poisoning', () => {
  let s: TestSender;
  beforeAll(async () => {
    s = await startTestSender();
  });
  afterAll(() => s.close());

  it.each([
    ['__proto__', '{"__proto__":{"admin":true},"recipientUid":"x","sessionId":"s.p","callerName":"A","callerUid":"a","callType":"audio"}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"admin":true}},"recipientUid":"x","sessionId":"s.p","callerName":"A","callerUid":"a","callType":"audio"}'],
  ])('refuses a JSON body setting %s with 400', async (_what, payload) => {
    const res = await s.inject({ method: 'POST', url: '/api/calls', headers: { authorization: `Bearer ${s.secrets.apiKey}`, 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_json' } });
  });
});
