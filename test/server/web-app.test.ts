/**
 * The built app as the sender serves it: hashed assets cached for good, the
 * files browsers must ask for again (index.html, sw.js, the manifest) never,
 * and every page path the app routes answered with index.html.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSender, type TestSender } from '../support/sender';

let web: string;
let sender: TestSender;

beforeAll(async () => {
  web = await mkdtemp(join(tmpdir(), 'ringkit-web-'));
  await mkdir(join(web, 'assets'));
  await writeFile(join(web, 'index.html'), '<!doctype html><title>RingKit</title>');
  await writeFile(join(web, 'sw.js'), '// worker');
  await writeFile(join(web, 'manifest.webmanifest'), '{}');
  await writeFile(join(web, 'assets/index-abc123.js'), '// app');
  await writeFile(join(web, 'ringtone.wav'), 'RIFF');
  sender = await startTestSender({ env: { RINGKIT_WEB_DIR: web } });
});
afterAll(async () => {
  await sender?.close();
  await rm(web, { recursive: true, force: true });
});

describe('the built app', () => {
  it.each([
    ['/assets/index-abc123.js', 'public, max-age=31536000, immutable'],
    ['/sw.js', 'no-cache'],
    ['/manifest.webmanifest', 'no-cache'],
    ['/ringtone.wav', 'public, max-age=3600'],
    ['/', 'no-cache'],
  ])('serves %s with Cache-Control %s', async (url, cacheControl) => {
    const res = await sender.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe(cacheControl);
  });

  it('answers the call screen and other app pages with index.html, a missing file with 404', async () => {
    for (const url of ['/call/v1.us.abc.123?action=accept', '/compat']) {
      const res = await sender.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<title>RingKit</title>');
    }
    expect((await sender.inject({ method: 'GET', url: '/assets/missing-000.js' })).statusCode).toBe(404);
  });
});
