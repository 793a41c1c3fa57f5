/**
 * `npm run compat-matrix`: opens the /compat page in each real browser the
 * e2e suite runs, does what a user would (sign in, enable ringing, send a
 * test ring where the browser can subscribe), and writes each one's report
 * into docs/compat-matrix.md. Needs a built app (the npm script builds it).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { launchChromium, chromiumPath } from './support/chromium';
import { readReport, signInOnCompat, testRingState } from './support/compat-page';
import { renderMatrix, type MatrixRun } from './support/compat-matrix';
import { startServedApp } from './support/served-app';

const OUT = new URL('../docs/compat-matrix.md', import.meta.url);

/** "Chromium 156.0.8078.108 built on Debian…" → "156.0.8078.108" */
function versionOf(executable: string): string {
  const out = execFileSync(executable, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return /(\d+(?:\.\d+)+\w*)/.exec(out)?.[1] ?? out.trim();
}

async function runChromium(origin: string): Promise<MatrixRun> {
  const context = await launchChromium();
  try {
    await context.grantPermissions(['notifications'], { origin });
    const page = await context.newPage();
    await page.goto(`${origin}/compat`);
    await signInOnCompat(page, 'Matrix');
    if ((await testRingState(page)) === 'ready') {
      await page.getByRole('button', { name: 'Enable ringing' }).click();
      // Offline, Chromium's subscribe waits for Google's push service until the flow gives up (15 s).
      if ((await testRingState(page, 30_000)) === 'on') {
        await page.getByRole('button', { name: 'Send a test ring' }).click();
        await page.locator('[data-test-ring]').waitFor({ timeout: 30_000 });
      }
    }
    // The subscription check follows the flow's state a moment later.
    await page.waitForFunction(() => !document.querySelector('pre[data-report]')?.textContent?.includes('"observed": "not checked"'));
    return { browser: `Chromium ${versionOf(chromiumPath())} (Debian, headless, Linux)`, report: await readReport(page) };
  } finally {
    await context.close();
  }
}

const served = await startServedApp();
try {
  const runs: MatrixRun[] = [await runChromium(served.origin)];
  const notes = [
    'Chromium subscribes through Google\'s push service (FCM), which this closed test network cannot reach: its subscription fails, so no test ring runs there. With FCM reachable it rings like any Chrome.',
  ];
  writeFileSync(OUT, renderMatrix(runs, new Date(), notes));
  console.log(`wrote ${OUT.pathname} (${runs.map((r) => r.browser).join(', ')})`);
} finally {
  await served.close();
}
