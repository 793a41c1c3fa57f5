import https from 'node:https';
import type { RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConnectionOptions, SecureContextOptions } from 'node:tls';
import { connectTls, type EgressProxy } from './egress-proxy';
import { postOverHttp1 } from './http1';
import { Http2Sessions } from './http2';
import type { Attempt } from './outcome';
import type { PushRequest } from './push-request';

/** How pushes reach push services. Tests and the bench drive the real one against loopback push services. */
export interface PushTransport {
  /**
   * POSTs one push and resolves with what the push service answered, or the
   * transport error. Never rejects. `deadlineMs` bounds the whole exchange
   * (connect, send, answer), not only idle time: a push service that trickles
   * or never answers must not hold a ring.
   */
  post(request: PushRequest, deadlineMs: number): Promise<Attempt>;
  /** Closes every connection; pushes in flight fail. */
  close(): void;
}

export interface PushTransportOptions {
  /** CAs to trust instead of the system's (tests: the loopback push service's certificate) */
  ca?: SecureContextOptions['ca'];
  /** bound on the TCP + TLS handshake of a new connection */
  connectTimeoutMs?: number;
  /** HTTP/1.1 connections kept per push service */
  maxSockets?: number;
  /** an egress proxy (HTTPS_PROXY) to tunnel connections through */
  proxy?: EgressProxy | undefined;
}

/**
 * HTTP/2 where the push service offers it (ALPN), one session per origin
 * multiplexing every push; keep-alive HTTP/1.1 otherwise. A reused connection
 * costs ~0.11 ms of CPU per push, a new TLS handshake ~1.5 ms.
 */
export function createPushTransport(options: PushTransportOptions = {}): PushTransport {
  const tls = options.ca ? { ca: options.ca } : {};
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, maxFreeSockets: 16, scheduling: 'lifo', ...tls };
  const agent = options.proxy ? new ProxiedAgent(agentOptions, options.proxy, connectTimeoutMs) : new https.Agent(agentOptions);
  const sessions = new Http2Sessions({ ...tls, connectTimeoutMs, proxy: options.proxy });
  return {
    async post(request, deadlineMs) {
      const deadline = Date.now() + deadlineMs;
      const connection = await sessions.forOrigin(new URL(request.endpoint).origin, deadlineMs);
      if ('transportError' in connection) return connection;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { transportError: 'timeout' };
      return connection.http2 ? sessions.post(connection.http2, request, remaining) : postOverHttp1(request, agent, remaining);
    },
    close() {
      sessions.close();
      agent.destroy();
    },
  };
}

/**
 * The keep-alive HTTP/1.1 pool, its connections opened through the egress
 * proxy where NO_PROXY does not exempt the host: pooling and maxSockets per
 * origin stay the agent's own.
 */
class ProxiedAgent extends https.Agent {
  constructor(options: https.AgentOptions, private readonly proxy: EgressProxy, private readonly connectTimeoutMs: number) {
    super(options);
  }

  override createConnection(options: RequestOptions, done?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const host = String(options.host ?? 'localhost');
    const proxy = this.proxy.for(host);
    if (!proxy) return super.createConnection(options, done);
    // Node's agent takes the socket from the callback when none is returned.
    const tlsOptions = { ...(options as ConnectionOptions), host, port: Number(options.port ?? 443) };
    connectTls(tlsOptions, proxy, this.connectTimeoutMs).then(
      (socket) => done?.(null, socket),
      (err: Error) => done?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
