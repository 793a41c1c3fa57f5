/**
 * `npx tsx bench/http-floor.ts [--rates 100,300,1000,1500] [--seconds 3]`:
 * the CPU one HTTP request costs a bare node:http server on this machine
 * (calls-sender.ts's `bare`: read the body, answer 200), offered open loop
 * at each rate as bench:calls offers rings. No sender work at all: the floor
 * under bench:calls' CPU per ring, and how much of it is the process waking
 * up for each request when requests are sparse.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { CallsSenderReply, CallsSenderRequest } from './calls-sender';
import { ask, startChild } from './children';
import { now } from './clock';
import { round, table } from './stats';

const { values: args } = parseArgs({ options: { rates: { type: 'string', default: '100,300,1000,1500' }, seconds: { type: 'string', default: '3' } } });
const rates = args.rates.split(',').map(Number);
const seconds = Number(args.seconds);

const child = startChild('calls-sender.ts', {}, 'ignore');
const { url } = await ask<Extract<CallsSenderReply, { kind: 'listening' }>>(child, { kind: 'start', variant: 'bare', encryptionThreads: undefined } satisfies CallsSenderRequest);
const usage = () => ask<Extract<CallsSenderReply, { kind: 'usage' }>>(child, { kind: 'usage' } satisfies CallsSenderRequest);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const post = () =>
  new Promise<void>((resolve) => {
    const req = http.request(`${url}/ring`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => res.resume().on('end', resolve));
    req.on('error', () => resolve());
    req.end('{"recipientUid":"ada","sessionId":"s"}');
  });

const rows = [['offered/s', 'requests', 'CPU µs/request', 'main thread µs/request']];
for (const rate of [rates[0]!, ...rates]) {
  const count = Math.round(rate * seconds);
  const before = await usage();
  const t0 = now() + 20;
  const sent: Promise<void>[] = [];
  for (let i = 0; i < count; ) {
    const wait = t0 + (i * 1000) / rate - now();
    if (wait > 0) {
      await sleep(Math.max(1, wait)); // as bench:calls: sleep, never spin
      continue;
    }
    sent.push(post());
    i += 1;
  }
  await Promise.all(sent);
  const after = await usage();
  rows.push([String(rate), String(count), String(round((after.cpuUs - before.cpuUs) / count)), String(round((after.mainCpuUs - before.mainCpuUs) / count))]);
}
rows.splice(1, 1); // the first rate twice: its first pass warms the server up
console.log(table(rows));
agent.destroy();
child.kill();
