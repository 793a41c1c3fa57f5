import https from 'node:https';
import type { Attempt } from './outcome';
import type { PushRequest } from './push-request';
import { transportErrorCode } from './transport-error';

/** One push over a keep-alive HTTP/1.1 connection of `agent`; never rejects (see PushTransport.post). */
export function postOverHttp1(request: PushRequest, agent: https.Agent, deadlineMs: number): Promise<Attempt> {
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

export function headerValue(v: string | string[] | number | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v === undefined ? undefined : String(v);
}
