import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { exchangeWithin } from './deadline';
import type { Attempt } from './outcome';
import { ttlUntil, type PushRequest } from './push-request';
import { transportErrorCode } from './transport-error';

/** One push over a keep-alive HTTP/1.1 connection of `agent`; never rejects (see PushTransport.post). */
export function postOverHttp1(request: PushRequest, agent: https.Agent, deadlineMs: number): Promise<Attempt> {
  return exchangeWithin<Attempt>(deadlineMs, { transportError: 'timeout' }, (finish) => {
    const req = https.request(request.endpoint, { method: 'POST', headers: request.headers, agent }, (res) => {
      res.resume(); // the body is not needed; drain it so the socket can be reused
      res.on('end', () => finish({ status: res.statusCode ?? 0, retryAfter: headerValue(res.headers['retry-after']) }));
      res.on('error', (err) => finish({ transportError: transportErrorCode(err) }));
    });
    req.on('error', (err) => finish({ transportError: transportErrorCode(err) }));
    const send = () => {
      if (request.expiresAt !== undefined) req.setHeader('TTL', ttlUntil(request.expiresAt));
      req.end(request.body ?? undefined);
    };
    if (request.expiresAt === undefined) send();
    // A new connection's handshake comes first: the TTL counts from when the push leaves.
    else req.once('socket', (socket) => (socket.connecting || (socket as TLSSocket).pending ? socket.once('secureConnect', send) : send()));
    return () => req.destroy();
  });
}

export function headerValue(v: string | string[] | number | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v);
}
