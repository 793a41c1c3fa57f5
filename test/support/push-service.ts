// A loopback RFC 8030 push service (the HTTP side only) for the sender's tests:
// records every push, decrypts it for known test devices, verifies VAPID
// (RFC 8292) and answers as scripted.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { makeLoopbackCertificate } from './tls';
import { header, KEY_MISMATCH, parseTtl, verifyVapid, type VapidVerdict } from './push-request';
import { makeTestSubscription } from './subscriptions';
import type { TestPushSubscriptionJSON } from './subscriptions';

export type ScriptedResponse =
  | { status: number; headers?: Record<string, string>; body?: string }
  /** Never answer; the socket stays open until the service closes. */
  | { hang: true }
  /** Destroy the socket once the request has been read, without answering. */
  | { reset: true }
  | { delayMs: number; status: number; headers?: Record<string, string>; body?: string };

export interface ReceivedPush {
  /** Endpoint id (the path segment after /push/). */
  id: string;
  /** Date.now() when the request body was complete; comparable across processes. */
  at: number;
  headers: {
    /** NaN when the header is present but not a non-negative integer. */
    ttl?: number;
    urgency?: string;
    topic?: string;
    contentEncoding?: string;
    authorization?: string;
  };
  rawHeaders: IncomingHttpHeaders;
  body: Buffer;
  /** Decrypted body, when the device is known and the body non-empty. */
  text?: string;
  /** JSON-parsed `text`; undefined when it is not JSON. */
  payload?: unknown;
  decryptError?: string;
  vapid: VapidVerdict;
  /** HTTP status we answered; 0 when we hung or reset instead. */
  status: number;
  /** Date.now() when the answer was written; undefined while it is delayed, or when we hung or reset. */
  answeredAt?: number;
  outcome: 'answered' | 'hang' | 'reset';
  /** Same number for requests that came over the same TLS connection (keep-alive checks). */
  connectionId: number;
  /** The HTTP version the push came over. */
  protocol: 'h2' | 'http/1.1';
}

export interface TestDevice {
  id: string;
  endpoint: string;
  subscription: TestPushSubscriptionJSON;
  received: ReceivedPush[];
  decrypt(body: Buffer): string;
}

export interface PushServiceOptions {
  /** Listen address and origin host; default 127.0.0.1 (the cert also covers ::1 and localhost). */
  host?: string;
  /** Answer 401/403 to pushes without a valid VAPID authorization; default true. */
  requireValidVapid?: boolean;
  /** Larger bodies get 413; default 4096, the minimum RFC 8030 requires services to accept. */
  maxBodyBytes?: number;
  /** Offer HTTP/2 by ALPN besides HTTP/1.1, as the big push services do; default true. */
  http2?: boolean;
}

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

export interface PushService {
  origin: string;
  /** PEM of the (self-signed) certificate, to trust in clients. */
  cert: string;
  certFile: string;
  endpoint(id?: string): string;
  subscribe(): TestDevice;
  received: ReceivedPush[];
  devices: Map<string, TestDevice>;
  /** Queue answers for one endpoint id; consumed one per push, in order. */
  script(endpointId: string, ...responses: ScriptedResponse[]): void;
  /** Answer for pushes with an empty script; undefined restores 201 + Location. */
  setDefault(response: ScriptedResponse | undefined): void;
  /** Pushes signed with another key get 403; null accepts any valid key again. */
  expectVapidKey(publicKey: string | null): void;
  requireValidVapid: boolean;
  waitFor(predicate: (r: ReceivedPush) => boolean, timeoutMs?: number): Promise<ReceivedPush>;
  /** Resolves with the first n pushes to that endpoint id. */
  waitForCount(deviceId: string, n: number, timeoutMs?: number): Promise<ReceivedPush[]>;
  close(): Promise<void>;
}

const PUSH_PATH = /^\/push\/([A-Za-z0-9_-]+)$/;

interface Waiter {
  check(): boolean;
  fail(error: Error): void;
}

