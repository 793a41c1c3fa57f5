/**
 * The ringer in a real Chromium: pushes reach the app's real worker (over CDP,
 * support/worker.ts), the worker tells the open tabs, and the widget rings
 * with the real ringtone. Joining goes to a fake calls adapter (CometChat's
 * cloud is out of reach), installed the way a host app would replace it.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallEndedPayload, IncomingCallPayload } from '../protocol/payload';
import type { CallsAdapter, JoinOptions } from '../src/calls/adapter';
import { launchChromium } from './support/chromium';
import { startServedApp } from './support/served-app';
import { openAppWithWorker, until, type AppWorker } from './support/worker';

let served: Awaited<ReturnType<typeof startServedApp>>;
let context: BrowserContext;
let tab: AppWorker;

/** A calls adapter that records joins and renders a stand-in for the call. */
function installFakeCallsAdapter(): void {
  const w = window as unknown as { joined: string[]; ringkitCallsAdapter: CallsAdapter };
  w.joined = [];
  w.ringkitCallsAdapter = {
    name: 'fake',
    missing: () => [],
    async join({ sessionId, container }: JoinOptions) {
      w.joined.push(sessionId);
      container.textContent = `fake call ${sessionId}`;
      return { async leave() {} };
    },
  };
}

interface RingerView {
  dialog: boolean;
  name: string | null;
  sound: string | null;
  playing: boolean;
  focused: string | null;
  live: string;
}

/** What the page's ringer shows and plays: the app's own, or <ringkit-ringer>'s in its shadow root. */
function ringerView(page: Page): Promise<RingerView> {
  return page.evaluate(() => {
    const root: Document | ShadowRoot = document.querySelector('ringkit-ringer')?.shadowRoot ?? document;
    const audio = root.querySelector<HTMLAudioElement>('audio[data-ringkit-ringtone]');
    const dialog = root.querySelector('[role=alertdialog]');
    return {
      dialog: dialog !== null,
      name: dialog?.querySelector('h2')?.textContent ?? null,
      sound: dialog?.getAttribute('data-sound') ?? null,
      playing: audio !== null && !audio.paused && audio.currentTime > 0,
      focused: (root.activeElement as HTMLElement | null)?.textContent ?? null,
      live: root.querySelector('.rk-visually-hidden[aria-live]')?.textContent ?? '',
    };
  });
}

const settled = (v: RingerView) => v.sound !== 'claiming' && v.sound !== 'starting';

const ring = (sessionId: string, callerName = 'Ada Lovelace'): IncomingCallPayload => ({
  type: 'incoming_call', v: 1, sessionId, callerName, callerUid: 'ada', callType: 'video',
  timestamp: Date.now(), ringUntil: Date.now() + 30_000, declineToken: 'not.a.real.token',
});
const ended = (sessionId: string): CallEndedPayload => ({ type: 'call_ended', v: 1, sessionId, reason: 'cancelled', timestamp: Date.now() });

beforeAll(async () => {
  served = await startServedApp();
  // Chromium's autoplay policy would wait for a tap; that path has its own test below.
  context = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
  await context.grantPermissions(['notifications'], { origin: served.origin });
  await context.addInitScript(installFakeCallsAdapter);
  tab = await openAppWithWorker(context, served.origin);
});

afterAll(async () => {
  await context?.close();
  await served?.close();
});

