// @ts-check
/**
 * The host's own server (Fastify): its sign-in and its calls, RingKit's
 * sender mounted beside them, and the built page. Configured like RingKit's
 * own sender, by environment (VAPID_*, RINGKIT_API_KEY, RINGKIT_AUTH_SECRET,
 * DATABASE_URL, …); in development (NODE_ENV unset) the keys are made on first run.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import { createSender } from 'ringkit/sender';

const sender = await createSender();
const app = Fastify();
await app.register(sender.fastifyPlugin);

/** @param {string} name */
const uidOf = (name) => name.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '-');

// The host's sign-in (here anyone may be anyone: a stand-in for a real login).
// After its own login, the backend hands the page RingKit's user token.
app.post('/login', async (request) => {
  const { name } = /** @type {{ name: string }} */ (request.body);
  return { token: await sender.userToken(uidOf(name), name.trim()) };
});

// The host's backend places a call: RingKit rings every device of the callee.
app.post('/call', async (request) => {
  const { from, to } = /** @type {{ from: string; to: string }} */ (request.body);
  const sessionId = `example-${randomUUID()}`;
  return { sessionId, ...(await sender.ring({ recipientUid: uidOf(to), sessionId, callerName: from, callerUid: uidOf(from), callType: 'audio' })) };
});

await app.register(fastifyStatic, { root: fileURLToPath(new URL('./dist', import.meta.url)) });
// /call/<id>?action=… (where a notification's Accept lands) is the page too.
app.setNotFoundHandler((_request, reply) => reply.sendFile('index.html'));

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? '127.0.0.1' });
console.log(`example host app on ${address}`);
for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
  process.once(signal, async () => {
    await app.close();
    await sender.close();
    process.exit(0);
  });
}
