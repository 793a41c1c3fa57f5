/**
 * `npm run demo`: the README's two-browser story ("Try it") on this machine
 * alone. The real sender process serves the app and pushes through a loopback
 * push service speaking Mozilla's protocol (support/autopush-service.ts), the
 * one the tests use, so two Firefox windows ring each other without the
 * internet. (Chromium joins once it has its own stand-in for Google's service.)
 *
 * At a desktop it opens two Firefox windows and waits for you; with no display
 * (or `--auto`) it plays the story itself, headless, and says what happened.
 */
import { startAutopushService } from './support/autopush-service';
import { launchFirefox, type FirefoxBrowser } from './support/firefox';
import { enableRingingViaUi } from './support/ringing';
import { startSenderApp } from './support/sender-app';

const auto = process.argv.includes('--auto') || !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const say = (text: string) => console.log(`\n${text}`);

const push = await startAutopushService();
const sender = await startSenderApp({ certFile: push.certFile, host: new URL(push.origin).hostname }, { LOG_LEVEL: 'warn' });
const browsers: FirefoxBrowser[] = [];
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await Promise.all(browsers.map((b) => b.close().catch(() => undefined)));
  await sender.stop();
  await push.close();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const open = async () => {
    const ff = await launchFirefox(push.serverURL, {}, { headless: auto });
    browsers.push(ff);
    return ff;
  };
  const [ada, grace] = [await open(), await open()];
  const adaPage = await ada.openPage(sender.origin);
  const gracePage = await grace.openPage(sender.origin);

  if (!auto) {
    say(`RingKit's demo is running on ${sender.origin}, with its own push service on this machine (no internet needed).
Two Firefox windows are open on it:

  1. In the first, type Ada under "Your name", press Sign in, then Enable ringing.
     The card turns to "Ringing is on".
  2. In the second, sign in as Grace; under "Call someone" type Ada and press Call.
  3. Ada's window rings: the page shows the call with Accept and Decline, and a
     notification appears, even with Ada's tab in the background.

Press Ctrl+C here to stop (the windows close, nothing is kept).`);
    await new Promise(() => {}); // until Ctrl+C
  }

  say(`No display here (or --auto): playing the story in two headless Firefox windows against ${sender.origin}.`);
  await enableRingingViaUi(adaPage, 'Ada');
  say('1. Ada signed in and turned ringing on: "Ringing is on".');
  await gracePage.locator('::-p-xpath(//label[normalize-space(text())="Your name"]//input)').fill('Grace');
  await gracePage.locator('::-p-xpath(//button[normalize-space(.)="Sign in"])').click();
  await gracePage.locator('::-p-xpath(//label[normalize-space(text())="Name to call"]//input)').fill('Ada');
  const rang = ada.waitForAlert('Incoming call from Grace', 20_000);
  await gracePage.locator('::-p-xpath(//button[normalize-space(.)="Call"])').click();
  say('2. Grace called Ada from the "Call someone" card.');
  await rang;
  await adaPage.waitForSelector('[role=alertdialog]', { timeout: 10_000 });
  const caller = await adaPage.evaluate(() => document.querySelector('[role=alertdialog] h2')?.textContent);
  say(`3. Ada's Firefox rang: a notification "Incoming call from Grace" with Accept and Decline, and the page's ringer shows ${caller}.`);
  say('The story works on this machine. Run `npm run demo` at a desktop to try it yourself.');
  await stop(0);
} catch (error) {
  console.error(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}
