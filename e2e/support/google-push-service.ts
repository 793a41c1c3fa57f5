/**
 * A loopback push service that a real Chromium uses: Google's GCM side that
 * Chromium's GCM client talks to (checkin, registration, the MCS TLS
 * connection; protobuf with Chromium's own .proto files, see gcm-protos.ts)
 * and the RFC 8030 side the sender posts to, on the endpoint host
 * Chromium reports (https://jmt17.google.com/fcm/send/<token> for Debian's
 * build, fcm.googleapis.com for stable Chrome). Messages cross it untouched:
 * Chromium decrypts them itself.
 *
 * The endpoint host is Google's, so the sender reaches it through an HTTP
 * CONNECT proxy that tunnels here (test/support/connect-proxy.ts), trusting
 * the certificate for those hosts through the test CA (`caFile`). Chromium
 * trusts the MCS certificate by its SPKI hash (`chromiumArgs`).
 *
 * It plays Google's push service, so it also plays what a real network does
 * to a browser: holding deliveries, being offline, dropping registrations.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest } from 'node:http2';
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { header } from '../../test/support/push-request';
import { dropExpired, enqueue, judgePost, type MessageFate } from './push-queue';
import { makeTestCaCertificate } from '../../test/support/tls';
import { decodeGcm, encodeGcm, type GcmTypeName } from './gcm-protos';
import { listenOnLoopback, stateWaiters } from './state-waiters';

/** The hosts push endpoints name: Google's staging host (what Debian's non-stable channel reports) and production's. */
export const ENDPOINT_HOSTS = ['jmt17.google.com', 'fcm.googleapis.com'] as const;
const PUSH_PATH = /^\/fcm\/send\/([A-Za-z0-9_:-]+)$/;
/** FCM's own limit on a web push body */
const MAX_BODY_BYTES = 4096;
/** The MCS protocol version byte Chromium sends first, and that a server answers with. */
const MCS_VERSION = 41;
const TAG = { heartbeatPing: 0, heartbeatAck: 1, loginRequest: 2, loginResponse: 3, close: 4, iqStanza: 7, dataMessage: 8, streamError: 10 } as const;
const SELECTIVE_ACK_EXTENSION = 12;

export type { MessageFate };

/** One push the service accepted (201), and what became of it. */
export interface PushMessage {
  /** the MCS persistent id: unique per message */
  persistentId: string;
  token: string;
  /** the browser (GCM device) it is for */
  androidId: string;
  topic: string | undefined;
  ttl: number;
  body: Buffer;
  encoding: string | undefined;
  /** Date.now() when the sender's POST was complete */
  postedAt: number;
  /** on the service's clock (see advanceClock) */
  expiresAt: number;
  fate: MessageFate;
  sentAt?: number;
  /** when Chromium acknowledged it (a selective ack, or its next login listing it) */
  ackedAt?: number;
}

/** A POST to a push endpoint, with the answer it got. */
export interface PushPost {
  token: string;
  status: number;
  error?: string;
  message?: PushMessage;
}

/** What Chromium checked in with. */
export interface Checkin {
  androidId: string;
  chromeVersion: string | undefined;
  channel: string | undefined;
}

/** A push registration Chromium made (one per push subscription). */
export interface Registration {
  token: string;
  androidId: string;
  /** the registration's `app`: MCS messages carry it as their category */
  app: string;
  /** X-subtype: wp:<origin>#<uuid>-V2 */
  subtype: string;
  /** the application server (VAPID) key, base64url without padding */
  sender: string;
}

interface Device {
  androidId: string;
  securityToken: string;
  /** the newest logged-in MCS connection: deliveries go here */
  socket: TLSSocket | undefined;
  /** logins answered */
  logins: number;
  held: boolean;
  offline: boolean;
  /** a login left unanswered while offline */
  pendingLogin: (() => void) | undefined;
  queue: PushMessage[];
  streamId: number;
}

