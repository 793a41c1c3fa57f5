/**
 * `npm run compat-matrix`: opens the /compat page in each real browser the
 * e2e suite runs, does what a user would (sign in, enable ringing, send a
 * test ring where the browser can subscribe), and writes each one's report
 * into docs/compat-matrix.md. Needs a built app (the npm script builds it).
 */
import { writeFileSync } from 'node:fs';
import { chromiumPath } from './support/chromium';
import { launchChromiumWithPush, startChromiumPushPath } from './support/chromium-push';
import { startFirefoxRig, testRingOnCompat } from './support/compat-firefox';
import { firefoxPath } from './support/firefox';
import { renderMatrix, versionOf, type MatrixRun } from './support/compat-matrix';

const OUT = new URL('../docs/compat-matrix.md', import.meta.url);


/** Chromium's GCM client talks to the loopback stand-in of Google's push service, so its test ring arrives for real too. */
async function runChromium(): Promise<MatrixRun> {
  const path = await startChromiumPushPath();
  const chromium = await launchChromiumWithPush(path.google, path.sender.origin).catch(async (error: unknown) => {
    await path.close();
    throw error;
  });
  try {
    const { report } = await testRingOnCompat(chromium, path.sender.origin, 'Matrix');
    return { browser: `Chromium ${versionOf(chromiumPath())} (Debian, headless, Linux)`, report };
  } finally {
    await chromium.close();
    await path.close();
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

const runs: MatrixRun[] = [await runChromium(), await runFirefox()];
const notes = [
  "With --enable-features=IncomingCallNotifications, Chromium exposes Notification.prototype.scenario and RingKit's worker rings with scenario \"incoming-call\" (e2e/chromium-scenario.e2e.test.ts); Chromium applies the scenario, and its looping ringtone, to installed web apps only, and only its Windows toasts use it: with RingKit installed (e2e/chromium-scenario-installed.e2e.test.ts), Chromium on Linux adds its own Close button and no ringtone, and reads every ring back as \"default\".",
  "Chromium's push client (GCM) is pointed at a loopback stand-in of Google's push service (e2e/support/google-push-service.ts: checkin, registration, MCS), and the sender reaches the endpoint host Chromium reports through its egress proxy (HTTPS_PROXY): the test ring goes sender → proxy → push service → Chromium → worker → notification → page for real, timed on this machine's loopback.",
  "Firefox's push client is pointed at a loopback push service speaking Mozilla's protocol (e2e/support/autopush-service.ts): the test ring goes sender → push service → Firefox → worker → notification → page for real, so its times are measured on this machine's loopback, not over the internet.",
];
writeFileSync(OUT, renderMatrix(runs, new Date(), notes));
console.log(`wrote ${OUT.pathname} (${runs.map((r) => r.browser).join(', ')})`);
