/**
 * What this browser is and whether it can ring: a pure function of what the
 * page can observe, so every platform in the support table is unit-tested.
 */

export type OsName = 'ios' | 'ipados' | 'android' | 'macos' | 'windows' | 'linux' | 'chromeos' | 'other';
export type BrowserName = 'safari' | 'chrome' | 'edge' | 'firefox' | 'samsung' | 'opera' | 'other';
export type InAppBrowser = 'facebook' | 'instagram' | 'messenger' | 'line' | 'tiktok' | 'snapchat' | 'linkedin' | 'twitter' | 'wechat' | 'google-app' | 'webview';

/** Everything detection reads; `readPlatformInput()` (environment.ts) fills it from the real browser. */
export interface PlatformInput {
  userAgent: string;
  maxTouchPoints: number;
  /** `navigator.standalone` (iOS Safari only) */
  navigatorStandalone?: boolean;
  /** matchMedia('(display-mode: …)'): iOS may report fullscreen for a manifest that asks for standalone */
  displayMode: 'standalone' | 'fullscreen' | 'minimal-ui' | 'browser';
  secureContext: boolean;
  serviceWorker: boolean;
  pushManager: boolean;
  notification: boolean;
  /** Notification.maxActions; undefined where the browser does not say */
  maxActions?: number;
  /** `'pushManager' in window` (Declarative Web Push, Safari 18.4+) */
  declarativePush: boolean;
}

export interface Version {
  major: number;
  minor: number;
}

export type Verdict =
  /** subscribe and ring; `actions` says whether Accept/Decline show on the notification */
  | { kind: 'can-ring'; actions: boolean }
  /** iOS/iPadOS 16.4+ in a tab: Web Push works only once added to the Home Screen */
  | { kind: 'needs-install' }
  | { kind: 'cannot-ring'; reason: 'insecure-context' | 'ios-too-old' | 'in-app-browser' | 'no-push' };

export interface Platform {
  os: { name: OsName; version?: Version };
  browser: { name: BrowserName; version?: number };
  inApp?: InAppBrowser;
  /** running as an installed app (Home Screen, desktop PWA window) */
  standalone: boolean;
  declarativePush: boolean;
  verdict: Verdict;
}

