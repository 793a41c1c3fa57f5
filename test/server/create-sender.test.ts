/**
 * ringkit/sender mounted in a host's own server: a plain node:http server
 * with the host's own routes, and a Fastify app with its own JSON parsing.
 * The sender answers its routes exactly as standalone; the host keeps the rest.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSender, SenderError, type Sender } from '../../server/index';
import { makeTestSubscription } from '../support/subscriptions';
import { loopbackSenderEnv } from '../support/sender';

let dataDir: string;
let sender: Sender;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ringkit-mounted-'));
  sender = await createSender({ env: loopbackSenderEnv(dataDir), logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await sender?.close(100);
  await rm(dataDir, { recursive: true, force: true });
});

const listening = (server: Server) =>
  new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));

const subscribe = async (origin: string, token: string, endpoint: string) =>
  fetch(`${origin}/api/push/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subscription: makeTestSubscription(endpoint).subscription }),
  });

describe('createSender in a node:http server', () => {
  let origin: string;
  let server: Server;
  beforeAll(async () => {
    server = createServer(sender.handler((req, res) => res.end(`the host's ${req.url}`)));
    origin = await listening(server);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers RingKit's routes and hands every other request to the host", async () => {
    expect(await (await fetch(`${origin}/healthz`)).json()).toEqual({ status: 'ok', store: 'ok' });
    expect(await (await fetch(`${origin}/`)).text()).toBe("the host's /");
    expect(await (await fetch(`${origin}/call/abc?action=accept`)).text()).toBe("the host's /call/abc?action=accept");
  });

  it("keeps the API's own errors (status, code, message)", async () => {
    const res = await fetch(`${origin}/api/push/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    expect((await res.json()) as unknown).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it("registers a device with a user token from userToken(), and ring() takes a ring to it (the push itself: e2e/example-host)", async () => {
    const token = await sender.userToken('ada', 'Ada');
    const res = await subscribe(origin, token, 'https://127.0.0.1:9/push/ada-1');
    expect(res.status).toBe(201);
    const devices = (await (await fetch(`${origin}/api/push/subscriptions`, { headers: { authorization: `Bearer ${token}` } })).json()) as { devices: unknown[] };
    expect(devices.devices).toHaveLength(1);
    // Nothing listens at that endpoint: the ring is taken and its one device counted, whatever its outcome.
    const counts = await sender.ring({ recipientUid: 'ada', sessionId: 'mounted-1', callerName: 'Grace', callerUid: 'grace', callType: 'audio' });
    expect(counts).toMatchObject({ devices: 1 });
  });

  it('refuses a bad ring from ring() as the API would, with its status and code', async () => {
    const refused = sender.ring({ recipientUid: 'ada', sessionId: 'x', callerName: '', callerUid: 'grace', callType: 'audio' });
    await expect(refused).rejects.toBeInstanceOf(SenderError);
    await expect(refused).rejects.toMatchObject({ status: 400, code: expect.any(String) });
  });
});

describe('createSender as a Fastify plugin', () => {
  const host = Fastify();
  let origin: string;
  beforeAll(async () => {
    host.post('/host/echo', async (request) => ({ echoed: request.body }));
    await host.register(sender.fastifyPlugin);
    origin = await host.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => host.close());

  it("reads RingKit's request bodies itself, while the host's routes keep the host's parsing", async () => {
    const token = await sender.userToken('bob');
    expect((await subscribe(origin, token, 'https://127.0.0.1:9/push/bob-1')).status).toBe(201);
    const echoed = await fetch(`${origin}/host/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await echoed.json()).toEqual({ echoed: { a: 1 } });
  });

  it("answers RingKit's 404 for an unknown API path, and the host's for its own", async () => {
    const api = await fetch(`${origin}/api/nothing-here`);
    expect(api.status).toBe(404);
    expect((await api.json()) as unknown).toMatchObject({ error: { code: expect.any(String) } });
    expect((await fetch(`${origin}/elsewhere`)).status).toBe(404);
  });
});