export async function startPushService(options: PushServiceOptions = {}): Promise<PushService> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = options.maxBodyBytes ?? 4096;
  const { cert, key, certFile } = await makeLoopbackCertificate();

  const received: ReceivedPush[] = [];
  const devices = new Map<string, TestDevice>();
  const scripts = new Map<string, ScriptedResponse[]>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<Waiter>();
  let defaultResponse: ScriptedResponse | undefined;
  let expectedKey: string | null = null;
  let nextConnectionId = 1;
  const connectionIds = new WeakMap<object, number>();
  let closed = false;

  // "hang" must really hang; Node's default request timeout would answer 408.
  const server =
    options.http2 === false
      ? createServer({ cert, key, requestTimeout: 0 })
      : Object.assign(createSecureServer({ cert, key, allowHTTP1: true }), { requestTimeout: 0, headersTimeout: 0 });

  // Raw TCP sockets, so close() also kills connections stuck before/in the TLS handshake.
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  server.on('request', (req: Request, res: Response) => {
    req.on('error', () => {}); // client aborts are expected in scripted tests
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end(String(error));
        }
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const endpoint = (id: string = randomUUID()): string => `${origin}/push/${id}`;

  /** The TLS connection a request came over: its HTTP/2 session, or its socket. */
  function connectionOf(req: Request): object {
    return 'stream' in req ? req.stream.session ?? req.stream : req.socket;
  }

  function connectionIdOf(req: Request): number {
    const connection = connectionOf(req);
    let id = connectionIds.get(connection);
    if (id === undefined) {
      id = nextConnectionId++;
      connectionIds.set(connection, id);
    }
    return id;
  }

  function record(push: ReceivedPush): void {
    received.push(push);
    devices.get(push.id)?.received.push(push);
    for (const waiter of waiters) waiter.check();
  }

  async function handle(req: Request, res: Response, body: Buffer): Promise<void> {
    const match = PUSH_PATH.exec(new URL(req.url ?? '/', origin).pathname);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const id = match[1]!;
    const authorization = header(req, 'authorization');
    const vapid = await verifyVapid(authorization, origin, expectedKey);
    const push: ReceivedPush = {
      id,
      at: Date.now(),
      headers: {
        ttl: parseTtl(header(req, 'ttl')),
        urgency: header(req, 'urgency'),
        topic: header(req, 'topic'),
        contentEncoding: header(req, 'content-encoding'),
        authorization,
      },
      rawHeaders: req.headers,
      body,
      vapid,
      status: 0,
      outcome: 'answered',
      connectionId: connectionIdOf(req),
      protocol: req.httpVersion === '2.0' ? 'h2' : 'http/1.1',
    };
    const device = devices.get(id);
    if (device && body.length > 0) {
      try {
        push.text = device.decrypt(body);
        try {
          push.payload = JSON.parse(push.text) as unknown;
        } catch {
          // Not JSON: `text` still has it.
        }
      } catch (error) {
        push.decryptError = error instanceof Error ? error.message : String(error);
      }
    }

    // Protocol rejections come before the script, so a queued answer is kept
    // for the next well-formed push.
    let response: ScriptedResponse;
    if (vapid.valid || !service.requireValidVapid) {
      response =
        body.length > maxBodyBytes
          ? { status: 413, body: `payload of ${body.length} bytes exceeds ${maxBodyBytes}` }
          : scripts.get(id)?.shift() ?? defaultResponse ?? created();
    } else {
      response = { status: vapid.error === KEY_MISMATCH ? 403 : 401, body: vapid.error ?? 'invalid VAPID' };
    }

    if ('hang' in response) {
      push.outcome = 'hang';
      record(push);
      return; // close() destroys the socket
    }
    if ('reset' in response) {
      push.outcome = 'reset';
      record(push);
      // The whole connection, HTTP/2 or not: what a crashing push service does.
      if ('stream' in req) req.stream.session?.destroy();
      else req.socket.destroy();
      return;
    }
    push.status = response.status;
    // Recorded before any delay: the push "arrived", the answer is just late.
    record(push);
    const send = (): void => {
      if (res.destroyed) return;
      const headers: Record<string, string> = { ...(response.headers ?? {}) };
      if (response.status === 201 && !hasHeader(headers, 'location')) {
        headers['location'] = `${origin}/message/${randomUUID()}`;
      }
      push.answeredAt = Date.now();
      res.writeHead(response.status, headers).end(response.body ?? '');
    };
    if ('delayMs' in response) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, response.delayMs);
      timers.add(timer);
    } else {
      send();
    }
  }

  function waitUntil<T>(describe: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (closed) {
        reject(new Error(`push service is closed; ${describe}`));
        return;
      }
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms ${describe} (${received.length} push(es) received)`));
      }, timeoutMs);
      const waiter: Waiter = {
        check() {
          const value = probe();
          if (value === undefined) return false;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(value);
          return true;
        },
        fail(error) {
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(error);
        },
      };
      if (!waiter.check()) waiters.add(waiter);
    });
  }

  const service: PushService = {
    origin,
    cert,
    certFile,
    endpoint,
    received,
    devices,
    requireValidVapid: options.requireValidVapid ?? true,
    subscribe(): TestDevice {
      const id = randomUUID();
      const { subscription, decrypt } = makeTestSubscription(endpoint(id));
      const device: TestDevice = { id, endpoint: subscription.endpoint, subscription, received: [], decrypt };
      devices.set(id, device);
      return device;
    },
    script(endpointId, ...responses) {
      const queue = scripts.get(endpointId) ?? [];
      queue.push(...responses);
      scripts.set(endpointId, queue);
    },
    setDefault(response) {
      defaultResponse = response;
    },
    expectVapidKey(publicKey) {
      expectedKey = publicKey;
    },
    waitFor(predicate, timeoutMs = 5000) {
      return waitUntil('waiting for a matching push', timeoutMs, () => received.find(predicate));
    },
    waitForCount(deviceId, n, timeoutMs = 5000) {
      return waitUntil(`waiting for ${n} push(es) to ${deviceId}`, timeoutMs, () => {
        const mine = received.filter((r) => r.id === deviceId);
        return mine.length >= n ? mine.slice(0, n) : undefined;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const waiter of [...waiters]) waiter.fail(new Error('push service closed while waiting'));
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
  return service;
}

function created(): ScriptedResponse {
  return { status: 201 };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name);
}
