/**
 * Accessibility in Chromium: axe-core over every state of every screen
 * (support/screen-states.ts), light and dark: no serious or critical violation.
 */
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeChromium } from './support/axe';
import { launchChromium } from './support/chromium';
import { CHROMIUM_STATES } from './support/screen-states';
import { startServedApp } from './support/served-app';

let served: Awaited<ReturnType<typeof startServedApp>>;
let context: BrowserContext | undefined;

beforeAll(async () => {
  served = await startServedApp();
});
afterAll(async () => {
  await served?.close();
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});

describe('axe-core in Chromium', () => {
  for (const state of CHROMIUM_STATES.filter((s) => !process.env.STATES || process.env.STATES.split(",").includes(s.name))) {
    it(`${state.what}: no serious or critical violation, light or dark`, async () => {
      context = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
      const page = await state.open(served, await context.newPage());
      await page.setViewportSize({ width: 1280, height: 900 });
      const found: string[] = [];
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
        found.push(...(await axeChromium(page)).map((v) => `${colorScheme}: ${v}`));
      }
      expect(found).toEqual([]);
    });
  }
});
