/**
 * Driving the /compat page as a user does, in any browser the suite runs:
 * Playwright's and puppeteer's pages both fit `CompatPageDriver`.
 */
import type { Page as PlaywrightPage } from 'playwright-core';
import type { Page as PuppeteerPage } from 'puppeteer-core';
import type { CompatReport } from '../../src/compat/report';

/** Playwright's page (Chromium) or puppeteer's (Firefox): the helpers only evaluate in it. */
export type CompatPageDriver = PlaywrightPage | PuppeteerPage;

/** Both drivers' evaluate, for a function of one serialisable argument (their typings differ, not their behaviour). */
const evaluator = (page: CompatPageDriver) => page.evaluate.bind(page) as unknown as <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => Promise<R>;

/**
 * The report the page offers, once its checks have settled (the subscription
 * check waits for the enable-ringing flow to know where it stands).
 */
export async function readReport(page: CompatPageDriver, timeoutMs = 20_000): Promise<CompatReport> {
  const text = await evaluator(page)(async (timeout: number) => {
    const end = Date.now() + timeout;
    for (;;) {
      const json = document.querySelector('pre[data-report]')?.textContent;
      if (json) {
        const report = JSON.parse(json) as { checks: { id: string; observed: string }[] };
        if (report.checks.find((c) => c.id === 'push-subscription')?.observed !== 'not checked') return json;
      }
      if (Date.now() > end) throw new Error('the /compat page did not settle');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, timeoutMs);
  return JSON.parse(text) as CompatReport;
}

/** Signs in with the development sign-in the /compat page offers to a signed-out visitor. */
export async function signInOnCompat(page: CompatPageDriver, name: string): Promise<void> {
  await evaluator(page)(async (who: string) => {
    const end = Date.now() + 10_000;
    let input: HTMLInputElement | null;
    while (!(input = document.querySelector<HTMLInputElement>('input[name="name"]'))) {
      if (Date.now() > end) throw new Error('no sign-in form on the page');
      await new Promise((r) => setTimeout(r, 50));
    }
    input.value = who;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    // Let Preact re-render with the name before the form reads it.
    await new Promise((r) => setTimeout(r, 50));
    input.form!.requestSubmit();
    while (!document.querySelector('[data-test-ring-state]')) {
      if (Date.now() > end) throw new Error('sign-in did not finish');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, name);
}

/** The test-ring card's state once it stops changing on its own (not 'checking' or 'enabling'). */
export async function testRingState(page: CompatPageDriver, timeoutMs = 30_000): Promise<string> {
  return evaluator(page)(async (timeout: number) => {
    const end = Date.now() + timeout;
    for (;;) {
      const state = document.querySelector('[data-test-ring-state]')?.getAttribute('data-test-ring-state');
      if (state && state !== 'checking' && state !== 'enabling') return state;
      if (Date.now() > end) throw new Error(`the test-ring card stayed ${state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, timeoutMs);
}
