/**
 * `npm run compat-matrix`: opens the /compat page in each real browser the
 * e2e suite runs, does what a user would (sign in, enable ringing, send a
 * test ring where the browser can subscribe), and writes each one's report
 * into docs/compat-matrix.md. Needs a built app (the npm script builds it).
 */
import { writeFileSync } from 'node:fs';
import { launchChromium, chromiumPath } from './support/chromium';
import { startFirefoxRig, testRingOnCompat } from './support/compat-firefox';
import { firefoxPath } from './support/firefox';
import { readReport, signInOnCompat, testRingState } from './support/compat-page';
import { renderMatrix, versionOf, type MatrixRun } from './support/compat-matrix';
import { startServedApp } from './support/served-app';

const OUT = new URL('../docs/compat-matrix.md', import.meta.url);


async function runChromium(origin: string, features: string[] = []): Promise<MatrixRun> {
  const context = await launchChromium(features.length ? [`--enable-features=${features.join(',')}`] : []);
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
    const flags = features.length ? `, --enable-features=${features.join(',')}` : '';
    return { browser: `Chromium ${versionOf(chromiumPath())} (Debian, headless, Linux${flags})`, report: await readReport(page) };
  } finally {
    await context.close();
  }
}

/** Firefox's push client talks to a loopback autopush service, so its test ring arrives for real. */
async function runFirefox(): Promise<MatrixRun> {
  const rig = await startFirefoxRig();
  try {
    const { report } = await testRingOnCompat(await rig.launch(), rig.sender.origin, 'Matrix');
    return { browser: `Firefox ${versionOf(firefoxPath())} (Debian ESR, headless, Linux)`, report };
  } finally {
    await rig.close();
  }
}

const served = await startServedApp();
const chromiumRuns: MatrixRun[] = [];
try {
  chromiumRuns.push(await runChromium(served.origin));
  chromiumRuns.push(await runChromium(served.origin, ['IncomingCallNotifications']));
} finally {
  await served.close();
}
const runs: MatrixRun[] = [...chromiumRuns, await runFirefox()];
const notes = [
  "Chromium subscribes through Google's push service (FCM), which this closed test network cannot reach: its subscription fails, so no test ring runs there. With FCM reachable it rings like any Chrome.",
  "With --enable-features=IncomingCallNotifications, Chromium exposes Notification.prototype.scenario and RingKit's worker rings with scenario \"incoming-call\" (e2e/chromium-scenario.e2e.test.ts); Chromium applies the scenario, and its looping ringtone, to installed web apps only, and this page runs in a tab.",
  "Firefox's push client is pointed at a loopback push service speaking Mozilla's protocol (e2e/support/autopush-service.ts): the test ring goes sender → push service → Firefox → worker → notification → page for real, so its times are measured on this machine's loopback, not over the internet.",
];
writeFileSync(OUT, renderMatrix(runs, new Date(), notes));
console.log(`wrote ${OUT.pathname} (${runs.map((r) => r.browser).join(', ')})`);
