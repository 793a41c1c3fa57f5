/**
 * A loopback stand-in for CometChat's client API (the host the Chat SDK talks
 * to, `{appId}.apiclient-{region}.cometchat.io/v3.0`), for the requests a
 * callee's answer makes: the SDK's login (`PUT /v3.0/me`) and the call
 * session update (`PUT /v3.0/calls/{sessionid}` with `{"status"}`,
 * shared/facts/platforms.md). The real Chat SDK is pointed at it with
 * `AppSettingsBuilder.overrideClientHost`, and so is the service worker, so
 * both are checked against one recorder. HTTPS with the loopback test
 * certificate, and CORS as a browser calling CometChat needs.
 */
import { createServer } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeLoopbackCertificate } from './tls';

export const STAND_IN_APP_ID = 'ringkit-test-app';
export const STAND_IN_REGION = 'us';

export interface ClientApiRequest {
  method: string;
  /** path and query, e.g. /v3.0/calls/v1.us.abc */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** what the stand-in answered */
  status: number;
}

export interface CometChatClientApi {
  /** host and path prefix for overrideClientHost / the worker, e.g. 127.0.0.1:PORT/v3.0 */
  clientHost: string;
  certFile: string;
  /** every request but CORS preflights, in arrival order */
  requests: ClientApiRequest[];
  /** the call status updates, in arrival order */
  statusUpdates(sessionId?: string): { status: string; authToken: string | undefined; request: ClientApiRequest }[];
  /** Makes an auth token valid for a CometChat user. */
  addUser(uid: string, authToken: string): void;
  /** The next `count` status updates are answered with this HTTP status (e.g. 503). */
  failStatusUpdates(count: number, status?: number): void;
  /** Resolves with the first status update for the session that matches. */
  waitForStatus(sessionId: string, status: string, timeoutMs?: number): Promise<ClientApiRequest>;
  close(): Promise<void>;
}

const STATUSES = new Set(['initiated', 'ongoing', 'unanswered', 'rejected', 'busy', 'cancelled', 'ended']);

export async function startCometChatClientApi(): Promise<CometChatClientApi> {
  const { cert, key, certFile } = await makeLoopbackCertificate();
  const users = new Map<string, string>(); // authToken → uid
  const requests: ClientApiRequest[] = [];
  let failing = { count: 0, status: 503 };
  const waiters = new Set<() => void>();

  const server = createServer({ cert, key }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const cors = {
        'access-control-allow-origin': String(req.headers.origin ?? '*'),
        'access-control-allow-methods': 'GET, POST, PUT, DELETE',
        'access-control-allow-headers': 'appId, authToken, resource, sdk, content-type, accept, cache-control',
        'access-control-max-age': '600',
      };
      if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
      const answer = (status: number, json: unknown) => {
        requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, status });
        res.writeHead(status, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify(json));
        for (const wake of waiters) wake();
      };
      const authToken = header(req.headers, 'authtoken');
      const uid = authToken ? users.get(authToken) : undefined;
      if (!uid) return answer(401, { error: { code: 'AUTH_ERR_AUTH_TOKEN_NOT_FOUND', message: 'The auth token does not exist.' } });
      if (header(req.headers, 'appid') !== STAND_IN_APP_ID) return answer(401, { error: { code: 'AUTH_ERR_APPID_MISMATCH', message: 'wrong appId' } });

      const path = new URL(req.url ?? '/', 'https://stand-in').pathname;
      if (req.method === 'PUT' && path === '/v3.0/me') return answer(200, { data: { uid, name: uid, status: 'available', role: 'default', authToken } });
      const call = /^\/v3\.0\/calls\/([^/]+)$/.exec(path);
      if (req.method === 'PUT' && call) {
        const sessionId = decodeURIComponent(call[1]!);
        const status = parseStatus(body);
        if (!status) return answer(400, { error: { code: 'ERR_BAD_REQUEST', message: 'status must be a call status' } });
        if (failing.count > 0) {
          failing.count -= 1;
          return answer(failing.status, { error: { code: 'ERR_INTERNAL', message: 'stand-in told to fail' } });
        }
        return answer(200, { data: callMessage(sessionId, uid, status) });
      }
      answer(404, { error: { code: 'ERR_NOT_FOUND', message: `${req.method} ${path} is not part of this stand-in` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const statusUpdates = (sessionId?: string) =>
    requests
      .filter((r) => r.method === 'PUT' && r.path.startsWith('/v3.0/calls/') && (!sessionId || decodeURIComponent(r.path.slice('/v3.0/calls/'.length)) === sessionId))
      .map((request) => ({ status: parseStatus(request.body) ?? '', authToken: header(request.headers, 'authtoken'), request }));

  return {
    clientHost: `127.0.0.1:${port}/v3.0`,
    certFile,
    requests,
    statusUpdates,
    addUser: (uid, authToken) => void users.set(authToken, uid),
    failStatusUpdates(count, status = 503) {
      failing = { count, status };
    },
    waitForStatus(sessionId, status, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = statusUpdates(sessionId).find((u) => u.status === status && u.request.status === 200);
          if (!found) return;
          done();
          resolve(found.request);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no "${status}" for ${sessionId} within ${timeoutMs} ms; got ${JSON.stringify(statusUpdates().map((u) => [u.request.path, u.status, u.request.status]))}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseStatus(body: string): string | undefined {
  try {
    const status = (JSON.parse(body) as { status?: unknown }).status;
    return typeof status === 'string' && STATUSES.has(status) ? status : undefined;
  } catch {
    return undefined;
  }
}

/** A call message as CometChat returns it (the shape its webhooks document for data.call). */
function callMessage(sessionId: string, uid: string, status: string) {
  return {
    id: String(Date.now()),
    conversationId: `caller_user_${uid}`,
    sender: uid,
    receiverType: 'user',
    receiver: 'caller',
    category: 'call',
    type: 'audio',
    data: {
      action: status,
      entities: {
        by: { entity: { uid, name: uid }, entityType: 'user' },
        for: { entity: { uid: 'caller', name: 'caller' }, entityType: 'user' },
        on: { entity: { sessionid: sessionId, status, type: 'audio' }, entityType: 'call' },
      },
    },
    sentAt: Math.floor(Date.now() / 1000),
    updatedAt: Math.floor(Date.now() / 1000),
  };
}
