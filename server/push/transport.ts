import https from 'node:https';
import type { Attempt, TransportErrorCode } from './outcome';

export interface PushRequest {
  endpoint: string;
  headers: Record<string, string | number>;
  body: Buffer | null;
}

/**
 * Keep-alive connections to each push service: a new TLS handshake costs
 * ~1.5 ms of CPU per push, a reused connection ~0.14 ms.
 */
export function createPushAgent(options: https.AgentOptions = {}): https.Agent {
  return new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, scheduling: 'lifo', ...options });
}

/**
 * POSTs one push and resolves with what the push service answered, or the
 * transport error. Never rejects. `deadlineMs` bounds the whole exchange
 * (connect, send, answer), not only idle time: a push service that trickles
 * or never answers must not hold a ring.
 */
export function postPush(request: PushRequest, agent: https.Agent, deadlineMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (attempt: Attempt) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(attempt);
    };
    const req = https.request(request.endpoint, { method: 'POST', headers: request.headers, agent }, (res) => {
      res.resume(); // the body is not needed; drain it so the socket can be reused
      res.on('end', () => finish({ status: res.statusCode ?? 0, retryAfter: headerValue(res.headers['retry-after']) }));
      res.on('error', (err) => finish({ transportError: transportErrorCode(err) }));
    });
    const timer = setTimeout(() => {
      finish({ transportError: 'timeout' });
      req.destroy();
    }, deadlineMs);
    req.on('error', (err) => finish({ transportError: transportErrorCode(err) }));
    req.end(request.body ?? undefined);
  });
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function transportErrorCode(err: Error): TransportErrorCode {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'reset';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code)) return 'tls';
  return 'network';
}
