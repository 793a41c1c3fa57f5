import { describe, expect, it } from 'vitest';
import { detectPlatform, type Platform, type PlatformInput } from '../../src/platform/detect';
import { fullPlatform } from './compat-fixtures';

/** What a browser tab with full Web Push exposes; rows override what their platform lacks. */
const { userAgent: _, ...full } = fullPlatform;
/** iOS Safari in a tab: a service worker, but Notification exists only in a Home Screen app. */
const iosTab = { ...full, maxTouchPoints: 5, notification: false, pushManager: false, maxActions: undefined, navigatorStandalone: false };
const iosHomeScreen = { ...full, maxTouchPoints: 5, maxActions: undefined, displayMode: 'standalone' as const, navigatorStandalone: true };

const UA = {
  ios163: 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.3 Mobile/15E148 Safari/604.1',
  ios164: 'Mozilla/5.0 (iPhone; CPU iPhone OS 16_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.4 Mobile/15E148 Safari/604.1',
  ios175HomeScreen: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  ios26: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
  ipadDesktop: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  ipad15Desktop: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Safari/605.1.15',
  chromeIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1',
  firefoxIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/127.0 Mobile/15E148 Safari/605.1.15',
  androidChrome: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
  samsung: 'Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  headlessChromium: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.56',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0',
  firefoxAndroid: 'Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  instagramIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 335.0.3.18.97 (iPhone14,5; iOS 17_5; en_US; en; scale=3.00; 1170x2532; 609348426)',
  facebookAndroid: 'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP1A.240505.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/466.0.0.53.108;]',
  tiktokIos: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_34.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US',
  androidWebview: 'Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36',
  iosAppWebview: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
};

