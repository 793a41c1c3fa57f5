import { describe, expect, it } from 'vitest';
import { evaluateCompat, type Check, type CheckId, type CompatFacts } from '../../src/compat/checks';
import { chromium, fullPlatform } from './compat-fixtures';

const UA = {
  chromeLinux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0',
  firefoxLinux140: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:153.0) Gecko/20100101 Firefox/153.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.4 Safari/605.1.15',
  ios175: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  ios163: 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.3 Mobile/15E148 Safari/604.1',
  ios184HomeScreen: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
};

const firefox = (userAgent = UA.firefoxLinux): CompatFacts => ({
  ...chromium,
  platform: { ...fullPlatform, userAgent, maxActions: undefined },
  badging: false,
});
const iosTab: CompatFacts = {
  ...chromium,
  platform: { ...fullPlatform, userAgent: UA.ios175, maxTouchPoints: 5, notification: false, pushManager: false, maxActions: undefined, navigatorStandalone: false },
  contentEncodings: undefined,
  permission: 'unsupported',
  badging: false,
};

const byId = (checks: Check[], id: CheckId): Check => {
  const found = checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
};
const statusOf = (facts: CompatFacts) => {
  const { checks } = evaluateCompat(facts);
  return (id: CheckId) => byId(checks, id);
};

describe('the verdict', () => {
  it.each<[string, CompatFacts, string, string]>([
    ['Chromium with notification actions', chromium, 'rings-with-actions', 'This browser rings with Accept/Decline'],
    ['Firefox 153 (actions documented from 152)', firefox(), 'rings-with-actions', 'This browser rings with Accept/Decline'],
    ['Firefox 140 (no actions yet)', firefox(UA.firefoxLinux140), 'rings-without-actions', 'Rings, without Accept/Decline buttons'],
    ['Safari on macOS', { ...chromium, platform: { ...fullPlatform, userAgent: UA.safariMac, maxActions: undefined, declarativePush: true } }, 'rings-without-actions', 'Rings, without Accept/Decline buttons'],
    ['Safari on iPhone in a tab', iosTab, 'needs-install', 'Rings only when installed to the Home Screen'],
    [
      'an iPhone Home Screen app',
      { ...chromium, platform: { ...iosTab.platform, userAgent: UA.ios184HomeScreen, notification: true, pushManager: true, navigatorStandalone: true, displayMode: 'standalone', declarativePush: true } },
      'rings-without-actions',
      'Rings, without Accept/Decline buttons',
    ],
    ['iOS 16.3', { ...iosTab, platform: { ...iosTab.platform, userAgent: UA.ios163 } }, 'cannot-ring', 'Cannot ring'],
    ['plain http', { ...chromium, platform: { ...fullPlatform, secureContext: false } }, 'cannot-ring', 'Cannot ring'],
    ['notifications blocked', { ...chromium, permission: 'denied' }, 'blocked', 'Cannot ring until notifications are allowed'],
    ['a worker that never started', { ...chromium, workerActive: false }, 'cannot-ring', 'Cannot ring'],
    ['no aes128gcm', { ...chromium, contentEncodings: ['aesgcm'] }, 'cannot-ring', 'Cannot ring'],
  ])('%s', (_name, facts, kind, headline) => {
    expect(evaluateCompat(facts).verdict).toMatchObject({ kind, headline });
  });

  it('says why it cannot ring, with the next step', () => {
    expect(evaluateCompat({ ...chromium, contentEncodings: ['aesgcm'] }).verdict.detail).toContain('aes128gcm');
    expect(evaluateCompat({ ...iosTab, platform: { ...iosTab.platform, userAgent: UA.ios163 } }).verdict.detail).toMatch(/16\.4.*Software Update/);
    expect(evaluateCompat({ ...chromium, permission: 'denied' }).verdict.detail).toContain('Site settings → Notifications → Allow');
  });

  it("keeps a browser's verdict when only its push service is out of reach, and says so", () => {
    const offline = evaluateCompat({ ...chromium, subscription: { state: 'failed', detail: 'no answer from the push service within 15 s' } });
    expect(offline.verdict.kind).toBe('rings-with-actions');
    expect(offline.verdict.detail).toContain("Google's push service (FCM)");
    expect(byId(offline.checks, 'push-subscription')).toMatchObject({ status: 'fail', observed: 'subscribe failed: no answer from the push service within 15 s' });
  });
});

