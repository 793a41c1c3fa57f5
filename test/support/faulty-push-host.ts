/**
 * A push-service host that fails the way remote services do, one fault per
 * host (its own origin, as a real push service is): nothing listening, a
 * connection reset mid-request, TLS that fails, a black hole that accepts and
 * never speaks, an answer that trickles forever, slow answers, and storms of
 * one HTTP status. Built on node:net, node:tls and node:https, so every fault
 * is the real thing on the wire. It records each attempt, with its TTL header
 * when the request got that far.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { makeTestSubscription, type TestSubscription } from './subscriptions';
import { makeLoopbackCertificate } from './tls';

export type Fault =
  /** nothing listens on the port: ECONNREFUSED */
  | { kind: 'refused' }
  /** TLS is fine; once the request arrives the TCP connection is reset (RST) */
  | { kind: 'reset' }
  /** a certificate the sender does not trust */
  | { kind: 'untrusted-cert' }
  /** the ClientHello is answered by closing the connection */
  | { kind: 'handshake-abort' }
  /** accepts the connection and never sends a byte, not even the TLS handshake */
  | { kind: 'black-hole' }
  /** sends a status line, then one header byte at a time, forever: never idle, never done */
  | { kind: 'trickle' }
  /** answers every push with this status (and headers), after delayMs */
  | { kind: 'status'; status: number; headers?: Record<string, string>; delayMs?: number };

export interface Attempt {
  /** Date.now() when the connection (or, for HTTP faults, the request) arrived */
  at: number;
  /** the TTL header, for faults that read the request */
  ttl?: number;
  path?: string;
}

export interface FaultyPushHost {
  origin: string;
  fault: Fault;
  attempts: Attempt[];
  /** A subscription (valid keys) whose endpoint is on this host. */
  subscribe(): TestSubscription;
  close(): Promise<void>;
}

const run = promisify(execFile);

/** Starts a host with one fault on 127.0.0.1. */
export async function startFaultyPushHost(fault: Fault): Promise<FaultyPushHost> {
  const attempts: Attempt[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  };
  const { cert, key } = await makeLoopbackCertificate();

  let server: Server | undefined;
  let port: number;
  switch (fault.kind) {
    case 'refused': {
      // Bind to learn a free port, then close: connections to it are refused.
      const probe = createNetServer();
      port = await listen(probe);
      await new Promise((r) => probe.close(r));
      break;
    }
    case 'black-hole':
    case 'handshake-abort':
      server = createNetServer((socket) => {
        track(socket);
        attempts.push({ at: Date.now() });
        if (fault.kind === 'handshake-abort') socket.once('data', () => socket.destroy());
      });
      port = await listen(server);
      break;
    case 'reset':
    case 'trickle':
      server = createNetServer((raw) => {
        track(raw);
        // TLS over the raw TCP socket, so the reset can be a real RST of that socket.
        const socket = new TLSSocket(raw, { isServer: true, cert, key });
        socket.on('error', () => {});
        socket.once('data', (request: Buffer) => {
          attempts.push({ at: Date.now(), ...requestHeaders(request.toString('latin1')) });
          if (fault.kind === 'reset') {
            raw.resetAndDestroy();
            return;
          }
          socket.write('HTTP/1.1 201 Created\r\nX-Trickle: ');
          const timer = setInterval(() => socket.write('a'), 50);
          timers.add(timer);
          socket.once('close', () => clearInterval(timer));
        });
      });
      port = await listen(server);
      break;
    case 'untrusted-cert':
    case 'status': {
      const tls = fault.kind === 'untrusted-cert' ? await untrustedCertificate() : { cert, key };
      const https = createHttpsServer({ ...tls, requestTimeout: 0 }, (req, res) => {
        req.on('error', () => {});
        req.resume();
        req.on('end', () => {
          const ttl = req.headers['ttl'];
          attempts.push({ at: Date.now(), path: req.url ?? '', ...(typeof ttl === 'string' ? { ttl: Number(ttl) } : {}) });
          if (fault.kind !== 'status') return res.writeHead(201).end();
          const answer = () => {
            if (!res.destroyed) res.writeHead(fault.status, fault.headers ?? {}).end();
          };
          if (!fault.delayMs) return answer();
          const timer = setTimeout(answer, fault.delayMs);
          timers.add(timer);
        });
      });
      // TLS failures are the point here: do not let them reach the console. Only
      // the untrusted certificate's count as attempts: elsewhere they are the
      // sender's ALPN probe closing after its handshake (an HTTP/1.1-only host).
      https.on('tlsClientError', () => {
        if (fault.kind === 'untrusted-cert') attempts.push({ at: Date.now() });
      });
      https.on('connection', track);
      server = https;
      port = await listen(https);
      break;
    }
  }
  const origin = `https://127.0.0.1:${port}`;
  return {
    origin,
    fault,
    attempts,
    subscribe: () => makeTestSubscription(`${origin}/push/${randomUUID()}`),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      if (server?.listening) await new Promise((r) => server!.close(r));
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The TTL header and path of a raw HTTP/1.1 request's head. */
function requestHeaders(head: string): { ttl?: number; path?: string } {
  const path = /^POST (\S+)/.exec(head)?.[1];
  const ttl = /\r\nttl:\s*(\d+)/i.exec(head)?.[1];
  return { ...(path ? { path } : {}), ...(ttl ? { ttl: Number(ttl) } : {}) };
}

/** A second self-signed certificate, which the sender's agent (trusting only the loopback one) refuses. */
async function untrustedCertificate(): Promise<{ cert: string; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ringkit-untrusted-'));
  const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile,
    ]);
    return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
