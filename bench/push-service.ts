/**
 * The bench's push service, in its own process: HTTPS on loopback speaking
 * HTTP/2 and HTTP/1.1 (ALPN), it only reads each push and answers 201, and
 * notes when each arrived. Nothing else (no VAPID check, no decryption), so
 * it takes as little of the shared cores as a push service can.
 */
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { now } from './clock';

export type ServiceRequest = { kind: 'collect' } | { kind: 'close' };
export type ServiceReply =
  | { kind: 'listening'; origin: string }
  /** arrivals: [endpoint id, ms (see clock.ts), HTTP version] */
  | { kind: 'arrivals'; arrivals: Array<[string, number, string]>; bodies: Record<string, string>; connections: number };

const send = (reply: ServiceReply) => process.send!(reply);

const arrivals: Array<[string, number, string]> = [];
/** A few bodies, base64, so the bench can check they decrypt. */
const bodies: Record<string, string> = {};
let connections = 0;

const server = createSecureServer({
  cert: readFileSync(process.env.BENCH_CERT_FILE!),
  key: readFileSync(process.env.BENCH_KEY_FILE!),
  allowHTTP1: true,
});
server.on('secureConnection', () => {
  connections += 1;
});
server.on('request', (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const id = req.url.slice(req.url.lastIndexOf('/') + 1);
    arrivals.push([id, now(), req.httpVersion]);
    if (arrivals.length <= 3) bodies[id] = Buffer.concat(chunks).toString('base64');
    res.writeHead(201).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  send({ kind: 'listening', origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
});

process.on('message', (request: ServiceRequest) => {
  if (request.kind === 'collect') {
    send({ kind: 'arrivals', arrivals: arrivals.splice(0), bodies: { ...bodies }, connections });
    for (const id of Object.keys(bodies)) delete bodies[id];
    connections = 0;
  } else process.exit(0);
});