type Row = [string, PlatformInput, Partial<Platform> & Pick<Platform, 'verdict'>];
const rows: Row[] = [
  ['iOS 16.3 Safari in a tab', { ...iosTab, userAgent: UA.ios163 }, { os: { name: 'ios', version: { major: 16, minor: 3 } }, verdict: { kind: 'cannot-ring', reason: 'ios-too-old' } }],
  ['iOS 16.4 Safari in a tab', { ...iosTab, userAgent: UA.ios164 }, { os: { name: 'ios', version: { major: 16, minor: 4 } }, browser: { name: 'safari', version: 16 }, standalone: false, verdict: { kind: 'needs-install' } }],
  ['iOS 17.5 Home Screen app', { ...iosHomeScreen, userAgent: UA.ios175HomeScreen }, { os: { name: 'ios', version: { major: 17, minor: 5 } }, standalone: true, verdict: { kind: 'can-ring', actions: false } }],
  ['iOS Home Screen app reporting display-mode fullscreen', { ...iosHomeScreen, navigatorStandalone: undefined, displayMode: 'fullscreen', userAgent: UA.ios175HomeScreen }, { standalone: true, verdict: { kind: 'can-ring', actions: false } }],
  ['iOS 26 Safari (frozen OS version in the UA)', { ...iosTab, userAgent: UA.ios26 }, { os: { name: 'ios', version: { major: 26, minor: 0 } }, verdict: { kind: 'needs-install' } }],
  ['iPadOS 17 asking for desktop sites (Mac UA, touch)', { ...iosTab, userAgent: UA.ipadDesktop }, { os: { name: 'ipados', version: { major: 17, minor: 2 } }, verdict: { kind: 'needs-install' } }],
  ['iPadOS 15 asking for desktop sites', { ...iosTab, userAgent: UA.ipad15Desktop }, { os: { name: 'ipados', version: { major: 15, minor: 6 } }, verdict: { kind: 'cannot-ring', reason: 'ios-too-old' } }],
  ['Chrome on iOS', { ...iosTab, userAgent: UA.chromeIos }, { os: { name: 'ios', version: { major: 17, minor: 5 } }, browser: { name: 'chrome', version: 126 }, verdict: { kind: 'needs-install' } }],
  ['Firefox on iOS', { ...iosTab, userAgent: UA.firefoxIos }, { browser: { name: 'firefox', version: 127 }, verdict: { kind: 'needs-install' } }],
  ['Android Chrome', { ...full, maxTouchPoints: 5, userAgent: UA.androidChrome }, { os: { name: 'android', version: { major: 10, minor: 0 } }, browser: { name: 'chrome', version: 126 }, verdict: { kind: 'can-ring', actions: true } }],
  ['Samsung Internet', { ...full, maxTouchPoints: 5, userAgent: UA.samsung }, { os: { name: 'android', version: { major: 13, minor: 0 } }, browser: { name: 'samsung', version: 25 }, verdict: { kind: 'can-ring', actions: true } }],
  ['desktop Chrome', { ...full, userAgent: UA.chromeWindows }, { os: { name: 'windows' }, browser: { name: 'chrome', version: 126 }, verdict: { kind: 'can-ring', actions: true } }],
  ['headless Chromium (automation)', { ...full, userAgent: UA.headlessChromium }, { os: { name: 'linux' }, browser: { name: 'chrome', version: 156 }, verdict: { kind: 'can-ring', actions: true } }],
  ['Edge', { ...full, userAgent: UA.edge }, { browser: { name: 'edge', version: 126 }, verdict: { kind: 'can-ring', actions: true } }],
  ['desktop Firefox', { ...full, userAgent: UA.firefoxLinux }, { os: { name: 'linux' }, browser: { name: 'firefox', version: 153 }, verdict: { kind: 'can-ring', actions: true } }],
  ['Firefox before notification actions', { ...full, maxActions: 0, userAgent: UA.firefoxLinux }, { verdict: { kind: 'can-ring', actions: false } }],
  ['Firefox on Android', { ...full, maxTouchPoints: 5, userAgent: UA.firefoxAndroid }, { os: { name: 'android', version: { major: 14, minor: 0 } }, browser: { name: 'firefox', version: 128 }, verdict: { kind: 'can-ring', actions: true } }],
  ['Safari on macOS', { ...full, maxActions: undefined, declarativePush: true, userAgent: UA.safariMac }, { os: { name: 'macos' }, browser: { name: 'safari', version: 17 }, declarativePush: true, verdict: { kind: 'can-ring', actions: false } }],
  ['Instagram on iOS', { ...iosTab, userAgent: UA.instagramIos }, { inApp: 'instagram', verdict: { kind: 'cannot-ring', reason: 'in-app-browser' } }],
  ['Facebook on Android', { ...full, pushManager: false, userAgent: UA.facebookAndroid }, { inApp: 'facebook', verdict: { kind: 'cannot-ring', reason: 'in-app-browser' } }],
  ['TikTok on iOS', { ...iosTab, userAgent: UA.tiktokIos }, { inApp: 'tiktok', verdict: { kind: 'cannot-ring', reason: 'in-app-browser' } }],
  ["an Android app's WebView", { ...full, pushManager: false, userAgent: UA.androidWebview }, { inApp: 'webview', verdict: { kind: 'cannot-ring', reason: 'in-app-browser' } }],
  ["an iOS app's WKWebView", { ...iosTab, userAgent: UA.iosAppWebview }, { inApp: 'webview', verdict: { kind: 'cannot-ring', reason: 'in-app-browser' } }],
  ['a page on plain http (not localhost)', { ...full, secureContext: false, userAgent: UA.chromeWindows }, { verdict: { kind: 'cannot-ring', reason: 'insecure-context' } }],
  ['a browser without the Push API', { ...full, pushManager: false, userAgent: UA.chromeWindows }, { verdict: { kind: 'cannot-ring', reason: 'no-push' } }],
];

describe('platform detection', () => {
  it.each(rows)('%s', (_name, input, expected) => {
    expect(detectPlatform(input)).toMatchObject(expected);
  });

  it('says a desktop installed app is standalone, and the same browser in a tab is not', () => {
    expect(detectPlatform({ ...full, displayMode: 'standalone', userAgent: UA.chromeWindows }).standalone).toBe(true);
    expect(detectPlatform({ ...full, displayMode: 'minimal-ui', userAgent: UA.chromeWindows }).standalone).toBe(false);
  });
});
