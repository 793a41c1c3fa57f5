import http2, { type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { isIP } from 'node:net';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import { connectTls, type EgressProxy } from './egress-proxy';
import { headerValue } from './http1';
import type { Attempt } from './outcome';
import { exchangeWithin, withDeadline } from './deadline';
import { ttlUntil, type PushRequest } from './push-request';
import { transportErrorCode } from './transport-error';

/** What carries pushes to one origin: its HTTP/2 session, or null when it speaks only HTTP/1.1. */
export type Route = { http2: ClientHttp2Session | null } | Extract<Attempt, { transportError: unknown }>;

/** A session idle this long is closed; push services drop idle connections anyway. */
const IDLE_MS = 30_000;
/** After a push timed out: a session that does not answer a PING within this is dead and replaced. */
const PING_TIMEOUT_MS = 2000;

/**
 * One HTTP/2 session per push-service origin, negotiated by ALPN and reused by
 * every push to it (a push is one stream). Origins that do not offer h2 are
 * remembered and go over HTTP/1.1.
 */
export class Http2Sessions {
  private readonly sessions = new Map<string, ClientHttp2Session>();
  private readonly connecting = new Map<string, Promise<Route>>();
  private readonly http1Origins = new Set<string>();
  /** aborts the handshakes in flight on close() */
  private readonly closing = new AbortController();
  private readonly pinging = new WeakSet<ClientHttp2Session>();

  constructor(private readonly options: { ca?: SecureContextOptions['ca']; connectTimeoutMs: number; proxy?: EgressProxy | undefined }) {}

  forOrigin(origin: string, deadlineMs: number): Promise<Route> | Route {
    const session = this.sessions.get(origin);
    if (session && !session.closed && !session.destroyed) return { http2: session };
    if (this.http1Origins.has(origin)) return { http2: null };
    let route = this.connecting.get(origin);
    if (!route) {
      route = this.connect(origin).finally(() => this.connecting.delete(origin));
      this.connecting.set(origin, route);
    }
    // Everyone waits on one handshake, each only as long as its own deadline.
    return withDeadline<Route>(route, deadlineMs, () => ({ transportError: 'timeout' }));
  }

  /** One push as one stream; never rejects (see PushTransport.post). */
  post(session: ClientHttp2Session, request: PushRequest, deadlineMs: number): Promise<Attempt> {
    return exchangeWithin<Attempt>(deadlineMs, { transportError: 'timeout' }, (finish) => {
      const url = new URL(request.endpoint);
      const headers: OutgoingHttpHeaders = { ':method': 'POST', ':path': url.pathname + url.search };
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      if (request.expiresAt !== undefined) headers.ttl = ttlUntil(request.expiresAt);
      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(headers);
      } catch (err) {
        finish({ transportError: transportErrorCode(err as Error) }); // the session closed under us
        return () => {};
      }
      stream.on('response', (answer) => {
        finish({ status: Number(answer[':status']), retryAfter: headerValue(answer['retry-after']) });
        stream.resume(); // the body is not needed
      });
      stream.on('error', (err) => finish({ transportError: transportErrorCode(err) }));
      stream.on('close', () => finish({ transportError: 'reset' })); // closed without an answer
      stream.end(request.body ?? undefined);
      return () => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        this.replaceIfDead(session);
      };
    });
  }

  close(): void {
    for (const session of this.sessions.values()) session.destroy();
    this.closing.abort();
    this.sessions.clear();
  }

  private async connect(origin: string): Promise<Route> {
    const url = new URL(origin);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const options = {
      host,
      port: Number(url.port || 443),
      ...(isIP(host) ? {} : { servername: host }),
      ALPNProtocols: ['h2', 'http/1.1'],
      ...(this.options.ca ? { ca: this.options.ca } : {}),
    };
    let socket: TLSSocket;
    try {
      socket = await connectTls(options, this.options.proxy?.for(host), this.options.connectTimeoutMs, this.closing.signal);
    } catch (err) {
      return { transportError: transportErrorCode(err as Error) };
    }
    if (socket.alpnProtocol !== 'h2') {
      // An extra handshake once per HTTP/1.1-only origin, then its keep-alive pool.
      socket.destroy();
      this.http1Origins.add(origin);
      return { http2: null };
    }
    return { http2: this.open(origin, socket) };
  }

  private open(origin: string, socket: TLSSocket): ClientHttp2Session {
    const session = http2.connect(origin, { createConnection: () => socket });
    session.on('error', () => {}); // the streams in flight report it
    const forget = () => {
      if (this.sessions.get(origin) === session) this.sessions.delete(origin);
    };
    // After GOAWAY the session finishes its streams; new pushes open a new one.
    session.once('goaway', forget);
    session.once('close', forget);
    session.setTimeout(IDLE_MS, () => session.close());
    session.unref(); // an idle connection must not keep the process alive; each push's deadline timer does while it runs
    this.sessions.set(origin, session);
    return session;
  }

  /** A timed-out stream may mean a dead connection (black-holed, half-open): PING it, replace it if silent. */
  private replaceIfDead(session: ClientHttp2Session): void {
    if (session.destroyed || this.pinging.has(session)) return;
    this.pinging.add(session);
    const timer = setTimeout(() => session.destroy(), PING_TIMEOUT_MS);
    timer.unref();
    const answered = (err: Error | null) => {
      clearTimeout(timer);
      this.pinging.delete(session);
      if (err) session.destroy();
    };
    try {
      if (!session.ping(answered)) answered(new Error('too many unanswered pings'));
    } catch (err) {
      answered(err as Error);
    }
  }
}
