/**
 * A loopback push service that a real Firefox uses: the RFC 8030 side the
 * sender posts to (HTTPS, self-signed) and the autopush WebSocket side that
 * Firefox's push client talks to (pref dom.push.serverURL). Messages cross it
 * untouched: Firefox decrypts them itself.
 *
 * It plays Mozilla's push service, so it also plays what a real network does
 * to a browser: holding deliveries, being offline, dropping registrations.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { dropExpired, enqueue, judgePost, type MessageFate } from './push-queue';
import { makeLoopbackCertificate } from '../../test/support/tls';
import { listenOnLoopback, stateWaiters } from './state-waiters';

const SUBPROTOCOL = 'push-notification';
const PUSH_PATH = /^\/wpush\/([0-9a-f-]{36})$/;
/** The smallest body limit RFC 8030 allows a push service; what Mozilla's enforces too. */
const MAX_BODY_BYTES = 4096;

export type { MessageFate };

/** One push the service accepted (201), and what became of it. */
export interface PushMessage {
  /** unique per message: Firefox de-duplicates by it */
  version: string;
  channelID: string;
  topic: string | undefined;
  ttl: number;
  /** base64url of the body, as the notification carries it */
  data: string;
  encoding: string | undefined;
  /** Date.now() when the sender's POST was complete */
  postedAt: number;
  /** on the service's clock (see advanceClock) */
  expiresAt: number;
  fate: MessageFate;
  sentAt?: number;
  ackedAt?: number;
  /** 100 delivered, 101 decryption failed, 102 not delivered (Firefox's codes) */
  ackCode?: number;
}

/** A POST to a push endpoint, with the answer it got. */
export interface PushPost {
  channelID: string;
  status: number;
  error?: string;
  message?: PushMessage;
}

interface BrowserState {
  uaid: string;
  socket: WebSocket | undefined;
  /** hellos answered: each a connection of the browser's push client */
  connections: number;
  held: boolean;
  offline: boolean;
  /** a hello left unanswered while offline */
  pendingHello: { socket: WebSocket; answer: () => void } | undefined;
  queue: PushMessage[];
}

interface Channel {
  uaid: string;
  /** the application server (VAPID) key given at register, base64url without padding */
  key: string | undefined;
}