describe('the ringer in an open tab', () => {
  it('rings with the ringtone for an incoming call, as an alert dialog that takes focus', async () => {
    const name = 'Ada <img src=x onerror="window.pwned=1">';
    await tab.deliver(ring('v1.us.ring', name));
    const view = await until(() => ringerView(tab.page), (v) => v.playing, 'the ringtone playing');
    expect(view).toMatchObject({ dialog: true, sound: 'playing', focused: 'Accept', live: `Incoming video call from ${name}` });
    // The caller's name is text, never markup.
    expect(view.name).toBe(name);
    expect(await tab.page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await expect(tab.page.getByRole('alertdialog').getByRole('img').count()).resolves.toBe(0);
  });

  it('stops ringing when the call ends', async () => {
    await tab.deliver(ended('v1.us.ring'));
    const view = await until(() => ringerView(tab.page), (v) => !v.dialog && !v.playing, 'the ringer gone and silent');
    expect(view).toMatchObject({ dialog: false, playing: false });
  });

  it("shows the caller's initials and covers the page behind, which cannot be clicked while it rings", async () => {
    await tab.deliver(ring('v1.us.backdrop', 'Grace Brewster Hopper'));
    await until(() => ringerView(tab.page), (v) => v.dialog, 'the ringer');
    expect(await tab.page.locator('.rk-ringer-avatar').textContent()).toBe('GH');
    // What a click on the page's "Compatibility" link would hit: the backdrop, not the link.
    const hit = await tab.page.evaluate(() => {
      const link = document.querySelector<HTMLElement>('a[href="/compat"]')!.getBoundingClientRect();
      return document.elementFromPoint(link.x + link.width / 2, link.y + link.height / 2)?.className;
    });
    expect(hit).toBe('rk-ringer-backdrop');
    await tab.deliver(ended('v1.us.backdrop'));
    await until(() => ringerView(tab.page), (v) => !v.dialog, 'the ringer gone');
    expect(await tab.page.locator('.rk-ringer-backdrop').count()).toBe(0);
  });
});

describe('two tabs of the app', () => {
  it('ring once: one plays the ringtone, the other shows the call silently; Accept in one joins the call and clears the other', async () => {
    const other = await openAppWithWorker(context, served.origin);
    try {
      await tab.deliver(ring('v1.us.two-tabs'));
      const views = await Promise.all(
        [tab.page, other.page].map((p) => until(() => ringerView(p), (v) => v.dialog && settled(v) && (v.sound !== 'playing' || v.playing), 'a settled ringer')),
      );
      expect(views.map((v) => v.sound).sort()).toEqual(['playing', 'silent']);
      expect(views.filter((v) => v.playing)).toHaveLength(1);

      const [ringing, silent] = views[0]!.playing ? [tab.page, other.page] : [other.page, tab.page];
      await ringing.getByRole('alertdialog').getByRole('button', { name: 'Accept' }).click();
      await ringing.waitForURL(`${served.origin}/call/v1.us.two-tabs?action=accept`);
      await until(() => ringing.getByTestId('call-stage').textContent(), (t) => t === 'fake call v1.us.two-tabs', 'the call joined');
      expect(await ringing.evaluate(() => (window as unknown as { joined: string[] }).joined)).toEqual(['v1.us.two-tabs']);
      await expect(ringing.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('In call with Ada Lovelace');
      await until(() => ringerView(silent), (v) => !v.dialog, 'the other tab clearing the call');
      expect((await ringerView(ringing)).playing).toBe(false);
    } finally {
      await other.page.close();
    }
  });
});

describe('Decline in the ringer', () => {
  it('declines through the sender, which stops the ringing on the user’s other devices', async () => {
    await tab.page.goto(served.origin);
    const phone = await served.addDevice('grace');
    const rung = await served.inject({
      method: 'POST',
      url: '/api/calls',
      headers: { authorization: `Bearer ${served.secrets.apiKey}` },
      payload: { recipientUid: 'grace', sessionId: 'v1.us.decline', callerName: 'Alan Turing', callerUid: 'alan', callType: 'audio' },
    });
    expect(rung.statusCode).toBe(200);
    // The very payload the sender encrypted for Grace's devices, with its real decline token.
    const pushed = await served.push.waitFor((p) => p.id === phone.id && (p.payload as { type?: string })?.type === 'incoming_call');
    await tab.deliver(pushed.payload as object);
    await until(() => ringerView(tab.page), (v) => v.playing, 'the ringtone playing');

    await tab.page.getByRole('alertdialog').getByRole('button', { name: 'Decline' }).click();
    const stop = await served.push.waitFor((p) => p.id === phone.id && (p.payload as { type?: string })?.type === 'call_ended');
    expect(stop.payload).toMatchObject({ sessionId: 'v1.us.decline', reason: 'declined' });
    const view = await until(() => ringerView(tab.page), (v) => v.live === 'Declined the call from Alan Turing', 'the decline announced');
    expect(view).toMatchObject({ dialog: false, playing: false });
  });

  it('on the call screen (?action=reject, as the notification opens it) declines and says so', async () => {
    const phone = await served.addDevice('linus');
    await served.inject({
      method: 'POST',
      url: '/api/calls',
      headers: { authorization: `Bearer ${served.secrets.apiKey}` },
      payload: { recipientUid: 'linus', sessionId: 'v1.us.screen-decline', callerName: 'Barbara Liskov', callerUid: 'barbara', callType: 'video' },
    });
    const pushed = await served.push.waitFor((p) => p.id === phone.id && (p.payload as { type?: string })?.type === 'incoming_call');
    await tab.deliver(pushed.payload as object); // the worker records the call and its decline token
    await until(() => ringerView(tab.page), (v) => v.dialog, 'the ring');
    await tab.page.goto(`${served.origin}/call/v1.us.screen-decline?action=reject`);
    await until(() => tab.page.getByRole('heading', { level: 1 }).textContent(), (t) => t === 'You declined the call from Barbara Liskov', 'the decline');
    await expect(tab.page.getByText('Barbara Liskov has been told.').count()).resolves.toBe(1);
    const stop = await served.push.waitFor((p) => p.id === phone.id && (p.payload as { type?: string })?.type === 'call_ended');
    expect(stop.payload).toMatchObject({ sessionId: 'v1.us.screen-decline', reason: 'declined' });
  });
});

describe('<ringkit-ringer> on /embed, loaded from its own library', () => {
  it('rings with sound, emits accept, and opens the call screen that joins the call', async () => {
    await tab.page.goto(`${served.origin}/embed`);
    await tab.page.waitForFunction(() => customElements.get('ringkit-ringer') !== undefined);
    await tab.deliver(ring('v1.us.embed', 'Grace Hopper'));
    const view = await until(() => ringerView(tab.page), (v) => v.playing, 'the element ringing');
    expect(view).toMatchObject({ name: 'Grace Hopper', focused: 'Accept' });

    // The element's default action navigates: the event is recorded where the next page can read it.
    await tab.page.evaluate(() =>
      document.querySelector('ringkit-ringer')!.addEventListener('accept', (e) => sessionStorage.setItem('accepted', (e as CustomEvent<{ sessionId: string }>).detail.sessionId)),
    );
    await tab.page.getByRole('alertdialog').getByRole('button', { name: 'Accept' }).click();
    await tab.page.waitForURL(`${served.origin}/call/v1.us.embed?action=accept`);
    expect(await tab.page.evaluate(() => sessionStorage.getItem('accepted'))).toBe('v1.us.embed');
    await until(() => tab.page.getByTestId('call-stage').textContent(), (t) => t === 'fake call v1.us.embed', 'the call joined');
  });

  it('keyboard: Escape silences the ringer without declining', async () => {
    await tab.page.goto(`${served.origin}/embed`);
    await tab.page.waitForFunction(() => customElements.get('ringkit-ringer') !== undefined);
    await tab.deliver(ring('v1.us.escape'));
    await until(() => ringerView(tab.page), (v) => v.playing, 'the element ringing');
    await tab.page.keyboard.press('Escape');
    await until(() => ringerView(tab.page), (v) => !v.dialog, 'the ringer gone');
    await until(() => tab.page.getByTestId('ringer-events').textContent(), (t) => t === 'dismissed: Ada Lovelace (v1.us.escape), silenced', 'the dismissed event');
  });
});

/**
 * Headless Chromium plays media without a user gesture whatever
 * --autoplay-policy says. This puts desktop Chrome's default rule back on top
 * of the real play(): no sound before the user pressed something on the page.
 * (Not navigator.userActivation: Playwright's evaluate() counts as a gesture.)
 */
function emulateDesktopAutoplayPolicy(): void {
  let activated = false;
  for (const type of ['pointerdown', 'keydown']) addEventListener(type, (e) => void (activated ||= e.isTrusted), true);
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
    if (!activated) return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
    return play.call(this);
  };
}

describe('a browser as users have it: autoplay needs a tap, no calls adapter but CometChat’s', () => {
  let strict: BrowserContext;
  let quiet: AppWorker;
  const requested: string[] = [];
  beforeAll(async () => {
    strict = await launchChromium();
    await strict.addInitScript(emulateDesktopAutoplayPolicy);
    await strict.grantPermissions(['notifications'], { origin: served.origin });
    strict.on('request', (r) => requested.push(new URL(r.url()).pathname));
    quiet = await openAppWithWorker(strict, served.origin);
  });
  afterAll(async () => strict?.close());

  it('shows the call with "Tap to enable sound", and rings once tapped', async () => {
    await quiet.deliver(ring('v1.us.tap'));
    const view = await until(() => ringerView(quiet.page), (v) => v.sound === 'blocked', 'autoplay refused');
    expect(view.playing).toBe(false);
    await quiet.page.getByRole('button', { name: 'Tap to enable sound' }).click();
    await until(() => ringerView(quiet.page), (v) => v.playing, 'the ringtone playing after the tap');
  });

  it('never loads a CometChat SDK for the app shell; without CometChat, Accept says the caller was told and leaves the settings to the console', async () => {
    expect(requested.some((p) => /^\/assets\/index-.*\.js$/.test(p)), 'the shell’s requests are seen').toBe(true);
    expect(requested.filter((p) => p.includes('cometchat'))).toEqual([]);
    const console: string[] = [];
    quiet.page.on('console', (m) => console.push(m.text()));
    await quiet.page.goto(`${served.origin}/call/v1.us.tap?action=accept`);
    await quiet.page.locator('[data-phase="accepted"]').waitFor();
    expect(await quiet.page.locator('.call').innerText()).toMatch(/^Call accepted\s+Ada Lovelace has been told you accepted\.\s+Back to RingKit$/);
    // This build has no VITE_COMETCHAT_* and no user's auth token was handed over: a developer's matter.
    const told = console.find((line) => line.includes('cannot be joined yet')) ?? '';
    expect(told).toContain('VITE_COMETCHAT_APP_ID');
    expect(told).toContain('CometChat auth token');
    expect(requested.filter((p) => p.includes('cometchat'))).toEqual([]);
  });
});
