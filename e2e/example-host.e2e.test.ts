/**
 * The kit as a host installs it: `npm pack` of this repository, installed into
 * a copy of examples/host-app (its own Vite page, its own service worker, its
 * own sign-in and Fastify server), type-checked against the tarball's
 * declarations, built, and rung end to end in Firefox over the real push path
 * (the loopback autopush stand-in). Nothing of the source tree is imported by
 * the example: only what the package ships.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'puppeteer-core';
import webpush from 'web-push';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NO_EGRESS_PROXY } from '../test/support/sender';
import { freePort, ROOT, runProcess, serving, type RunningSender } from '../test/support/sender-process';
import { startAutopushService, type AutopushService } from './support/autopush-service';
import { launchFirefox, type FirefoxBrowser } from './support/firefox';
import { closeAppTabs, notificationsIn, until } from './support/ringing';

const run = promisify(execFile);
/** Installing the tarball builds better-sqlite3 from source: minutes on two cores. */
const SETUP_TIMEOUT_MS = 10 * 60_000;

let work: string;
let app: string;
let push: AutopushService;
let host: RunningSender;
const launched: FirefoxBrowser[] = [];

/** npm in the example's folder, failing with its output. */
async function npm(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('npm', args, { cwd: app, env: { ...process.env, ...NO_EGRESS_PROXY }, maxBuffer: 64 << 20 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ringkit-example-'));
  app = join(work, 'host-app');
  // What a host gets: the packed tarball (prepack builds lib/), beside a copy of the example.
  await run('npm', ['pack', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 << 20 });
  const [tarball] = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
  await cp(join(ROOT, 'examples/host-app'), app, { recursive: true, filter: (src) => !/node_modules|dist/.test(src.slice(ROOT.length)) });
  await rename(join(work, tarball!), join(app, 'ringkit.tgz'));
  // From npm's cache where it can: this repository's own install filled it.
  await npm('install', '--prefer-offline', '--no-audit', '--no-fund');
  await npm('run', 'build');

  push = await startAutopushService();
  const vapid = webpush.generateVAPIDKeys();
  const port = await freePort();
  const server = runProcess(process.execPath, ['server.mjs'], {
    cwd: app,
    env: {
      ...NO_EGRESS_PROXY,
      PORT: String(port),
      RINGKIT_DATA_DIR: join(work, 'data'),
      RINGKIT_API_KEY: randomBytes(18).toString('base64url'),
      RINGKIT_AUTH_SECRET: randomBytes(32).toString('base64url'),
      RINGKIT_PUSH_HOSTS: new URL(push.origin).hostname,
      NODE_EXTRA_CA_CERTS: push.certFile,
      VAPID_SUBJECT: 'mailto:ops@host.example',
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      LOG_LEVEL: 'warn',
    },
  });
  host = await serving(server, `http://127.0.0.1:${port}`);
}, SETUP_TIMEOUT_MS);

afterEach(async () => {
  await Promise.all(launched.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await host?.stop();
  await push?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A device of `name`: Firefox on the example's page, signed in with the example's own sign-in, ringing turned on. */
async function deviceOf(name: string): Promise<{ ff: FirefoxBrowser; page: Page }> {
  const ff = await launchFirefox(push.serverURL);
  launched.push(ff);
  const page = await ff.openPage(host.url);
  await page.locator('::-p-xpath(//label[contains(., "Your name")]//input)').fill(name);
  await page.locator('::-p-xpath(//button[normalize-space(.)="Sign in"])').click();
  await page.locator('::-p-xpath(//button[normalize-space(.)="Turn on ringing"])').click();
  await page.waitForSelector('#ringing-status[data-state="on"]');
  expect(await page.$eval('#ringing-status', (el) => el.textContent)).toBe('Ringing is on: calls ring this device.');
  return { ff, page };
}

describe('a host app built from the packed ringkit tarball', () => {
  it("type-checks its page, its worker and its server against the package's declarations", async () => {
    // tsc exits non-zero on any error, a missing or unresolvable declaration included (skipLibCheck is off).
    await expect(npm('run', 'typecheck')).resolves.toBeDefined();
  });

  it('runs the ringkit-sender bin it installed: the standalone sender, configured the same way', async () => {
    const port = await freePort();
    const bin = runProcess(join(app, 'node_modules/.bin/ringkit-sender'), [], {
      cwd: app,
      env: { ...NO_EGRESS_PROXY, PORT: String(port), RINGKIT_DATA_DIR: join(work, 'bin-data'), LOG_LEVEL: 'warn' },
    });
    const standalone = await serving(bin, `http://127.0.0.1:${port}`);
    try {
      expect(await (await fetch(`${standalone.url}/healthz`)).json()).toEqual({ status: 'ok', store: 'ok' });
      expect(((await (await fetch(`${standalone.url}/api/push/public-key`)).json()) as { publicKey: string }).publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);
    } finally {
      await standalone.stop();
    }
  });

  it("rings both of a user's devices; Accept on one opens the host's page, which answers, and the other stops ringing", async () => {
    const laptop = await deviceOf('Ada');
    const phone = await deviceOf('Ada');
    await closeAppTabs(laptop.ff, host.url);

    // The caller's page asks the host's backend to call Ada; it rings through ringkit/sender.
    const rings = [laptop, phone].map((d) => d.ff.waitForAlert('Incoming call from Grace'));
    const res = await fetch(`${host.url}/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'Grace', to: 'Ada' }) });
    const call = (await res.json()) as { sessionId: string; devices: number; delivered: number };
    expect(call).toMatchObject({ devices: 2, delivered: 2 });
    await Promise.all(rings);

    // The worker (ringkit/sw in the host's own worker) shows the ring as RingKit's does.
    expect(await notificationsIn(phone.page)).toEqual([
      expect.objectContaining({
        title: 'Incoming call from Grace',
        requireInteraction: true,
        tag: `call-${call.sessionId}`,
        actions: [{ action: 'accept', title: 'Accept' }, { action: 'decline', title: 'Decline' }],
      }),
    ]);
    // The open page rings too: <ringkit-ringer> from ringkit/ringer.
    // Polled from here: a wait on the page observes the document, not the ringer's shadow root.
    await until('the ringer to ring', () => phone.page.$('ringkit-ringer >>> [role="alertdialog"]'), (el) => el !== null);

    await laptop.ff.clickAlert('Incoming call from Grace', 'accept');
    const opened = await laptop.ff.browser.waitForTarget((t) => t.url().includes(`/call/${encodeURIComponent(call.sessionId)}?action=accept`));
    const callPage = (await opened.page())!;
    // The host's page answered with ringkit/client's acceptCall: the sender stopped the other device.
    await callPage.waitForFunction(() => document.getElementById('call-status')?.textContent === 'In a call with Grace.');
    await phone.ff.waitForAlert('Answered on another device');
    expect((await phone.ff.alerts()).map((a) => a.title)).toEqual(['Answered on another device']);
    await until('the ringer to go', () => phone.page.$('ringkit-ringer >>> [role="alertdialog"]'), (el) => el === null);
  });
});