export interface AutopushService {
  /** for dom.push.serverURL */
  serverURL: string;
  /** origin of the push endpoints */
  origin: string;
  /** PEM of the endpoints' (self-signed) certificate, to trust in clients */
  cert: string;
  /** its file, for NODE_EXTRA_CA_CERTS */
  certFile: string;
  posts: PushPost[];
  messages: PushMessage[];
  /** the channel id of a push endpoint this service handed out */
  channelOf(endpoint: string): string;
  /** Deliveries to this endpoint's browser wait (queued, TTL running) until release(). */
  hold(endpoint: string): void;
  release(endpoint: string): void;
  /** The browser can't reach the service: its socket closes and its reconnects get no answer until back. */
  goOffline(endpoint: string): void;
  /** Back online: resolves when the browser is connected again. */
  comeBackOnline(endpoint: string): Promise<void>;
  /**
   * Forgets this endpoint's browser (as Mozilla's service does for an idle
   * UAID): its channels answer 410 from now on, its socket closes, and its
   * next hello gets a new UAID, on which Firefox drops its subscriptions and
   * fires pushsubscriptionchange.
   */
  dropRegistrations(endpoint: string): void;
  /** Moves the service's clock (TTL expiry) forward, instead of a test waiting out a TTL. */
  advanceClock(ms: number): void;
  waitFor<T>(what: string, probe: () => T | undefined, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startAutopushService(): Promise<AutopushService> {
  const { cert, key, certFile } = await makeLoopbackCertificate();
  const browsers = new Map<string, BrowserState>();
  const channels = new Map<string, Channel>();
  /** channels of forgotten browsers and unsubscribed ones: 410 */
  const gone = new Set<string>();
  const posts: PushPost[] = [];
  const messages: PushMessage[] = [];
  const state = stateWaiters('push service');
  const changed = state.changed;
  const sockets = new Set<Socket>();
  let clockOffset = 0;
  let closed = false;
  const now = (): number => Date.now() + clockOffset;

  const https = createHttpsServer({ cert, key });
  const http = createHttpServer((_req, res) => res.writeHead(426).end());
  for (const server of [https, http]) {
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  }
  const wss = new WebSocketServer({
    server: http,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  https.on('request', (req: IncomingMessage, res: ServerResponse) => {
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

  const [httpsPort, httpPort] = await Promise.all([listenOnLoopback(https), listenOnLoopback(http)]);
  const origin = `https://127.0.0.1:${httpsPort}`;

  async function handlePost(req: IncomingMessage, body: Buffer): Promise<{ status: number; body?: string; headers?: Record<string, string> }> {
    const verdict = await judgePost(req, body, {
      path: PUSH_PATH,
      origin,
      maxBodyBytes: MAX_BODY_BYTES,
      gone: (id) => gone.has(id),
      keyOf: (id) => {
        const channel = channels.get(id);
        return channel ? (channel.key ?? null) : undefined;
      },
      messages: { gone: 'this subscription is gone', unknown: 'no such subscription' },
    });
    if (!('id' in verdict)) return verdict;
    const channelID = verdict.id;
    const answer = (status: number, error?: string, message?: PushMessage) => {
      posts.push({ channelID, status, ...(error ? { error } : {}), ...(message ? { message } : {}) });
      changed();
      return { status, ...(error ? { body: error } : {}) };
    };
    if (!('accepted' in verdict)) return answer(verdict.status, verdict.error);
    const channel = channels.get(channelID)!;
    const { ttl, topic, encoding } = verdict.accepted;
    const message: PushMessage = {
      version: randomUUID(),
      channelID,
      topic,
      ttl,
      data: body.toString('base64url'),
      encoding,
      postedAt: Date.now(),
      expiresAt: now() + ttl * 1000,
      fate: 'queued',
    };
    const browser = browsers.get(channel.uaid);
    if (browser) browser.queue = enqueue(browser.queue, message, (m) => m.channelID === channelID);
    messages.push(message);
    const result = answer(201, undefined, message);
    if (browser) flush(browser);
    return { ...result, headers: { location: `${origin}/m/${message.version}` } };
  }

  function flush(browser: BrowserState): void {
    expire(browser);
    const socket = browser.socket;
    if (!socket || browser.held || browser.offline) return;
    for (const message of browser.queue.splice(0)) {
      message.fate = 'sent';
      message.sentAt = Date.now();
      const headers = message.encoding ? { encoding: message.encoding } : {};
      socket.send(JSON.stringify({ messageType: 'notification', channelID: message.channelID, version: message.version, data: message.data, headers }));
    }
    changed();
  }

  function expire(browser: BrowserState): void {
    browser.queue = dropExpired(browser.queue, now());
  }

  wss.on('connection', (socket: WebSocket) => {
    let browser: BrowserState | undefined;
    socket.on('error', () => {});
    socket.on('close', () => {
      if (browser?.pendingHello?.socket === socket) browser.pendingHello = undefined;
      if (browser?.socket === socket) {
        browser.socket = undefined;
        // Sent but never acknowledged: delivered again on the next connection.
        const owner = browser.uaid;
        const unacked = messages.filter((m) => m.fate === 'sent' && channels.get(m.channelID)?.uaid === owner);
        for (const m of unacked) m.fate = 'queued';
        browser.queue.unshift(...unacked);
      }
      changed();
    });
    socket.on('message', (raw) => {
      const text = raw.toString();
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(text) as Record<string, unknown>;
      } catch {
        socket.close(4000, 'not JSON');
        return;
      }
      if (Object.keys(msg).length === 0) {
        socket.send('{}'); // ping
        return;
      }
      switch (msg.messageType) {
        case 'hello': {
          const known = typeof msg.uaid === 'string' ? browsers.get(msg.uaid) : undefined;
          // A UAID we don't know (or forgot) gets a new one: Firefox then drops its subscriptions.
          browser = known ?? newBrowser();
          const answerHello = () => {
            browser!.pendingHello = undefined;
            if (socket.readyState !== socket.OPEN) return;
            browser!.socket?.close(1000, 'replaced by a newer connection');
            browser!.socket = socket;
            browser!.connections++;
            socket.send(JSON.stringify({ messageType: 'hello', uaid: browser!.uaid, status: 200, use_webpush: true, broadcasts: {} }));
            flush(browser!);
          };
          if (browser.offline) browser.pendingHello = { socket, answer: answerHello };
          else answerHello();
          return;
        }
        case 'register': {
          if (!browser || browser.socket !== socket) return;
          const channelID = String(msg.channelID);
          const key = typeof msg.key === 'string' ? msg.key.replace(/=+$/, '') : undefined;
          channels.set(channelID, { uaid: browser.uaid, key });
          gone.delete(channelID);
          socket.send(JSON.stringify({ messageType: 'register', channelID, status: 200, pushEndpoint: `${origin}/wpush/${channelID}` }));
          changed();
          return;
        }
        case 'unregister': {
          const channelID = String(msg.channelID);
          channels.delete(channelID);
          gone.add(channelID);
          socket.send(JSON.stringify({ messageType: 'unregister', channelID, status: 200 }));
          changed();
          return;
        }
        case 'ack': {
          for (const update of (msg.updates as { version?: string; code?: number }[] | undefined) ?? []) {
            const message = messages.find((m) => m.version === update.version);
            if (!message) continue;
            message.fate = 'acked';
            message.ackedAt = Date.now();
            message.ackCode = update.code ?? 100;
          }
          changed();
          return;
        }
        case 'nack':
          return; // the message stays acknowledged as sent; tests look at ackCode
        default:
          socket.send(JSON.stringify({ messageType: msg.messageType, status: 400 }));
      }
    });
  });

  function newBrowser(): BrowserState {
    const state: BrowserState = {
      uaid: randomUUID().replace(/-/g, ''),
      socket: undefined,
      connections: 0,
      held: false,
      offline: false,
      pendingHello: undefined,
      queue: [],
    };
    browsers.set(state.uaid, state);
    return state;
  }

  /**
   * Cuts the connection as a network fault does. Firefox reconnects only
   * after a socket error: after a clean close it waits for a reason to.
   */
  function dropConnection(browser: BrowserState): void {
    browser.socket?.terminate();
  }

  function browserOf(endpoint: string): BrowserState {
    const channelID = service.channelOf(endpoint);
    const uaid = channels.get(channelID)?.uaid;
    const browser = uaid === undefined ? undefined : browsers.get(uaid);
    if (!browser) throw new Error(`no browser holds ${endpoint}`);
    return browser;
  }

  const service: AutopushService = {
    serverURL: `ws://127.0.0.1:${httpPort}/`,
    origin,
    cert,
    certFile,
    posts,
    messages,
    channelOf(endpoint) {
      const url = new URL(endpoint);
      const match = url.origin === origin ? PUSH_PATH.exec(url.pathname) : null;
      if (!match) throw new Error(`${endpoint} is not an endpoint of this push service`);
      return match[1]!;
    },
    hold(endpoint) {
      browserOf(endpoint).held = true;
    },
    release(endpoint) {
      const browser = browserOf(endpoint);
      browser.held = false;
      flush(browser);
    },
    goOffline(endpoint) {
      const browser = browserOf(endpoint);
      browser.offline = true;
      dropConnection(browser);
    },
    async comeBackOnline(endpoint) {
      const browser = browserOf(endpoint);
      const before = browser.connections;
      browser.offline = false;
      browser.pendingHello?.answer();
      await service.waitFor('the browser to reconnect', () => (browser.connections > before && browser.socket ? true : undefined), 20_000);
    },
    dropRegistrations(endpoint) {
      const browser = browserOf(endpoint);
      for (const [channelID, channel] of channels) {
        if (channel.uaid !== browser.uaid) continue;
        channels.delete(channelID);
        gone.add(channelID);
      }
      for (const m of browser.queue) m.fate = 'expired';
      browsers.delete(browser.uaid);
      dropConnection(browser);
      changed();
    },
    advanceClock(ms) {
      clockOffset += ms;
      for (const browser of browsers.values()) expire(browser);
      changed();
    },
    waitFor: state.waitFor,
    async close() {
      if (closed) return;
      closed = true;
      state.close();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const done = Promise.all([https, http].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      for (const socket of sockets) socket.destroy();
      await done;
    },
  };
  return service;
}