const IN_APP: readonly [RegExp, InAppBrowser][] = [
  [/\bFBAN\/Messenger|\bMessengerForiOS|\bFB_IAB\/MESSENGER/i, 'messenger'],
  [/\bInstagram\b/i, 'instagram'],
  [/\bFBAN\/|\bFBAV\/|\bFB_IAB\//, 'facebook'],
  [/\bLine\//, 'line'],
  [/\bmusical_ly|\bBytedanceWebview|\bTikTok/i, 'tiktok'],
  [/\bSnapchat/i, 'snapchat'],
  [/\bLinkedInApp/i, 'linkedin'],
  [/\bTwitter(?:Android)?\b/, 'twitter'],
  [/\bMicroMessenger\//, 'wechat'],
  [/\bGSA\/\d/, 'google-app'],
];

export const IOS_PUSH_MIN: Version = { major: 16, minor: 4 };

export function detectPlatform(input: PlatformInput): Platform {
  const ua = input.userAgent;
  const os = detectOs(ua, input.maxTouchPoints);
  const browser = detectBrowser(ua, os.name);
  const standalone =
    input.navigatorStandalone === true || input.displayMode === 'standalone' || input.displayMode === 'fullscreen';
  const inApp = detectInApp(ua, os.name, standalone);
  const platform: Platform = { os, browser, standalone, declarativePush: input.declarativePush, verdict: { kind: 'cannot-ring', reason: 'no-push' } };
  if (inApp) platform.inApp = inApp;
  platform.verdict = verdictFor(platform, input);
  return platform;
}

function verdictFor(p: Platform, input: PlatformInput): Verdict {
  if (!input.secureContext) return { kind: 'cannot-ring', reason: 'insecure-context' };
  if (p.inApp) return { kind: 'cannot-ring', reason: 'in-app-browser' };
  const apple = p.os.name === 'ios' || p.os.name === 'ipados';
  if (apple) {
    if (p.os.version && compareVersions(p.os.version, IOS_PUSH_MIN) < 0) return { kind: 'cannot-ring', reason: 'ios-too-old' };
    // Notification and PushManager appear only inside a Home Screen app.
    if (!p.standalone) return { kind: 'needs-install' };
  }
  if (!input.serviceWorker || !input.pushManager || !input.notification) return { kind: 'cannot-ring', reason: 'no-push' };
  return { kind: 'can-ring', actions: (input.maxActions ?? 0) > 0 };
}

function detectOs(ua: string, maxTouchPoints: number): Platform['os'] {
  const ios = /\b(iPhone|iPod|iPad)\b.*? OS (\d+)[_.](\d+)/.exec(ua);
  if (ios) {
    const osVersion = version(ios[2], ios[3]);
    // iOS 26 froze the OS version in the UA; Safari's own version follows the OS again.
    const safari = /\bVersion\/(\d+)\.(\d+)/.exec(ua);
    const v = safari && compareVersions(version(safari[1], safari[2]), osVersion) > 0 ? version(safari[1], safari[2]) : osVersion;
    return { name: ios[1] === 'iPad' ? 'ipados' : 'ios', version: v };
  }
  if (/\bAndroid\b/.test(ua)) {
    const m = /\bAndroid (\d+)(?:\.(\d+))?/.exec(ua);
    return m ? { name: 'android', version: version(m[1], m[2]) } : { name: 'android' };
  }
  if (/\bCrOS\b/.test(ua)) return { name: 'chromeos' };
  if (/\bWindows\b/.test(ua)) return { name: 'windows' };
  if (/\bMacintosh\b/.test(ua)) {
    // iPadOS 13+ asks for desktop sites with a Mac UA: only touch gives it away.
    if (maxTouchPoints > 1) {
      const safari = /\bVersion\/(\d+)\.(\d+)/.exec(ua);
      return safari ? { name: 'ipados', version: version(safari[1], safari[2]) } : { name: 'ipados' };
    }
    return { name: 'macos' };
  }
  if (/\bLinux\b|\bX11\b/.test(ua)) return { name: 'linux' };
  return { name: 'other' };
}

function detectBrowser(ua: string, os: OsName): Platform['browser'] {
  const checks: readonly [RegExp, BrowserName][] = [
    [/\bSamsungBrowser\/(\d+)/, 'samsung'],
    [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'edge'],
    [/\b(?:OPR|OPT)\/(\d+)/, 'opera'],
    [/\b(?:Firefox|FxiOS)\/(\d+)/, 'firefox'],
    // HeadlessChrome: automated Chromium (the /compat matrix runs it)
    [/\b(?:Chrome|CriOS|HeadlessChrome)\/(\d+)/, 'chrome'],
  ];
  for (const [re, name] of checks) {
    const m = re.exec(ua);
    if (m) return { name, version: Number(m[1]) };
  }
  const safari = /\bVersion\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//.exec(ua);
  if (safari && (os === 'ios' || os === 'ipados' || os === 'macos')) return { name: 'safari', version: Number(safari[1]) };
  return { name: 'other' };
}

function detectInApp(ua: string, os: OsName, standalone: boolean): InAppBrowser | undefined {
  for (const [re, name] of IN_APP) if (re.test(ua)) return name;
  // Android's WebView marks itself "; wv)"; an iOS WKWebView lacks Safari's "Safari/"
  // token — and so does a Home Screen app, which alone is standalone.
  if (os === 'android' && /;\s*wv\)/.test(ua)) return 'webview';
  if ((os === 'ios' || os === 'ipados') && !standalone && /AppleWebKit/.test(ua) && !/\bSafari\//.test(ua) && !/\b(CriOS|FxiOS|EdgiOS|OPT)\//.test(ua)) {
    return 'webview';
  }
  return undefined;
}

function version(major: string | undefined, minor: string | undefined): Version {
  return { major: Number(major ?? 0), minor: Number(minor ?? 0) };
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor;
}
