/**
 * Debian's Firefox ESR driven over WebDriver BiDi (puppeteer-core; Playwright
 * can't launch it), with its push client pointed at a loopback push service.
 * Notifications are read and clicked from the browser's chrome context, where
 * each one is an alert window: what a user sees and clicks.
 */
import { execFileSync } from 'node:child_process';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Prefs each shown to be needed for push and notifications in a test profile. */
export function pushPrefs(serverURL: string): Record<string, unknown> {
  return {
    'dom.push.serverURL': serverURL,
    'dom.push.testing.allowInsecureServerURL': true, // ws:// on loopback
    'dom.push.connection.enabled': true, // the remote agent turns it off: subscribe would fail with AbortError
    'dom.push.retryBaseInterval': 500, // reconnect in 0.5 s rather than 5 s
    'permissions.default.desktop-notification': 1, // no permission prompt
    'alerts.useSystemBackend': false, // no D-Bus notification daemon: Firefox's own alert windows
    'dom.webnotifications.requireinteraction.count': 100, // default 3: the 4th ringing notification would never show
  };
}

export function firefoxPath(): string {
  return execFileSync('bash', ['-c', 'command -v firefox-esr'], { encoding: 'utf8' }).trim();
}

/** A notification on screen, as its alert window shows it. */
export interface Alert {
  title: string;
  text: string;
}

export interface FirefoxBrowser {
  browser: Browser;
  /** A new tab at url (the app), or about:blank. */
  openPage(url?: string): Promise<Page>;
  /** Runs a function body in the chrome context; its (awaited) return value comes back as JSON. */
  chrome<T>(body: string): Promise<T>;
  alerts(): Promise<Alert[]>;
  /** Waits for an alert with this title; resolves with Date.now() in the browser when it was seen. */
  waitForAlert(title: string, timeoutMs?: number): Promise<number>;
  /** A click on the alert with this title: on its body (action '') or on one of its action buttons. */
  clickAlert(title: string, action?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Firefox ESR in a fresh profile (puppeteer makes and removes it); `prefs`
 * override the push prefs. Headless unless `headless: false` (`npm run demo`
 * opens windows for a person). `acceptInsecureCerts`: the loopback test
 * certificate of a stand-in (CometChat's client API) is accepted, by pages and workers.
 */
export async function launchFirefox(
  pushServerURL: string,
  prefs: Record<string, unknown> = {},
  { headless = true, acceptInsecureCerts = false }: { headless?: boolean; acceptInsecureCerts?: boolean } = {},
): Promise<FirefoxBrowser> {
  const browser = await puppeteer.launch({
    ...(acceptInsecureCerts ? { acceptInsecureCerts: true } : {}),
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: firefoxPath(),
    headless,
    // The chrome context (alert windows) is reachable over BiDi only with this.
    args: ['--remote-allow-system-access'],
    extraPrefsFirefox: { ...pushPrefs(pushServerURL), ...prefs },
  });
  const connection = (browser as unknown as { connection: BidiConnection }).connection;

  let chromeContext: string | undefined;
  async function chrome<T>(body: string): Promise<T> {
    chromeContext ??= await findChromeContext(connection);
    const { result } = await connection.send('script.evaluate', {
      expression: `(async () => JSON.stringify(await (async () => { ${body} })() ?? null))()`,
      target: { context: chromeContext },
      awaitPromise: true,
      resultOwnership: 'none',
    });
    if (result.type === 'exception') throw new Error(`chrome script failed: ${JSON.stringify(result.exceptionDetails?.text ?? result)}`);
    return JSON.parse(String(result.result?.value)) as T;
  }

  const ff: FirefoxBrowser = {
    browser,
    async openPage(url) {
      const page = await browser.newPage();
      if (url) await page.goto(url);
      return page;
    },
    chrome,
    alerts: () =>
      chrome<Alert[]>(`
        return [...Services.wm.getEnumerator('alert:alert')].map((w) => ({
          title: w.document.getElementById('alertTitleLabel')?.value ?? '',
          text: w.document.getElementById('alertTextLabel')?.textContent ?? '',
        }));`),
    waitForAlert: (title, timeoutMs = 15_000) =>
      // Polled in the chrome context: its timers aren't throttled like a background tab's.
      handled(chrome<number>(`
        const end = Date.now() + ${timeoutMs};
        for (;;) {
          for (const w of Services.wm.getEnumerator('alert:alert')) {
            if (w.document.getElementById('alertTitleLabel')?.value === ${JSON.stringify(title)}) return Date.now();
          }
          if (Date.now() > end) throw new Error('no alert titled ' + ${JSON.stringify(JSON.stringify(title))});
          await new Promise((r) => setTimeout(r, 5));
        }`)),
    clickAlert: (title, action = '') =>
      chrome<void>(`
        const w = [...Services.wm.getEnumerator('alert:alert')].find((w) => w.document.getElementById('alertTitleLabel')?.value === ${JSON.stringify(title)});
        if (!w) throw new Error('no alert titled ' + ${JSON.stringify(JSON.stringify(title))});
        if (${JSON.stringify(action)} === '') { w.onAlertClick(); return; }
        w.gAlertListener.observe(
          { action: ${JSON.stringify(action)}, title: ${JSON.stringify(action)}, QueryInterface: ChromeUtils.generateQI(['nsIAlertAction']) },
          'alertclickcallback',
          w.gAlertCookie,
        );`),
    async close() {
      await browser.close();
    },
  };
  return ff;
}

/**
 * A wait started before the action it waits for may be abandoned when the
 * test fails first: its rejection then must not surface as an unhandled error.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

interface BidiConnection {
  send(method: string, params: object): Promise<{ result: BidiResult }>;
}

/** Loosely typed: browsingContext.getTree and script.evaluate answers. */
interface BidiResult {
  type?: string;
  contexts?: { context: string; url: string }[];
  result?: { value?: unknown };
  exceptionDetails?: { text?: string };
}

async function findChromeContext(connection: BidiConnection): Promise<string> {
  const { result } = await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
  const main = result.contexts?.find((c) => c.url === 'chrome://browser/content/browser.xhtml');
  if (!main) throw new Error(`no browser.xhtml chrome context: ${JSON.stringify(result.contexts)}`);
  return main.context;
}
