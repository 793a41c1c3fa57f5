import { detectPlatform, type BrowserName, type OsName } from './detect';

const BROWSERS: Record<BrowserName, string> = {
  safari: 'Safari',
  chrome: 'Chrome',
  edge: 'Edge',
  firefox: 'Firefox',
  samsung: 'Samsung Internet',
  opera: 'Opera',
  other: 'A browser',
};
const SYSTEMS: Record<OsName, string> = {
  ios: 'iPhone',
  ipados: 'iPad',
  android: 'Android',
  macos: 'macOS',
  windows: 'Windows',
  linux: 'Linux',
  chromeos: 'ChromeOS',
  other: 'another system',
};

/** "Firefox 153 on Linux", for the device list (from the User-Agent the sender stored). */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser';
  const { browser, os, standalone } = detectPlatform({
    userAgent,
    maxTouchPoints: 0,
    displayMode: 'browser',
    secureContext: true,
    serviceWorker: true,
    pushManager: true,
    notification: true,
    declarativePush: false,
  });
  if (browser.name === 'other' && os.name === 'other') return 'Unknown browser';
  // A Home Screen app's UA names no browser.
  const name = browser.name === 'other' && (os.name === 'ios' || os.name === 'ipados') ? 'Home Screen app' : BROWSERS[browser.name];
  return `${name}${browser.version && !standalone ? ` ${browser.version}` : ''} on ${SYSTEMS[os.name]}`;
}
