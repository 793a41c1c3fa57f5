/**
 * axe-core over a page, in Chromium (@axe-core/playwright) and in Firefox
 * (axe-core's own script injected over WebDriver BiDi): the WCAG 2.1 A/AA
 * rules and axe's best practices, open shadow roots included.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { AxeBuilder } from '@axe-core/playwright';
import type { AxeResults, Result } from 'axe-core';
import type { Page } from 'playwright-core';
import type { Page as PuppeteerPage } from 'puppeteer-core';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** One line per serious or critical violation: rule, impact, and where. */
export function seriousViolations(results: Pick<AxeResults, 'violations' | 'passes'>): string[] {
  // A page axe could not read passes nothing: that is a broken check, not a clean page.
  if (results.passes.length === 0) throw new Error('axe-core checked nothing on this page');
  return results.violations
    .filter((v: Result) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1).join(' ').trim() ?? v.help}`));
}

export async function axeChromium(page: Page): Promise<string[]> {
  return seriousViolations(await new AxeBuilder({ page }).withTags(TAGS).analyze());
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function axeFirefox(page: PuppeteerPage): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(
    (tags) => (window as unknown as { axe: { run(ctx: Document, o: object): Promise<AxeResults> } }).axe.run(document, { runOnly: { type: 'tag', values: tags } }).then((r) => ({ violations: r.violations, passes: r.passes })),
    TAGS,
  );
  return seriousViolations(results as Pick<AxeResults, 'violations' | 'passes'>);
}