describe('the checks', () => {
  it('judge every feature once, each with what it means for ringing', () => {
    const { checks } = evaluateCompat(chromium);
    expect(checks.map((c) => c.id)).toEqual([
      'secure-context',
      'service-worker',
      'push-manager',
      'content-encoding',
      'push-subscription',
      'notification',
      'permission',
      'actions',
      'incoming-call',
      'require-interaction',
      'vibrate',
      'badging',
      'home-screen',
      'declarative-push',
      'indexeddb',
      'broadcast-channel',
      'audio-autoplay',
    ]);
    for (const c of checks) {
      expect(c.meaning.length).toBeGreaterThan(10);
      expect(c.observed.length).toBeGreaterThan(0);
    }
  });

  it('measure what the browser exposes in Chromium', () => {
    const check = statusOf(chromium);
    expect(check('actions')).toMatchObject({ status: 'pass', source: 'measured', observed: 'Notification.maxActions = 2' });
    expect(check('content-encoding')).toMatchObject({ status: 'pass', observed: 'supportedContentEncodings = [aes128gcm, aesgcm]' });
    expect(check('permission')).toMatchObject({ status: 'limited', observed: 'Notification.permission = default' });
    expect(check('badging')).toMatchObject({ status: 'pass', source: 'measured' });
    expect(check('push-subscription').status).toBe('limited');
  });

  it('take what cannot be detected from documented data, and label it so', () => {
    const chrome = statusOf(chromium);
    expect(chrome('require-interaction')).toMatchObject({ status: 'pass', source: 'documented' });
    // Linux: vibrate is documented to do nothing off Android, and a desktop has nothing to vibrate.
    expect(chrome('vibrate')).toMatchObject({ status: 'info', source: 'documented' });
    expect(statusOf({ ...chromium, platform: { ...fullPlatform, userAgent: UA.chromeAndroid } })('vibrate').status).toBe('pass');

    const ff = statusOf(firefox());
    expect(ff('actions')).toMatchObject({ status: 'pass', source: 'documented' });
    expect(ff('actions').observed).toContain('152+');
    expect(ff('require-interaction')).toMatchObject({ status: 'limited', source: 'documented' });
    expect(ff('require-interaction').observed).toContain('Windows only');
    expect(statusOf(firefox(UA.firefoxWindows))('require-interaction').status).toBe('pass');

    const safari = statusOf({ ...chromium, platform: { ...fullPlatform, userAgent: UA.safariMac, maxActions: undefined } });
    expect(safari('actions')).toMatchObject({ status: 'limited', source: 'documented' });
    expect(safari('require-interaction').status).toBe('limited');
  });

  it('say when the browser does not list its encodings, from documented data', () => {
    expect(statusOf({ ...chromium, contentEncodings: undefined })('content-encoding')).toMatchObject({ status: 'info', source: 'documented' });
  });

  it('tell an iPhone in a tab to add the app to the Home Screen', () => {
    const check = statusOf(iosTab);
    expect(check('home-screen')).toMatchObject({ status: 'fail', observed: 'iOS 17.5, in a browser tab' });
    expect(check('home-screen').meaning).toContain('Add to Home Screen');
    expect(check('notification').meaning).toContain('Home Screen');
    expect(check('push-manager').status).toBe('fail');
  });

  it('count what only degrades the ring as limited, never failed', () => {
    const check = statusOf({ ...chromium, indexedDb: 'fails', broadcastChannel: false, audioAutoplay: 'muted-only', badging: false });
    for (const id of ['indexeddb', 'audio-autoplay'] as const) expect(check(id).status).toBe('limited');
    expect(check('audio-autoplay').meaning).toContain('tapped');
    expect(evaluateCompat({ ...chromium, audioAutoplay: 'blocked' }).verdict.kind).toBe('rings-with-actions');
  });

  it('call what ringing does not need "not needed" rather than limited', () => {
    const check = statusOf({ ...chromium, broadcastChannel: false, badging: false });
    for (const id of ['broadcast-channel', 'badging', 'declarative-push', 'vibrate', 'incoming-call'] as const) expect(check(id).status).toBe('info');
    // A phone that cannot vibrate the ring is another matter.
    const android = { ...chromium, platform: { ...fullPlatform, userAgent: UA.chromeAndroid } };
    expect(statusOf({ ...android, platform: { ...android.platform, userAgent: UA.chromeAndroid.replace('Android 10', 'Android 14') } })('vibrate').status).not.toBe('info');
  });

  it("names the push service a failed subscribe needed: Mozilla's for Firefox", () => {
    const check = statusOf({ ...firefox(), subscription: { state: 'failed', detail: 'AbortError' } });
    expect(check('push-subscription').meaning).toContain("Mozilla's push service");
  });

  it('show where a subscribed device is subscribed', () => {
    expect(statusOf({ ...chromium, subscription: { state: 'subscribed', endpointOrigin: 'https://127.0.0.1:4430' } })('push-subscription')).toMatchObject({
      status: 'pass',
      observed: 'subscribed at https://127.0.0.1:4430',
    });
  });
});