export interface GooglePushService {
  /** Switches that point Chromium's GCM client here and trust the MCS certificate. */
  chromiumArgs: string[];
  /** where the endpoint hosts are served (for the CONNECT proxy's route) */
  pushAddress: { host: string; port: number };
  /** the test CA that signed the endpoint hosts' certificate: NODE_EXTRA_CA_CERTS for the sender */
  caFile: string;
  ca: string;
  checkins: Checkin[];
  /** every registration Chromium made, in order (unregistered ones too) */
  registrations: Registration[];
  posts: PushPost[];
  messages: PushMessage[];
  /** the registration token of a push endpoint this service's tokens make */
  tokenOf(endpoint: string): string;
  /** whether the endpoint's token is registered (not unregistered, not dropped) */
  isRegistered(endpoint: string): boolean;
  /** whether the endpoint's browser is logged in on an MCS connection: pushes reach it now */
  isConnected(endpoint: string): boolean;
  /** Deliveries to this endpoint's browser wait (queued, TTL running) until release(). */
  hold(endpoint: string): void;
  release(endpoint: string): void;
  /**
   * The browser can't be reached: its connection stalls (nothing is
   * delivered or answered on it, as on a network that went away) and its
   * reconnects get no login answer until it is back.
   */
  goOffline(endpoint: string): void;
  /** Back online: what was queued (and not expired) is delivered on its connection. */
  comeBackOnline(endpoint: string): void;
  /** Forgets this endpoint's registration, as Google's service does for an expired token: its POSTs answer 410. */
  dropRegistrations(endpoint: string): void;
  /** Moves the service's clock (TTL expiry) forward, instead of a test waiting out a TTL. */
  advanceClock(ms: number): void;
  waitFor<T>(what: string, probe: () => T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startGooglePushService(): Promise<GooglePushService> {
  const tls = await makeTestCaCertificate(ENDPOINT_HOSTS);
  const devices = new Map<string, Device>();
  const registrations = new Map<string, Registration>();
  const registrationLog: Registration[] = [];
  /** tokens unregistered or dropped: 410 */
  const gone = new Set<string>();
  const checkins: Checkin[] = [];
  const posts: PushPost[] = [];
  const messages: PushMessage[] = [];
  const state = stateWaiters('push service');
  const changed = state.changed;
  const sockets = new Set<Socket>();
  let clockOffset = 0;
  let closed = false;
  const now = (): number => Date.now() + clockOffset;

  // Checkin and registration: plain HTTP, as the switches allow.
  const gservices = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = new URL(req.url ?? '/', 'http://gcm').pathname;
      if (req.method === 'POST' && path === '/checkin') return answerCheckin(body, res);
      if (req.method === 'POST' && path === '/register') return answerRegister(req, body, res);
      res.writeHead(404).end();
    });
  });

  function answerCheckin(body: Buffer, res: ServerResponse): void {
    const request = decodeGcm<{ id?: string; securityToken?: string; checkin?: { chromeBuild?: { chromeVersion?: string; channel?: string } } }>('checkin_proto.AndroidCheckinRequest', body);
    // A device checking in again keeps its id; a new one gets non-zero ones (zero is refused).
    const known = request.id && request.id !== '0' ? devices.get(request.id) : undefined;
    const device = known ?? newDevice();
    checkins.push({ androidId: device.androidId, chromeVersion: request.checkin?.chromeBuild?.chromeVersion, channel: request.checkin?.chromeBuild?.channel });
    const answer = encodeGcm('checkin_proto.AndroidCheckinResponse', { statsOk: true, timeMsec: Date.now(), androidId: device.androidId, securityToken: device.securityToken });
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(answer);
    changed();
  }

  function answerRegister(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const form = new URLSearchParams(body.toString());
    const login = /^AidLogin (\d+):(\d+)$/.exec(header(req, 'authorization') ?? '');
    const device = login ? devices.get(login[1]!) : undefined;
    const text = (status: number, answer: string): void => void res.writeHead(status, { 'content-type': 'text/plain' }).end(answer);
    if (!device || device.securityToken !== login![2]) return text(401, 'Error=AUTHENTICATION_FAILED');
    const app = form.get('app') ?? '';
    const subtype = form.get('X-subtype') ?? '';
    if (form.get('delete') === 'true') {
      for (const [token, r] of registrations) {
        if (r.androidId !== device.androidId || r.app !== app || r.subtype !== subtype) continue;
        registrations.delete(token);
        gone.add(token);
      }
      changed();
      // InstanceID's delete-token request wants "token=", GCM's unregistration "deleted=".
      return text(200, form.has('appid') ? `token=${form.get('appid')}` : `deleted=${app}`);
    }
    const token = `${randomBytes(8).toString('base64url')}:${randomBytes(32).toString('base64url')}`;
    const registration = { token, androidId: device.androidId, app, subtype, sender: (form.get('sender') ?? '').replace(/=+$/, '') };
    registrations.set(token, registration);
    registrationLog.push(registration);
    changed();
    text(200, `token=${token}`);
  }

  function newDevice(): Device {
    const id = () => String(1 + randomBytes(6).readUIntBE(0, 6)); // non-zero: Chromium refuses zero
    const device: Device = { androidId: id(), securityToken: id(), socket: undefined, logins: 0, held: false, offline: false, pendingLogin: undefined, queue: [], streamId: 0 };
    devices.set(device.androidId, device);
    return device;
  }

  // MCS: Chromium's persistent TLS connection.
  const mcs = createTlsServer({ cert: tls.cert, key: tls.key }, (socket) => serveMcs(socket));

  function serveMcs(socket: TLSSocket): void {
    let buffered = Buffer.alloc(0);
    let versionRead = false;
    let device: Device | undefined;
    socket.on('error', () => {});
    socket.on('close', () => {
      if (device?.socket === socket) device.socket = undefined;
      changed();
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!versionRead) {
        if (buffered.length < 1) return;
        versionRead = true;
        buffered = buffered.subarray(1); // Chromium's version byte (41)
      }
      for (;;) {
        const frame = readFrame(buffered);
        if (!frame) return;
        buffered = buffered.subarray(frame.length);
        if (device?.offline && device.socket === socket) continue; // a stalled network: nothing gets through
        onFrame(frame.tag, frame.body);
      }
    });

    function onFrame(tag: number, body: Buffer): void {
      switch (tag) {
        case TAG.loginRequest: {
          const login = decodeGcm<{ user?: string; authToken?: string; receivedPersistentId?: string[] }>('mcs_proto.LoginRequest', body);
          const known = devices.get(login.user ?? '');
          if (!known || known.securityToken !== login.authToken) {
            socket.destroy();
            return;
          }
          device = known;
          const answerLogin = () => {
            known.pendingLogin = undefined;
            if (socket.destroyed) return;
            const previous = known.socket;
            known.socket = socket;
            known.logins++;
            known.streamId = 0;
            // What it lists, it has; what it was sent and does not list was lost with an older connection.
            const received = new Set(login.receivedPersistentId ?? []);
            const lost: PushMessage[] = [];
            for (const m of messages) {
              if (m.androidId !== known.androidId) continue;
              if (received.has(m.persistentId)) acked(m);
              else if (m.fate === 'sent') lost.push(Object.assign(m, { fate: 'queued' as const }));
            }
            known.queue.unshift(...lost);
            socket.write(Buffer.from([MCS_VERSION]));
            send(TAG.loginResponse, 'mcs_proto.LoginResponse', { id: `login-${known.logins}`, jid: `${known.androidId}@mcs.android.com`, streamId: 1, lastStreamIdReceived: 1, serverTimestamp: Date.now() });
            if (previous && previous !== socket) previous.destroy(); // the newest logged-in connection wins
            flush(known);
          };
          if (known.offline) known.pendingLogin = answerLogin;
          else answerLogin();
          return;
        }
        case TAG.heartbeatPing:
          send(TAG.heartbeatAck, 'mcs_proto.HeartbeatAck', {});
          return;
        case TAG.iqStanza: {
          const iq = decodeGcm<{ extension?: { id?: number; data?: Buffer } }>('mcs_proto.IqStanza', body);
          if (iq.extension?.id === SELECTIVE_ACK_EXTENSION && iq.extension.data) {
            const { id = [] } = decodeGcm<{ id?: string[] }>('mcs_proto.SelectiveAck', iq.extension.data);
            for (const m of messages) if (id.includes(m.persistentId)) acked(m);
          }
          return;
        }
        case TAG.close:
          socket.end();
          return;
        default:
          return; // stream acks, data messages upstream: nothing to answer
      }
    }

    function send(tag: number, name: GcmTypeName, value: object): void {
      const bytes = encodeGcm(name, value);
      socket.write(Buffer.concat([Buffer.from([tag]), varint(bytes.length), bytes]));
    }
  }

  function acked(m: PushMessage): void {
    if (m.fate === 'acked') return;
    m.fate = 'acked';
    m.ackedAt = Date.now();
    changed();
  }

  function flush(device: Device): void {
    expire(device);
    const socket = device.socket;
    if (!socket || socket.destroyed || device.held || device.offline) return;
    for (const message of device.queue.splice(0)) {
      const registration = registrations.get(message.token);
      if (!registration) {
        message.fate = 'expired'; // unregistered meanwhile
        continue;
      }
      message.fate = 'sent';
      message.sentAt = Date.now();
      const appData = [{ key: 'subtype', value: registration.subtype }, ...(message.encoding ? [{ key: 'content-encoding', value: message.encoding }] : [])];
      const stanza = encodeGcm('mcs_proto.DataMessageStanza', {
        from: registration.sender,
        category: registration.app,
        appData,
        persistentId: message.persistentId,
        streamId: ++device.streamId,
        ttl: message.ttl,
        sent: Math.floor(message.postedAt / 1000),
        rawData: message.body,
      });
      socket.write(Buffer.concat([Buffer.from([TAG.dataMessage]), varint(stanza.length), stanza]));
    }
    changed();
  }

  function expire(device: Device): void {
    device.queue = dropExpired(device.queue, now());
  }

  // The RFC 8030 side: HTTP/2 and HTTP/1.1 (ALPN), as FCM serves it.
  const push = createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('error', () => {});
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handlePost(req, Buffer.concat(chunks)).then(
        ({ status, body, headers }) => res.writeHead(status, headers).end(body ?? ''),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    });
  });

  async function handlePost(req: Http2ServerRequest | IncomingMessage, body: Buffer): Promise<{ status: number; body?: string; headers?: Record<string, string> }> {
    const authority = String(('authority' in req && req.authority) || req.headers.host || '');
    const origin = `https://${authority.replace(/:443$/, '')}`;
    const verdict = await judgePost(req, body, {
      path: PUSH_PATH,
      origin,
      maxBodyBytes: MAX_BODY_BYTES,
      gone: (token) => gone.has(token),
      keyOf: (token) => {
        const registration = registrations.get(token);
        return registration ? registration.sender || null : undefined;
      },
      messages: { gone: 'push subscription has unsubscribed or expired', unknown: 'no such registration token' },
    });
    if (!('id' in verdict)) return verdict;
    const token = verdict.id;
    const answer = (status: number, error?: string, message?: PushMessage) => {
      posts.push({ token, status, ...(error ? { error } : {}), ...(message ? { message } : {}) });
      changed();
      return { status, ...(error ? { body: error } : {}) };
    };
    if (!('accepted' in verdict)) return answer(verdict.status, verdict.error);
    const registration = registrations.get(token)!;
    const { ttl, topic, encoding } = verdict.accepted;
    const message: PushMessage = {
      persistentId: `0:${Date.now()}%${randomUUID().replace(/-/g, '')}`,
      token,
      androidId: registration.androidId,
      topic,
      ttl,
      body,
      encoding,
      postedAt: Date.now(),
      expiresAt: now() + ttl * 1000,
      fate: 'queued',
    };
    const device = devices.get(registration.androidId)!;
    device.queue = enqueue(device.queue, message, (m) => m.token === token);
    messages.push(message);
    const result = answer(201, undefined, message);
    flush(device);
    return { ...result, headers: { location: `${origin}/fcm/message/${encodeURIComponent(message.persistentId)}` } };
  }

  for (const server of [gservices, mcs, push]) {
    server.on(server === gservices ? 'connection' : 'secureConnection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  const [gservicesPort, mcsPort, pushPort] = await Promise.all([listenOnLoopback(gservices), listenOnLoopback(mcs), listenOnLoopback(push)]);

  function deviceOf(endpoint: string): Device {
    const registration = registrations.get(service.tokenOf(endpoint));
    const device = registration && devices.get(registration.androidId);
    if (!device) throw new Error(`no browser holds ${endpoint}`);
    return device;
  }

  const service: GooglePushService = {
    chromiumArgs: [
      `--gcm-checkin-url=http://127.0.0.1:${gservicesPort}/checkin`,
      `--gcm-registration-url=http://127.0.0.1:${gservicesPort}/register`,
      `--gcm-mcs-endpoint=https://127.0.0.1:${mcsPort}`,
      `--ignore-certificate-errors-spki-list=${tls.spkiSha256}`,
    ],
    pushAddress: { host: '127.0.0.1', port: pushPort },
    caFile: tls.caFile,
    ca: tls.ca,
    checkins,
    registrations: registrationLog,
    posts,
    messages,
    tokenOf(endpoint) {
      const url = new URL(endpoint);
      const match = (ENDPOINT_HOSTS as readonly string[]).includes(url.host) ? PUSH_PATH.exec(url.pathname) : null;
      if (!match) throw new Error(`${endpoint} is not an endpoint of this push service`);
      return match[1]!;
    },
    isRegistered: (endpoint) => registrations.has(service.tokenOf(endpoint)),
    isConnected(endpoint) {
      const socket = deviceOf(endpoint).socket;
      return socket !== undefined && !socket.destroyed;
    },
    hold(endpoint) {
      deviceOf(endpoint).held = true;
    },
    release(endpoint) {
      const device = deviceOf(endpoint);
      device.held = false;
      flush(device);
    },
    goOffline(endpoint) {
      deviceOf(endpoint).offline = true;
    },
    comeBackOnline(endpoint) {
      const device = deviceOf(endpoint);
      device.offline = false;
      device.pendingLogin?.();
      flush(device);
    },
    dropRegistrations(endpoint) {
      const token = service.tokenOf(endpoint);
      const device = deviceOf(endpoint);
      registrations.delete(token);
      gone.add(token);
      for (const m of device.queue) if (m.token === token) m.fate = 'expired';
      device.queue = device.queue.filter((m) => m.fate === 'queued');
      changed();
    },
    advanceClock(ms) {
      clockOffset += ms;
      for (const device of devices.values()) expire(device);
      changed();
    },
    waitFor: state.waitFor,
    async close() {
      if (closed) return;
      closed = true;
      state.close();
      const done = Promise.all([gservices, mcs, push].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
  return service;
}

/** One MCS frame at the start of `buffer` (tag byte, varint length, body), or undefined while incomplete. */
export function readFrame(buffer: Buffer): { tag: number; body: Buffer; length: number } | undefined {
  if (buffer.length < 2) return undefined;
  let size = 0;
  let shift = 0;
  let offset = 1;
  for (;;) {
    if (offset >= buffer.length) return undefined;
    const byte = buffer[offset++]!;
    size |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  if (buffer.length < offset + size) return undefined;
  return { tag: buffer[0]!, body: buffer.subarray(offset, offset + size), length: offset + size };
}

export function varint(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}
