/**
 * The loopback stand-in of Google's push service (e2e/support/google-push-service.ts),
 * driven by a GCM client written here from the same protocol Chromium's
 * speaks (checkin, registration, MCS frames), and by web-push as a sender.
 * The Chromium suite shows a real Chromium accepts it; this pins its rules.
 */
import https from 'node:https';
import tls from 'node:tls';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGcm as decode, encodeGcm as encode, type GcmTypeName } from '../e2e/support/gcm-protos';
import { readFrame, startGooglePushService, varint, type GooglePushService } from '../e2e/support/google-push-service';
import { makeTestSubscription, type TestSubscription } from './support/subscriptions';

let gcm: GooglePushService;
const vapid = { subject: 'mailto:ops@ringkit.example', ...webpush.generateVAPIDKeys() };

beforeAll(async () => {
  gcm = await startGooglePushService();
});
afterAll(async () => {
  await gcm?.close();
});

const arg = (name: string) => gcm.chromiumArgs.find((a) => a.startsWith(`--${name}=`))!.split('=').slice(1).join('=');

interface Browser {
  androidId: string;
  securityToken: string;
}

async function checkin(id?: string, securityToken?: string): Promise<Browser> {
  const body = encode('checkin_proto.AndroidCheckinRequest', {
    version: 3,
    ...(id ? { id, securityToken } : {}),
    checkin: { type: 'DEVICE_CHROME_BROWSER', chromeBuild: { platform: 'PLATFORM_LINUX', chromeVersion: '156.0.8078.114', channel: 'CHANNEL_UNKNOWN' } },
  });
  const res = await fetch(arg('gcm-checkin-url'), { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
  expect(res.status).toBe(200);
  const answer = decode<{ statsOk: boolean; androidId: string; securityToken: string }>('checkin_proto.AndroidCheckinResponse', new Uint8Array(await res.arrayBuffer()));
  expect(answer.statsOk).toBe(true);
  return { androidId: answer.androidId, securityToken: answer.securityToken };
}

const subtype = (n: number) => `wp:http://127.0.0.1:8080/#${n}-V2`;

async function register(browser: Browser, form: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(arg('gcm-registration-url'), {
    method: 'POST',
    headers: { authorization: `AidLogin ${browser.androidId}:${browser.securityToken}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: res.status, text: await res.text() };
}

/** A push subscription as Chromium builds it from the token it was given. */
async function subscribe(browser: Browser, n: number): Promise<string> {
  const { text } = await register(browser, { app: 'org.chromium.linux', 'X-subtype': subtype(n), device: browser.androidId, sender: vapid.publicKey, appid: String(n), gmsv: '156' });
  expect(text).toMatch(/^token=/);
  return `https://jmt17.google.com/fcm/send/${text.slice('token='.length)}`;
}

interface Mcs {
  frames: { tag: number; body: Buffer }[];
  send(tag: number, name: GcmTypeName, value: object): void;
  /** the n-th frame (from 0) with this tag on this connection, once it has come */
  nth(tag: number, n?: number): Promise<Buffer>;
  socket: tls.TLSSocket;
}

/** An MCS connection: the version byte, then a LoginRequest, as Chromium opens it. */
async function connectMcs(browser: Browser, receivedPersistentId: string[] = []): Promise<Mcs> {
  const url = new URL(arg('gcm-mcs-endpoint'));
  const socket = tls.connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false });
  const frames: { tag: number; body: Buffer }[] = [];
  const waiting = new Set<() => void>();
  let buffered = Buffer.alloc(0);
  let version: number | undefined;
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (version === undefined) {
      version = buffered[0];
      buffered = buffered.subarray(1);
    }
    for (let frame = readFrame(buffered); frame; frame = readFrame(buffered)) {
      buffered = buffered.subarray(frame.length);
      frames.push(frame);
    }
    for (const w of [...waiting]) w();
  });
  const mcs: Mcs = {
    frames,
    socket,
    send(tag, name, value) {
      const body = encode(name, value);
      socket.write(Buffer.concat([Buffer.from([tag]), varint(body.length), body]));
    },
    nth(tag, n = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const frame = frames.filter((f) => f.tag === tag)[n];
          if (!frame) return;
          waiting.delete(check);
          resolve(frame.body);
        };
        socket.once('close', () => reject(new Error(`MCS connection closed before a frame with tag ${tag}`)));
        waiting.add(check);
        check();
      });
    },
  };
  await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
  socket.write(Buffer.from([41]));
  const loggedIn = mcs.nth(3);
  mcs.send(2, 'mcs_proto.LoginRequest', {
    id: 'chrome-156.0.8078.114', domain: 'mcs.android.com', user: browser.androidId, resource: browser.androidId,
    authToken: browser.securityToken, useRmq2: true, receivedPersistentId,
  });
  expect(decode<{ id: string }>('mcs_proto.LoginResponse', await loggedIn).id).toMatch(/^login-/);
  expect(version).toBe(41);
  return mcs;
}

