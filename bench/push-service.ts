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
  /** arrivals: [endpoint id, ms (see clock.ts), HTTP version, Topic header] */
  | { kind: 'arrivals'; arrivals: Array<[string, number, string, string]>; bodies: Record<string, string>; connections: number; cpuUs: number };

const send = (reply: ServiceReply) => process.send!(reply);

const arrivals: Array<[string, number, string, string]> = [];
/** A few bodies, base64, so the bench can check they decrypt. */
const bodies: Record<string, string> = {};
let connections = 0;
/** CPU since the last collect: the push service shares the cores with the sender */
let cpu = process.cpuUsage();

const server = createSecureServer({
  cert: readFileSync(process.env.BENCH_CERT_FILE!),
  key: readFileSync(process.env.BENCH_KEY_FILE!),
  allowHTTP1: true,
});
server.on('secureConnection', () => {
  connections += 1;
});
function arrived(path: string, version: string, topic: unknown, chunks: Buffer[]): void {
  const id = path.slice(path.lastIndexOf('/') + 1);
  // The Topic tells which ring a push belongs to (the concurrent-calls bench rings a device many times).
  arrivals.push([id, now(), version, typeof topic === 'string' ? topic : '']);
  if (arrivals.length <= 3) bodies[id] = Buffer.concat(chunks).toString('base64');
}

// HTTP/1.1 (the baseline) through the request API.
server.on('request', (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    arrived(req.url, req.httpVersion, req.headers.topic, chunks);
    res.writeHead(201).end();
  });
});
// HTTP/2 through the stream API: Node's compatibility layer (request and
// response objects per stream) would double this process's CPU per push,
// CPU taken from the sender on shared cores. Adding the 'request' listener
// above installed that layer's 'stream' listener; this replaces it.
server.removeAllListeners('stream');
server.on('stream', (stream, headers) => {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => {
    arrived(String(headers[':path']), '2.0', headers.topic, chunks);
    stream.respond({ ':status': 201 }, { endStream: true });
  });
  stream.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  send({ kind: 'listening', origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
});

process.on('message', (request: ServiceRequest) => {
  if (request.kind === 'collect') {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    send({ kind: 'arrivals', arrivals: arrivals.splice(0), bodies: { ...bodies }, connections, cpuUs: used.user + used.system });
    for (const id of Object.keys(bodies)) delete bodies[id];
    connections = 0;
  } else process.exit(0);
});
