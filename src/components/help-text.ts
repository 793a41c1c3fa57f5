/** What the ringing card says for each state a user can get stuck in, with the next step. */
import type { Platform } from '../platform/detect';
import type { RingingProblem, RingingState } from '../push/ringing-state';

type Unsupported = Extract<RingingState, { name: 'unsupported' }>['reason'];

const IN_APP_NAMES: Record<NonNullable<Platform['inApp']>, string> = {
  facebook: 'Facebook',
  instagram: 'Instagram',
  messenger: 'Messenger',
  line: 'LINE',
  tiktok: 'TikTok',
  snapchat: 'Snapchat',
  linkedin: 'LinkedIn',
  twitter: 'X',
  wechat: 'WeChat',
  'google-app': 'the Google app',
  webview: 'an app',
};

export function unsupportedText(reason: Unsupported, platform: Platform): { why: string; next: string } {
  const apple = platform.os.name === 'ios' || platform.os.name === 'ipados';
  switch (reason) {
    case 'insecure-context':
      return { why: 'This page is not served over HTTPS, and Web Push needs a secure origin.', next: 'Open it over https:// (or on localhost while developing).' };
    case 'ios-too-old':
      return {
        why: `This ${platform.os.name === 'ipados' ? 'iPad' : 'iPhone'} runs iOS ${platform.os.version?.major}.${platform.os.version?.minor}; web apps can ring from iOS 16.4 on.`,
        next: 'Update in Settings → General → Software Update, then add RingKit to the Home Screen.',
      };
    case 'in-app-browser':
      return {
        why: `This is ${IN_APP_NAMES[platform.inApp ?? 'webview']}'s built-in browser, which cannot receive Web Push.`,
        next: apple
          ? 'Open this page in Safari (the ⋯ or share menu → Open in Safari), then add it to the Home Screen.'
          : 'Open this page in Chrome, Firefox, Edge or Samsung Internet (the ⋮ menu → Open in browser).',
      };
    case 'no-push':
      return { why: 'This browser has no Web Push.', next: 'Use a current Chrome, Edge, Firefox or Safari.' };
  }
}

/** Per-browser steps to allow notifications again after "Block". */
export function unblockSteps(platform: Platform): string {
  const { os, browser } = platform;
  if (os.name === 'ios' || os.name === 'ipados') return 'Open Settings → Notifications → RingKit, and turn on Allow Notifications.';
  if (browser.name === 'safari') return 'In Safari → Settings → Websites → Notifications, set this site to Allow.';
  if (browser.name === 'firefox') return 'Click the permissions icon left of the address, clear "Blocked" next to Send Notifications, and reload.';
  if (os.name === 'android') return 'Tap the icon left of the address → Permissions (or Site settings) → Notifications → Allow, and reload.';
  return 'Click the icon left of the address → Site settings → Notifications → Allow, and reload.';
}

/** The heading of the error card: what went wrong, not always "could not be turned on" (nothing may have been tried yet). */
export function problemTitle(problem: RingingProblem): string {
  switch (problem) {
    case 'sender-unreachable':
      return 'RingKit cannot reach its server';
    case 'no-worker':
      return 'The app did not finish loading';
    case 'signed-out':
      return 'Sign in to turn ringing on';
    default:
      return 'Ringing could not be turned on';
  }
}

/** `brave`: the browser is Brave, whose push needs a setting turned on. */
export function problemText(problem: RingingProblem, detail: string | undefined, brave = false): { what: string; next: string } {
  // Browsers' messages often end in a full stop of their own.
  const trimmed = detail?.trim().replace(/[.\s]+$/, '');
  const because = trimmed ? ` (${trimmed})` : '';
  switch (problem) {
    case 'sender-unreachable':
      return { what: `The RingKit server did not answer${because}.`, next: 'Check the connection and try again.' };
    case 'subscribe-failed':
      return {
        what: `The browser's push service did not give this device a subscription${because}.`,
        next: brave
          ? 'In Brave, open Settings → Privacy and security, turn on "Use Google services for push messaging", and try again.'
          : 'Check the connection and try again.',
      };
    case 'sender-refused':
      return { what: `The server refused this device${because}.`, next: 'Try again; if it keeps failing, send this message to support.' };
    case 'signed-out':
      return { what: 'You are not signed in, or your sign-in has expired.', next: 'Sign in again, then turn ringing on.' };
    case 'no-worker':
      return { what: "The app's service worker did not start.", next: 'Reload the page. Private windows in some browsers block service workers.' };
  }
}