describe('which ring the browser gets', () => {
  const ring = (facts: CompatFacts) => evaluateCompat(facts).ring;
  const withScenario = (facts: CompatFacts): CompatFacts => ({ ...facts, notificationOptions: { ...facts.notificationOptions, scenario: true } });
  const installed = (facts: CompatFacts): CompatFacts => ({ ...facts, platform: { ...facts.platform, displayMode: 'standalone' } });

  it('the incoming-call scenario where the browser has it and the app is installed, measured', () => {
    expect(ring(installed(withScenario(chromium)))).toMatchObject({ kind: 'incoming-call', label: 'Incoming-call notification', source: 'measured' });
    expect(statusOf(withScenario(chromium))('incoming-call')).toMatchObject({ status: 'pass', observed: "'scenario' in Notification.prototype = true" });
  });

  it('Accept/Decline in a tab of a browser that has the scenario, saying that installing makes it a call', () => {
    const r = ring(withScenario(chromium));
    expect(r).toMatchObject({ kind: 'actions', source: 'measured' });
    expect(r.detail).toContain('Installed, this browser shows it as an incoming call');
  });

  it('a notification with Accept/Decline in Chrome, measured, and in Firefox, documented', () => {
    expect(ring(chromium)).toMatchObject({ kind: 'actions', label: 'Notification with Accept/Decline', source: 'measured' });
    expect(ring(chromium).detail).not.toContain('Installed');
    expect(ring(firefox())).toMatchObject({ kind: 'actions', source: 'documented' });
  });

  it('the declarative fallback in Safari 18.4+, measured', () => {
    const safari: CompatFacts = { ...chromium, platform: { ...fullPlatform, userAgent: UA.safariMac, maxActions: undefined, declarativePush: true } };
    expect(ring(safari)).toMatchObject({ kind: 'declarative', label: 'Notification, with the Declarative Web Push fallback', source: 'measured' });
    expect(statusOf(safari)('declarative-push').status).toBe('pass');
  });

  it('a plain notification where there are neither buttons nor the fallback (Firefox before 152, documented)', () => {
    expect(ring(firefox(UA.firefoxLinux140))).toMatchObject({ kind: 'plain', label: 'Plain notification', source: 'documented' });
  });

  it('no ring where the browser cannot ring', () => {
    expect(ring({ ...chromium, platform: { ...fullPlatform, pushManager: false } })).toMatchObject({ kind: 'none' });
    expect(ring(iosTab)).toMatchObject({ kind: 'none', label: 'No ring' });
    expect(ring(iosTab).detail).toContain('Add to Home Screen');
  });
});
