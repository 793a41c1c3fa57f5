/**
 * The PWA under its Content-Security-Policy in a real Chromium: the headers
 * arrive, and loading the app, installing its worker, signing in and opening
 * the call screen trip no CSP violation.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from './support/app-ui';
import { launchChromium } from './support/chromium';
import { readReport } from './support/compat-page';
import { startServedApp } from './support/served-app';

let served: Awaited<ReturnType<typeof startServedApp>>;
let context: BrowserContext;
let page: Page;
const violations: string[] = [];

beforeAll(async () => {
  served = await startServedApp();
  context = await launchChromium();
  // Both ways Chromium reports a violation: the DOM event, and the console.
  await context.exposeBinding('reportViolation', (_source, text: string) => void violations.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation(text: string): void }).reportViolation(`${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
});
afterAll(async () => {
  await context?.close();
  await served?.close();
});

describe('the PWA under its CSP', () => {
  it('is served with the CSP and security headers', async () => {
    const res = await page.goto(served.origin);
    const headers = res!.headers();
    expect(headers['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(headers['content-security-policy']).toContain("connect-src 'self' https://*.cometchat.io wss://*.cometchat.io;");
    expect(headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cross-origin-opener-policy': 'same-origin' });
    const worker = await page.request.get(`${served.origin}/sw.js`);
    expect(worker.headers()['content-security-policy']).toContain("worker-src 'self' blob:");
  });

  it('loads, installs its worker, signs in and opens the call screen with no CSP violation', async () => {
    await page.goto(served.origin);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await signIn(page, 'Csp Tester');
    await page.goto(`${served.origin}/call/${encodeURIComponent('v1.us.csp')}?action=open`);
    await page.locator('[data-phase="unknown"]').waitFor();
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Call not found');
    // The manifest and icons, as the browser's install check fetches them.
    expect((await context.newCDPSession(page).then((cdp) => cdp.send('Page.getInstallabilityErrors'))).installabilityErrors).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('runs every /compat probe (audio from a blob:, IndexedDB, the worker) and offers the report download with no CSP violation', async () => {
    await page.goto(`${served.origin}/compat`);
    const report = await readReport(page);
    expect(report.checks.find((c) => c.id === 'audio-autoplay')?.observed).not.toBe('could not be measured');
    expect(await page.getByRole('link', { name: 'Download report' }).getAttribute('href')).toMatch(/^blob:/);
    expect(violations).toEqual([]);
  });
});