interface Stanza {
  from: string;
  category: string;
  persistentId: string;
  appData: { key: string; value: string }[];
  rawData: Buffer;
}

/** What a sender posts: web-push's own request (VAPID, aes128gcm), sent to the stand-in as if through the proxy. */
async function post(endpoint: string, payload: string, options: webpush.RequestOptions = {}): Promise<{ status: number; subscription: TestSubscription }> {
  const subscription = makeTestSubscription(endpoint);
  const details = webpush.generateRequestDetails(subscription.subscription, payload, { TTL: 30, vapidDetails: vapid, ...options });
  const url = new URL(details.endpoint);
  const status = await new Promise<number>((resolve, reject) => {
    const req = https.request(
      { host: gcm.pushAddress.host, port: gcm.pushAddress.port, servername: url.hostname, path: url.pathname, method: 'POST', headers: { ...details.headers, host: url.host }, ca: gcm.ca },
      (res) => resolve(res.resume().statusCode!),
    );
    req.on('error', reject);
    req.end(details.body);
  });
  return { status, subscription };
}

describe('the loopback Google push service', () => {
  it('speaks Chromium’s own .proto files, and will not send a message without a field Chromium requires', () => {
    expect(() => encode('mcs_proto.DataMessageStanza', { category: 'org.chromium.linux', persistentId: '0:1', rawData: Buffer.from('ring') })).toThrow(/from/);
    expect(() => encode('mcs_proto.LoginResponse', { jid: '1@mcs.android.com' })).toThrow(/id/);
  });
  it('checks a browser in with non-zero ids and keeps them when it checks in again', async () => {
    const browser = await checkin();
    expect(browser.androidId).not.toBe('0');
    expect(browser.securityToken).not.toBe('0');
    expect(await checkin(browser.androidId, browser.securityToken)).toEqual(browser);
    expect(gcm.checkins.at(-1)).toMatchObject({ androidId: browser.androidId, chromeVersion: '156.0.8078.114' });
  });

  it('registers only a checked-in browser (AidLogin), and its endpoint names Google’s host', async () => {
    const browser = await checkin();
    expect(await register({ ...browser, securityToken: '1' }, { app: 'org.chromium.linux', sender: vapid.publicKey })).toMatchObject({ status: 401 });
    const endpoint = await subscribe(browser, 1);
    expect(gcm.registrations.at(-1)).toMatchObject({ token: gcm.tokenOf(endpoint), app: 'org.chromium.linux', subtype: subtype(1), sender: vapid.publicKey });
  });

  it('delivers a push as a DataMessageStanza carrying the body untouched, on the newest logged-in connection', async () => {
    const browser = await checkin();
    const endpoint = await subscribe(browser, 2);
    const first = await connectMcs(browser);
    const second = await connectMcs(browser);
    const delivered = second.nth(8);
    const { status, subscription } = await post(endpoint, 'ring');
    expect(status).toBe(201);
    const stanza = decode<Stanza>('mcs_proto.DataMessageStanza', await delivered);
    expect(stanza).toMatchObject({
      from: vapid.publicKey,
      category: 'org.chromium.linux',
      appData: expect.arrayContaining([{ key: 'subtype', value: subtype(2) }, { key: 'content-encoding', value: 'aes128gcm' }]),
    });
    expect(subscription.decrypt(stanza.rawData)).toBe('ring'); // the aes128gcm body as the sender posted it
    expect(first.socket.destroyed || first.frames.every((f) => f.tag !== 8)).toBe(true);
    expect(gcm.messages.at(-1)).toMatchObject({ fate: 'sent', persistentId: stanza.persistentId });
    second.socket.destroy();
  });

  it('answers heartbeats, and takes a persistent id listed at the next login as acknowledged', async () => {
    const browser = await checkin();
    const endpoint = await subscribe(browser, 3);
    const mcs = await connectMcs(browser);
    const ack = mcs.nth(1);
    mcs.send(0, 'mcs_proto.HeartbeatPing', {});
    await ack;
    const delivered = mcs.nth(8);
    await post(endpoint, 'ring');
    const { persistentId } = decode<Stanza>('mcs_proto.DataMessageStanza', await delivered);
    mcs.socket.destroy();
    const again = await connectMcs(browser, [persistentId]);
    expect(gcm.messages.find((m) => m.persistentId === persistentId)).toMatchObject({ fate: 'acked' });
    again.socket.destroy();
  });

  it('sends again a push that was sent on a lost connection and not listed at the next login', async () => {
    const browser = await checkin();
    const endpoint = await subscribe(browser, 4);
    const mcs = await connectMcs(browser);
    const delivered = mcs.nth(8);
    await post(endpoint, 'ring');
    const { persistentId } = decode<Stanza>('mcs_proto.DataMessageStanza', await delivered);
    mcs.socket.destroy();
    const again = await connectMcs(browser);
    const redelivered = decode<Stanza>('mcs_proto.DataMessageStanza', await again.nth(8));
    expect(redelivered.persistentId).toBe(persistentId);
    again.socket.destroy();
  });

  it('checks the VAPID JWT against the key the browser registered with', async () => {
    const browser = await checkin();
    const endpoint = await subscribe(browser, 5);
    const other = { subject: vapid.subject, ...webpush.generateVAPIDKeys() };
    expect((await post(endpoint, 'x', { vapidDetails: other })).status).toBe(403);
    expect(gcm.posts.at(-1)!.error).toMatch(/does not match/);
  });

  it('holds pushes while asked to, replacing a queued one with the same Topic', async () => {
    const browser = await checkin();
    const endpoint = await subscribe(browser, 6);
    const mcs = await connectMcs(browser);
    gcm.hold(endpoint);
    await post(endpoint, 'older', { topic: 'call1' });
    await post(endpoint, 'newer', { topic: 'call1' });
    const [older, newer] = gcm.messages.filter((m) => m.token === gcm.tokenOf(endpoint));
    expect([older!.fate, newer!.fate]).toEqual(['replaced', 'queued']);
    const delivered = mcs.nth(8);
    gcm.release(endpoint);
    expect(decode<Stanza>('mcs_proto.DataMessageStanza', await delivered).persistentId).toBe(newer!.persistentId);
    expect(mcs.frames.filter((f) => f.tag === 8)).toHaveLength(1);
    mcs.socket.destroy();
  });

  it('keeps a push for an offline browser for its TTL and no longer', async () => {
    const browser = await checkin();
    const endpoint = await subscribe(browser, 7);
    const mcs = await connectMcs(browser);
    gcm.goOffline(endpoint);
    await post(endpoint, 'stale', { TTL: 30 });
    gcm.advanceClock(31_000);
    await post(endpoint, 'fresh', { TTL: 30 });
    const [stale, fresh] = gcm.messages.filter((m) => m.token === gcm.tokenOf(endpoint));
    expect([stale!.fate, fresh!.fate]).toEqual(['expired', 'queued']);
    const delivered = mcs.nth(8);
    gcm.comeBackOnline(endpoint);
    expect(decode<Stanza>('mcs_proto.DataMessageStanza', await delivered).persistentId).toBe(fresh!.persistentId);
    expect(stale!.sentAt).toBeUndefined();
    mcs.socket.destroy();
  });

  it('answers 410 for a token the browser unregistered or the service dropped, 404 for one it never made', async () => {
    const browser = await checkin();
    const unregistered = await subscribe(browser, 8);
    const dropped = await subscribe(browser, 9);
    const deleted = await register(browser, { app: 'org.chromium.linux', 'X-subtype': subtype(8), device: browser.androidId, delete: 'true', appid: '8', sender: vapid.publicKey });
    expect(deleted).toEqual({ status: 200, text: 'token=8' });
    gcm.dropRegistrations(dropped);
    expect((await post(unregistered, 'x')).status).toBe(410);
    expect((await post(dropped, 'x')).status).toBe(410);
    expect((await post('https://jmt17.google.com/fcm/send/never-made', 'x')).status).toBe(404);
  });
});
