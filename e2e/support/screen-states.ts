/**
 * Every state of every screen a person can reach, set up in a real Chromium
 * (playwright-core): the accessibility suite checks each one with axe-core and
 * `npm run screenshots` photographs each one. A state starts from a fresh page.
 */
import type { Page } from 'playwright-core';
import type { IncomingCallPayload } from '../../protocol/payload';
import { emulateDevice, IPHONE_SAFARI_17, signIn } from './app-ui';
import type { startServedApp } from './served-app';
import { openAppWithWorker, until } from './worker';

type Served = Awaited<ReturnType<typeof startServedApp>>;

export interface ScreenState {
  name: string;
  /** what a person sees, for the report */
  what: string;
  /** opens the state in a new page of `page.context()`; returns the page showing it */
  open(served: Served, page: Page): Promise<Page>;
}

const ringingCard = (page: Page, state: string) => page.locator(`[data-ringing-state="${state}"]`).waitFor();

export const ringPayload = (sessionId: string, callerName = 'Ada Lovelace'): IncomingCallPayload => ({
  type: 'incoming_call', v: 1, sessionId, callerName, callerUid: 'ada', callType: 'video',
  timestamp: Date.now(), ringUntil: Date.now() + 30_000, declineToken: 'not.a.real.token',
});

/** The app (or `path`) with its worker ready, in place of `page`; notifications allowed, as a device that rings has them. */
async function appWithWorker(served: Served, page: Page, path = '/') {
  await page.context().grantPermissions(['notifications'], { origin: served.origin });
  const tab = await openAppWithWorker(page.context(), served.origin, served.origin + path);
  await page.close();
  return tab;
}

/** A ring the sender really sent to a device of `uid` (with its real decline token), handed to this page's worker. */
async function ringThroughSender(served: Served, page: Page, uid: string, sessionId: string, callerName: string): Promise<Page> {
  const tab = await appWithWorker(served, page);
  const phone = await served.addDevice(uid);
  await served.inject({
    method: 'POST',
    url: '/api/calls',
    headers: { authorization: `Bearer ${served.secrets.apiKey}` },
    payload: { recipientUid: uid, sessionId, callerName, callerUid: 'caller', callType: 'video' },
  });
  const pushed = await served.push.waitFor((p) => p.id === phone.id && (p.payload as { type?: string })?.type === 'incoming_call');
  await tab.deliver(pushed.payload as object);
  await tab.page.getByRole('alertdialog').waitFor();
  return tab.page;
}

let calls = 0;
const nextSession = (what: string) => `v1.us.states-${what}-${++calls}`;

