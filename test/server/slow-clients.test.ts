/**
 * Slowloris: a client trickling its headers or body is cut off after the
 * request timeout with a 408 in the API's shape, and connections beyond the
 * cap are closed on arrival. Real sockets (inject() has none).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSender, type TestSender } from '../support/sender';

const TIMEOUT_MS = 400;
const MAX_CONNECTIONS = 4;
let s: TestSender;
let port: number;
beforeAll(async () => {
  s = await startTestSender({ requestTimeoutMs: TIMEOUT_MS, maxConnections: MAX_CONNECTIONS });
  await s.app.http.listen({ port: 0, host: '127.0.0.1' });
  port = (s.app.http.server.address() as { port: number }).port;
});
afterAll(() => s.close());

interface Client {
  socket: Socket;
  /** everything the server sent, once it closed the connection */
  closed: Promise<string>;
}

function open(): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => (got += d));
    const closed = new Promise<string>((r) => socket.on('close', () => r(got)));
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Writes one byte every `everyMs` until the server closes the connection. */
function trickle(client: Client, bytes: string, everyMs = 50): void {
  let i = 0;
  const timer = setInterval(() => {
    if (client.socket.destroyed || i >= bytes.length) return clearInterval(timer);
    client.socket.write(bytes[i++]!);
  }, everyMs);
  void client.closed.then(() => clearInterval(timer));
}

const jsonBody = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as unknown;

describe('a slow client', () => {
  it('trickling a body is answered 408 in the API shape and cut off', async () => {
    const client = await open();
    client.socket.on('error', () => {});
    client.socket.write('POST /api/dev/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{');
    trickle(client, 'x'.repeat(499));
    const response = await client.closed;
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(jsonBody(response)).toEqual({ error: { code: 'request_timeout', message: expect.any(String) } });
  });

  it('trickling its headers is cut off too', async () => {
    const client = await open();
    client.socket.on('error', () => {});
    client.socket.write('GET /healthz HTTP/1.1\r\n');
    trickle(client, 'X-Slow: ' + 'a'.repeat(500));
    expect(await client.closed).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('sending nothing at all is cut off too', async () => {
    const client = await open();
    client.socket.on('error', () => {});
    expect(await client.closed).toMatch(/^(HTTP\/1\.1 408 |$)/);
  });
});

describe('connections', () => {
  it(`are capped: beyond ${MAX_CONNECTIONS} at once, a new one is closed on arrival`, async () => {
    const held: Client[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const client = await open();
      client.socket.on('error', () => {});
      // A request answered proves the server holds this connection.
      const answered = new Promise<void>((r) => client.socket.once('data', () => r()));
      client.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await answered;
      held.push(client);
    }
    const extra = await open();
    extra.socket.on('error', () => {});
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await extra.closed).toBe('');
    for (const c of held) c.socket.destroy();
  });
});
