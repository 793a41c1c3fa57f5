/**
 * Chromium over a real Web Push path, offline: Debian's Chromium with its GCM
 * client pointed at the loopback stand-in of Google's push service, the
 * sender process reaching the endpoint host Chromium reports (a Google host)
 * through its egress proxy (HTTPS_PROXY), a loopback CONNECT proxy tunnelling
 * to the stand-in, and a desktop notification server per browser, where its
 * notifications are seen and clicked. Chromium is driven with puppeteer-core,
 * so the app helpers of the Firefox suite (support/ringing.ts) serve both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startConnectProxy, type ConnectProxy } from '../../test/support/connect-proxy';
import { chromiumPath } from './chromium';
import { ENDPOINT_HOSTS, startGooglePushService, type GooglePushService } from './google-push-service';
import { startNotificationDaemon, type NotificationDaemon } from './notification-daemon';
import { stateWaiters } from './state-waiters';
import { startSenderApp, type SenderApp } from './sender-app';

export interface ChromiumPushPath {
  google: GooglePushService;
  /** the sender's egress proxy */
  proxy: ConnectProxy;
  sender: SenderApp;
  close(): Promise<void>;
}

/** The stand-in, the proxy in front of it, and the sender process behind that proxy. `env` adds to the sender's. */
export async function startChromiumPushPath(env: NodeJS.ProcessEnv = {}): Promise<ChromiumPushPath> {
  const google = await startGooglePushService();
  const endpointHosts: readonly string[] = ENDPOINT_HOSTS;
  // Only Google's endpoint hosts lead anywhere: to the stand-in.
  const proxy = await startConnectProxy((target) => (endpointHosts.includes(target.host) && target.port === 443 ? google.pushAddress : { host: '127.0.0.1', port: 9 }));
  const sender = await startSenderApp({ certFile: google.caFile, host: ENDPOINT_HOSTS.join(',') }, { HTTPS_PROXY: proxy.url, NO_PROXY: '', ...env });
  return {
    google,
    proxy,
    sender,
    async close() {
      await sender.stop();
      await proxy.close();
      await google.close();
    },
  };
}

/** A push event as Chromium itself reports it (DevTools' background services, "Push Messaging"). */
export interface PushEvent {
  /** the push service's message id (the MCS persistent id) */
  messageId: string;
  /** Date.now() of each step Chromium logged: "Push message received", "Push event dispatched", "Push event completed" */
  receivedAt?: number;
  dispatchedAt?: number;
  completedAt?: number;
  /** "Success", or what went wrong */
  status?: string;
}

export interface ChromiumBrowser {
  browser: Browser;
  /** this browser's desktop: the notifications it shows */
  desktop: NotificationDaemon;
  /** every push Chromium handled, in order */
  pushEvents: PushEvent[];
  /** Resolves once the worker's push event for this message has completed. */
  pushEventCompleted(messageId: string, timeoutMs?: number): Promise<PushEvent>;
  /** A new tab at url (the app), or about:blank. */
  openPage(url?: string): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Headless Chromium in a fresh profile, its push client on the stand-in,
 * notifications allowed for `origin` (as after the user said yes to the prompt).
 * `extraArgs` add to its command line (a feature flag).
 */
export async function launchChromiumWithPush(google: GooglePushService, origin: string, extraArgs: readonly string[] = []): Promise<ChromiumBrowser> {
  const desktop = await startNotificationDaemon();
  const userDataDir = mkdtempSync(join(tmpdir(), 'ringkit-chromium-push-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'chrome',
      executablePath: chromiumPath(),
      headless: true,
      userDataDir,
      // Over a pipe, not a port: Chromium offers its PWA domain (installing the app) only to a client on its pipe (measured).
      pipe: true,
      env: { ...process.env, ...desktop.env },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync', ...google.chromiumArgs, ...extraArgs],
    });
  } catch (error) {
    await desktop.close();
    throw error;
  }
  await browser.defaultBrowserContext().overridePermissions(origin, ['notifications']);
  // The tab Chromium starts with watches push events; the tests open the app in others.
  const [observer] = await browser.pages();
  const cdp = await observer!.createCDPSession();
  const pushEvents: PushEvent[] = [];
  const state = stateWaiters('Chromium');
  cdp.on('BackgroundService.backgroundServiceEventReceived', ({ backgroundServiceEvent: e }) => {
    let event = pushEvents.find((p) => p.messageId === e.instanceId);
    if (!event) pushEvents.push((event = { messageId: e.instanceId }));
    const at = Math.round(e.timestamp * 1000);
    if (e.eventName === 'Push message received') event.receivedAt = at;
    if (e.eventName === 'Push event dispatched') event.dispatchedAt = at;
    if (e.eventName === 'Push event completed') {
      event.completedAt = at;
      event.status = e.eventMetadata.find((m) => m.key === 'Status')?.value;
    }
    state.changed();
  });
  await cdp.send('BackgroundService.startObserving', { service: 'pushMessaging' });
  await cdp.send('BackgroundService.setRecording', { service: 'pushMessaging', shouldRecord: true });
  return {
    browser,
    desktop,
    pushEvents,
    pushEventCompleted: (messageId, timeoutMs) =>
      state.waitFor(`Chromium's push event for ${messageId} to complete`, () => pushEvents.find((p) => p.messageId === messageId && p.completedAt !== undefined), timeoutMs),
    async openPage(url) {
      const page = await browser.newPage();
      if (url) await page.goto(url);
      return page;
    },
    async close() {
      await browser.close();
      await desktop.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** What Chromium puts before a web notification's text on the desktop: the site it came from. */
export const fromSite = (origin: string, text: string): string => `${new URL(origin).host}\n\n${text}`;