export const CHROMIUM_STATES: ScreenState[] = [
  {
    name: 'signed-out',
    what: 'home, signed out',
    async open(served, page) {
      await page.goto(served.origin);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await ringingCard(page, 'ready');
      return page;
    },
  },
  {
    name: 'ready',
    what: 'home, signed in, ringing not on yet',
    async open(served, page) {
      await page.goto(served.origin);
      await signIn(page, 'Ada');
      await page.getByRole('button', { name: 'Enable ringing' }).waitFor();
      await page.locator('.devices, .card:has(h2:text("Your devices")) p').first().waitFor();
      return page;
    },
  },
  {
    name: 'enabling',
    what: 'home, Enable ringing pressed, waiting for the push service',
    async open(served, page) {
      await page.context().grantPermissions(['notifications'], { origin: served.origin });
      await page.goto(served.origin);
      await signIn(page, 'Ada');
      await page.getByRole('button', { name: 'Enable ringing' }).click();
      await ringingCard(page, 'enabling');
      return page;
    },
  },
  {
    name: 'blocked',
    what: 'home, notifications blocked',
    async open(served, page) {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Browser.setPermission', { permission: { name: 'notifications' }, setting: 'denied', origin: served.origin });
      await page.goto(served.origin);
      await ringingCard(page, 'blocked');
      return page;
    },
  },
  {
    name: 'error',
    what: 'home, the server out of reach',
    async open(served, page) {
      await page.route('**/api/push/public-key', (route) => route.abort('internetdisconnected'));
      await page.goto(served.origin);
      await ringingCard(page, 'error');
      return page;
    },
  },
  {
    name: 'needs-install',
    what: 'home on an iPhone in Safari',
    async open(served, page) {
      await emulateDevice(page, IPHONE_SAFARI_17);
      await page.goto(served.origin);
      await ringingCard(page, 'needs-install');
      return page;
    },
  },
  {
    name: 'unsupported',
    what: "home in Instagram's in-app browser",
    async open(served, page) {
      await emulateDevice(page, { userAgent: `${IPHONE_SAFARI_17.userAgent} Instagram 335.0.3.18.97`, maxTouchPoints: 5 });
      await page.goto(served.origin);
      await ringingCard(page, 'unsupported');
      return page;
    },
  },
  {
    name: 'install-guide',
    what: '/install on an iPhone',
    async open(served, page) {
      await emulateDevice(page, IPHONE_SAFARI_17);
      await page.goto(`${served.origin}/install`);
      await page.getByRole('heading', { name: 'Add RingKit to your Home Screen' }).waitFor();
      return page;
    },
  },
  {
    name: 'install',
    what: '/install on the desktop',
    async open(served, page) {
      await page.goto(`${served.origin}/install`);
      await page.getByRole('heading', { name: 'Install RingKit' }).waitFor();
      return page;
    },
  },
  {
    name: 'compat',
    what: '/compat with its result',
    async open(served, page) {
      await page.goto(`${served.origin}/compat`);
      await page.locator('.checks li').first().waitFor();
      await page.locator('[data-test-ring-state]:not([data-test-ring-state="checking"]), .card:has(h2:text("Send a test ring"))').first().waitFor();
      return page;
    },
  },
  {
    name: 'embed',
    what: '/embed',
    async open(served, page) {
      await page.goto(`${served.origin}/embed`);
      await page.waitForFunction(() => document.querySelector('ringkit-ringer')?.shadowRoot?.querySelector('audio') != null);
      return page;
    },
  },
  {
    name: 'ringing',
    what: 'the ringer while a call rings',
    async open(served, page) {
      const tab = await appWithWorker(served, page);
      await tab.deliver(ringPayload(nextSession('ring'), 'Grace Hopper'));
      await tab.page.getByRole('alertdialog').waitFor();
      return tab.page;
    },
  },
  {
    name: 'embed-ringing',
    what: '<ringkit-ringer> on /embed while a call rings',
    async open(served, page) {
      const tab = await appWithWorker(served, page, '/embed');
      await tab.page.waitForFunction(() => customElements.get('ringkit-ringer') !== undefined);
      await tab.deliver(ringPayload(nextSession('embed'), 'Grace Hopper'));
      await until(() => tab.page.evaluate(() => document.querySelector('ringkit-ringer')?.shadowRoot?.querySelector('[role=alertdialog]') != null), Boolean, 'the element ringing');
      return tab.page;
    },
  },
  {
    name: 'call-accept',
    what: 'the call screen after Accept (no calls service configured in this build)',
    async open(served, page) {
      const ringing = await ringThroughSender(served, page, 'ada', nextSession('accept'), 'Alan Turing');
      await ringing.getByRole('alertdialog').getByRole('button', { name: 'Accept' }).click();
      await ringing.waitForURL(/\/call\/.*action=accept/);
      await ringing.locator('[data-phase="accepted"]').waitFor();
      return ringing;
    },
  },
  {
    name: 'call-decline',
    what: 'the call screen after Decline from the notification',
    async open(served, page) {
      const sessionId = nextSession('decline');
      const ringing = await ringThroughSender(served, page, 'ada', sessionId, 'Barbara Liskov');
      await ringing.goto(`${served.origin}/call/${sessionId}?action=reject`);
      await ringing.locator('[data-phase="declined"]').waitFor();
      return ringing;
    },
  },
  {
    name: 'call-unknown',
    what: 'a call link this device does not know',
    async open(served, page) {
      await page.goto(`${served.origin}/call/v1.us.never-rang?action=open`);
      await page.locator('[data-phase="unknown"]').waitFor();
      return page;
    },
  },
];
