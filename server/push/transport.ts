import https from 'node:https';
import type { SecureContextOptions } from 'node:tls';
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
}

/**
 * HTTP/2 where the push service offers it (ALPN), one session per origin
 * multiplexing every push; keep-alive HTTP/1.1 otherwise. A reused connection
 * costs ~0.11 ms of CPU per push, a new TLS handshake ~1.5 ms.
 */
export function createPushTransport(options: PushTransportOptions = {}): PushTransport {
  const tls = options.ca ? { ca: options.ca } : {};
  const agent = new https.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64, maxFreeSockets: 16, scheduling: 'lifo', ...tls });
  const sessions = new Http2Sessions({ ...tls, connectTimeoutMs: options.connectTimeoutMs ?? 5000 });
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
