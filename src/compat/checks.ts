/**
 * The /compat page's judgement: measured facts in, one check per feature
 * ringing depends on and a verdict out. Pure, so every browser's answer is
 * unit-tested; probe.ts measures the facts in the real browser.
 */
import { unblockSteps, unsupportedText } from '../components/help-text';
import { compareVersions, detectPlatform, IOS_PUSH_MIN, type Platform, type PlatformInput } from '../platform/detect';
import { documentedSupport, type DocumentedFeature } from './known-browsers';

export interface CompatFacts {
  platform: PlatformInput;
  /** PushManager.supportedContentEncodings; undefined where the browser doesn't list them */
  contentEncodings?: readonly string[];
  /** Notification.permission */
  permission: 'default' | 'denied' | 'granted' | 'unsupported';
  /** a service worker registration of this app is active */
  workerActive: boolean;
  /** the options Notification.prototype exposes (the browser knows them; honouring is another matter) */
  notificationOptions: { requireInteraction: boolean; vibrate: boolean; scenario?: boolean };
  /** 'setAppBadge' in navigator */
  badging: boolean;
  /** an IndexedDB database could be opened (private modes may refuse) */
  indexedDb: 'works' | 'fails' | 'missing';
  broadcastChannel: boolean;
  /** can the page start the ringtone without a tap first */
  audioAutoplay: 'allowed' | 'muted-only' | 'blocked' | 'unknown';
  /** this browser's push subscription as the enable-ringing flow left it */
  subscription:
    | { state: 'subscribed'; endpointOrigin: string }
    | { state: 'not-subscribed' }
    | { state: 'failed'; detail: string }
    | { state: 'unknown' };
}

export type CheckId =
  | 'secure-context'
  | 'service-worker'
  | 'push-manager'
  | 'content-encoding'
  | 'push-subscription'
  | 'notification'
  | 'permission'
  | 'actions'
  | 'incoming-call'
  | 'require-interaction'
  | 'vibrate'
  | 'badging'
  | 'home-screen'
  | 'declarative-push'
  | 'indexeddb'
  | 'broadcast-channel'
  | 'audio-autoplay';

/** info: the browser lacks it, and ringing does not need it */
export type CheckStatus = 'pass' | 'limited' | 'fail' | 'info';

export interface Check {
  id: CheckId;
  label: string;
  status: CheckStatus;
  /** 'documented': the browser cannot tell the page; the answer comes from known browser data */
  source: 'measured' | 'documented';
  /** what was seen, e.g. "Notification.maxActions = 2" */
  observed: string;
  /** what it means for ringing, and what to do */
  meaning: string;
}

export type VerdictKind = 'rings-with-actions' | 'rings-without-actions' | 'needs-install' | 'blocked' | 'cannot-ring';

export interface CompatVerdict {
  kind: VerdictKind;
  headline: string;
  detail: string;
}

/**
 * Which ring this browser gets, best first: the incoming-call scenario (a
 * looping ringtone and call buttons), a notification with Accept/Decline,
 * a notification with the Declarative Web Push fallback (shown even if the
 * worker fails), or a plain notification.
 */
export type RingKind = 'incoming-call' | 'actions' | 'declarative' | 'plain' | 'none';

export interface RingStyle {
  kind: RingKind;
  label: string;
  detail: string;
  /** 'documented' where the browser cannot tell the page */
  source: Check['source'];
}

export interface CompatResult {
  platform: Platform;
  verdict: CompatVerdict;
  ring: RingStyle;
  checks: Check[];
}

const SENDER_ENCODING = 'aes128gcm';

export function evaluateCompat(facts: CompatFacts): CompatResult {
  const platform = detectPlatform(facts.platform);
  const checks = buildChecks(facts, platform);
  const verdict = verdictOf(platform, checks);
  return { platform, checks, verdict, ring: ringStyleOf(platform, checks, verdict) };
}

const check = (id: CheckId, label: string, status: CheckStatus, observed: string, meaning: string, source: Check['source'] = 'measured'): Check => ({
  id,
  label,
  status,
  source,
  observed,
  meaning,
});

function buildChecks(f: CompatFacts, p: Platform): Check[] {
  const input = f.platform;
  const apple = p.os.name === 'ios' || p.os.name === 'ipados';
  const homeScreenOnly = apple ? ' On iPhone and iPad it appears only in an app added to the Home Screen.' : '';
  const checks: Check[] = [
    input.secureContext
      ? check('secure-context', 'Secure context', 'pass', 'isSecureContext = true', 'Web Push is available to this origin.')
      : check('secure-context', 'Secure context', 'fail', 'isSecureContext = false', 'Web Push needs HTTPS (or localhost while developing): serve the app over https://.'),
    !input.serviceWorker
      ? check('service-worker', 'Service worker', 'fail', "'serviceWorker' in navigator = false", 'Nothing can receive a push with the app closed. Private windows in some browsers disable service workers.')
      : f.workerActive
        ? check('service-worker', 'Service worker', 'pass', 'registered and active', 'The worker wakes for a ring even with every tab closed.')
        : check('service-worker', 'Service worker', 'fail', 'supported, but no active registration', "RingKit's worker did not start: reload the page; check the console for its registration error."),
    input.pushManager
      ? check('push-manager', 'Push API', 'pass', "'PushManager' in window = true", 'This browser can subscribe to a push service.')
      : check('push-manager', 'Push API', 'fail', "'PushManager' in window = false", `No Web Push in this browser.${homeScreenOnly}`),
    encodingCheck(f.contentEncodings, input.pushManager),
    subscriptionCheck(f.subscription, p),
    input.notification
      ? check('notification', 'Notifications', 'pass', "'Notification' in window = true", 'A ring can show as a notification.')
      : check('notification', 'Notifications', 'fail', "'Notification' in window = false", `A ring cannot be shown.${homeScreenOnly}`),
    permissionCheck(f.permission, p),
    actionsCheck(input.maxActions, p),
    incomingCallCheck(f.notificationOptions.scenario, p),
    requireInteractionCheck(f.notificationOptions.requireInteraction, p),
    vibrateCheck(f.notificationOptions.vibrate, p),
    notNeededIfMissing(
      documentedOrMeasured('badging', 'Badging', f.badging, "'setAppBadge' in navigator", p, {
        yes: 'Missed calls can be counted on the app icon (of an installed app).',
        no: 'No count on the app icon; ringing is not affected.',
      }),
    ),
    homeScreenCheck(p),
    input.declarativePush
      ? check('declarative-push', 'Declarative Web Push', 'pass', "'pushManager' in window = true", 'The browser can show a ring even if the service worker fails (Safari 18.4+).')
      : check('declarative-push', 'Declarative Web Push', 'info', "'pushManager' in window = false", 'Not needed: the service worker shows the ring. Only Safari 18.4+ has this fallback.'),
    indexedDbCheck(f.indexedDb),
    f.broadcastChannel
      ? check('broadcast-channel', 'BroadcastChannel', 'pass', "'BroadcastChannel' in window = true", 'Tabs of the app can tell each other that a call was answered.')
      : check('broadcast-channel', 'BroadcastChannel', 'info', "'BroadcastChannel' in window = false", 'Other open tabs learn of an answer from the worker only; ringing is not affected.'),
    audioCheck(f.audioAutoplay),
  ];
  return checks;
}

function encodingCheck(encodings: readonly string[] | undefined, pushManager: boolean): Check {
  const label = 'Push encryption (aes128gcm)';
  if (!pushManager) return check('content-encoding', label, 'fail', 'no PushManager', 'No Web Push, so no encrypted payloads either.');
  if (!encodings) {
    return check('content-encoding', label, 'info', 'PushManager.supportedContentEncodings not exposed', 'Not listed by this browser; every browser with Web Push today decrypts aes128gcm (RFC 8291).', 'documented');
  }
  const observed = `supportedContentEncodings = [${encodings.join(', ')}]`;
  return encodings.includes(SENDER_ENCODING)
    ? check('content-encoding', label, 'pass', observed, "The sender's encrypted rings can be read here.")
    : check('content-encoding', label, 'fail', observed, 'The sender encrypts rings with aes128gcm (RFC 8291), which this browser cannot decrypt: update the browser.');
}

/** Who runs the push service a browser subscribes through, for a failed subscribe. */
function pushServiceName(p: Platform): string {
  if (p.os.name === 'ios' || p.os.name === 'ipados' || p.browser.name === 'safari') return "Apple's push service";
  if (p.browser.name === 'firefox') return "Mozilla's push service (autopush)";
  if (p.browser.name === 'other') return "the browser's push service";
  return "Google's push service (FCM)";
}

function subscriptionCheck(s: CompatFacts['subscription'], p: Platform): Check {
  const label = 'Push subscription';
  switch (s.state) {
    case 'subscribed':
      return check('push-subscription', label, 'pass', `subscribed at ${s.endpointOrigin}`, 'This device is subscribed: the sender can ring it.');
    case 'not-subscribed':
      return check('push-subscription', label, 'limited', 'not subscribed', 'Sign in and enable ringing (below or on the home screen) to subscribe this device.');
    case 'failed':
      return check('push-subscription', label, 'fail', `subscribe failed: ${s.detail}`, `This browser subscribes through ${pushServiceName(p)}, which must be reachable from this device.`);
    case 'unknown':
      return check('push-subscription', label, 'limited', 'not checked', 'Sign in to see whether this device is subscribed.');
  }
}

function permissionCheck(permission: CompatFacts['permission'], p: Platform): Check {
  const label = 'Notification permission';
  const observed = `Notification.permission = ${permission}`;
  switch (permission) {
    case 'granted':
      return check('permission', label, 'pass', observed, 'Rings may show.');
    case 'default':
      return check('permission', label, 'limited', observed, 'Not asked yet: "Enable ringing" asks, and the user must allow.');
    case 'denied':
      return check('permission', label, 'fail', observed, `Blocked: no ring can show. ${unblockSteps(p)}`);
    case 'unsupported':
      return check('permission', label, 'fail', 'no Notification API', 'Without notifications nothing can ring.');
  }
}

function actionsCheck(maxActions: number | undefined, p: Platform): Check {
  const label = 'Accept/Decline buttons';
  if (maxActions !== undefined) {
    const observed = `Notification.maxActions = ${maxActions}`;
    if (maxActions >= 2) return check('actions', label, 'pass', observed, 'Accept and Decline show on the ringing notification.');
    return check('actions', label, 'limited', observed, 'No Accept/Decline on the notification: a click opens the call screen, where the user answers.');
  }
  return documentedOrMeasured('actions', label, undefined, 'Notification.maxActions not exposed', p, {
    yes: 'Accept and Decline show on the ringing notification.',
    no: 'No Accept/Decline on the notification: a click opens the call screen, where the user answers.',
  });
}

function requireInteractionCheck(known: boolean, p: Platform): Check {
  const observed = `'requireInteraction' in Notification.prototype = ${known}`;
  return documentedOrMeasured('requireInteraction', 'Stays until answered', undefined, observed, p, {
    yes: 'The ringing notification stays on screen until the user acts on it.',
    no: 'The ringing notification may go away after a few seconds (the system default); it stays in the notification centre and an open page keeps ringing.',
  });
}

function vibrateCheck(known: boolean, p: Platform): Check {
  const observed = `'vibrate' in Notification.prototype = ${known}`;
  const c = documentedOrMeasured('vibrate', 'Vibration', undefined, observed, p, {
    yes: 'The ring vibrates the device.',
    no: 'No vibration pattern for the ring (desktop, or a system that ignores it); the system alert still sounds.',
  });
  // A desktop has nothing to vibrate: not a shortcoming of its ring.
  const handheld = p.os.name === 'android' || p.os.name === 'ios' || p.os.name === 'ipados';
  return handheld ? c : notNeededIfMissing(c);
}

/** A feature ringing does without: its absence is information, not a limitation. */
function notNeededIfMissing(c: Check): Check {
  return c.status === 'limited' ? { ...c, status: 'info' } : c;
}

/**
 * Microsoft's incoming-call scenario (an Edge origin trial; Chromium behind
 * IncomingCallNotifications): measured where the browser exposes
 * Notification.prototype.scenario. Chromium applies it to installed apps only.
 */
function incomingCallCheck(scenario: boolean | undefined, p: Platform): Check {
  const label = 'Incoming-call notification';
  const observed = `'scenario' in Notification.prototype = ${scenario === true}`;
  if (scenario !== true) {
    return check('incoming-call', label, 'info', observed, 'Not in this browser: the ring is a notification, and an open page plays the ringtone.');
  }
  return p.standalone
    ? check('incoming-call', label, 'pass', observed, 'Rings as a call: the notification loops its own ringtone and shows call buttons.')
    : check('incoming-call', label, 'pass', observed, 'Rings as a call once the app is installed (looping ringtone, call buttons); in a tab, a notification with Accept/Decline.');
}

/**
 * A check whose answer is measured when `measured` is a boolean, and from the
 * documented table otherwise; a missing or unsupported feature is 'limited':
 * none of these stops a ring.
 */
function documentedOrMeasured(
  feature: DocumentedFeature & ('actions' | 'requireInteraction' | 'vibrate' | 'badging'),
  label: string,
  measured: boolean | undefined,
  observed: string,
  p: Platform,
  meaning: { yes: string; no: string },
): Check {
  const id: CheckId = feature === 'requireInteraction' ? 'require-interaction' : feature;
  if (measured !== undefined) return check(id, label, measured ? 'pass' : 'limited', `${observed} = ${measured}`, measured ? meaning.yes : meaning.no);
  const doc = documentedSupport(feature, p);
  if (!doc) return check(id, label, 'limited', observed, `Unknown for this browser; ${meaning.no.charAt(0).toLowerCase()}${meaning.no.slice(1)}`, 'documented');
  const ok = doc.support !== 'no';
  return check(id, label, ok ? 'pass' : 'limited', `${observed}; documented: ${doc.note}`, ok ? meaning.yes : meaning.no, 'documented');
}

function homeScreenCheck(p: Platform): Check {
  const label = 'Home Screen / installed';
  const apple = p.os.name === 'ios' || p.os.name === 'ipados';
  const where = p.standalone ? 'running as an installed app' : 'in a browser tab';
  if (!apple) {
    return check('home-screen', label, 'pass', where, p.standalone ? 'Installed: rings like a native app.' : 'A browser tab can subscribe here; installing is optional.');
  }
  const version = p.os.version ? `${p.os.version.major}.${p.os.version.minor}` : 'unknown';
  const observed = `iOS ${version}, ${where}`;
  if (p.os.version && compareVersions(p.os.version, IOS_PUSH_MIN) < 0) {
    return check('home-screen', label, 'fail', observed, 'Web apps can ring from iOS 16.4 on: update iOS, then add RingKit to the Home Screen.');
  }
  return p.standalone
    ? check('home-screen', label, 'pass', observed, 'A Home Screen app: Web Push works here.')
    : check('home-screen', label, 'fail', observed, 'Only Home Screen apps can ring on iPhone and iPad: Share → Add to Home Screen, then open RingKit from there.');
}

function indexedDbCheck(state: CompatFacts['indexedDb']): Check {
  const label = 'IndexedDB';
  if (state === 'works') return check('indexeddb', label, 'pass', 'a database opened', 'The worker remembers calls, so a late or repeated ring does not ring again.');
  return check(
    'indexeddb',
    label,
    'limited',
    state === 'missing' ? "'indexedDB' in window = false" : 'opening a database failed',
    'Rings still show, but a repeated ring for an ended call may ring again, and the worker cannot re-subscribe on its own (private mode?).',
  );
}

function audioCheck(state: CompatFacts['audioAutoplay']): Check {
  const label = 'Ringtone autoplay';
  switch (state) {
    case 'allowed':
      return check('audio-autoplay', label, 'pass', 'an unmuted sound played without a tap', 'An open page plays the ringtone as soon as a ring arrives.');
    case 'muted-only':
      return check('audio-autoplay', label, 'limited', 'only muted playback allowed without a tap', 'An open page rings silently until the user has tapped it once; the notification still alerts.');
    case 'blocked':
      return check('audio-autoplay', label, 'limited', 'playback refused without a tap', 'An open page rings silently until the user has tapped it once; the notification still alerts.');
    case 'unknown':
      return check('audio-autoplay', label, 'limited', 'could not be measured', 'The ringtone may need a tap on the page first; the notification still alerts.');
  }
}

const RING_LABELS: Record<RingKind, string> = {
  'incoming-call': 'Incoming-call notification',
  actions: 'Notification with Accept/Decline',
  declarative: 'Notification, with the Declarative Web Push fallback',
  plain: 'Plain notification',
  none: 'No ring',
};

/** Which ring this browser gets (RingKind), from the checks that decide it. */
function ringStyleOf(p: Platform, checks: readonly Check[], verdict: CompatVerdict): RingStyle {
  const byId = (id: CheckId) => checks.find((c) => c.id === id)!;
  const style = (kind: RingKind, detail: string, source: Check['source']): RingStyle => ({ kind, label: RING_LABELS[kind], detail, source });
  if (verdict.kind === 'cannot-ring' || verdict.kind === 'needs-install') return style('none', verdict.detail, 'measured');
  const scenario = byId('incoming-call');
  const actions = byId('actions');
  const declarative = byId('declarative-push');
  // Installed: measured as the page's display mode; Chromium gives the scenario to installed apps only.
  if (scenario.status === 'pass' && p.standalone) {
    return style('incoming-call', 'The browser rings like a phone: its own looping ringtone and call buttons, even with the app closed.', 'measured');
  }
  if (actions.status === 'pass') {
    const install = scenario.status === 'pass' ? ' Installed, this browser shows it as an incoming call.' : '';
    return style('actions', `Accept and Decline on the notification; an open page plays the ringtone.${install}`, actions.source);
  }
  if (declarative.status === 'pass') {
    return style('declarative', 'No buttons: a tap opens the call screen. Safari shows the ring even if the service worker cannot run.', 'measured');
  }
  return style('plain', 'No buttons: a tap opens the call screen, where the user answers.', actions.source);
}

const HEADLINES: Record<VerdictKind, string> = {
  'rings-with-actions': 'This browser rings with Accept/Decline',
  'rings-without-actions': 'Rings, without Accept/Decline buttons',
  'needs-install': 'Rings only when installed to the Home Screen',
  blocked: 'Cannot ring until notifications are allowed',
  'cannot-ring': 'Cannot ring',
};

function verdictOf(p: Platform, checks: readonly Check[]): CompatVerdict {
  const byId = (id: CheckId) => checks.find((c) => c.id === id)!;
  const verdict = (kind: VerdictKind, detail: string): CompatVerdict => ({ kind, headline: HEADLINES[kind], detail });
  switch (p.verdict.kind) {
    case 'cannot-ring': {
      const text = unsupportedText(p.verdict.reason, p);
      return verdict('cannot-ring', `${text.why} ${text.next}`);
    }
    case 'needs-install':
      return verdict('needs-install', 'On iPhone and iPad, Web Push works only in an app added to the Home Screen: Share → Add to Home Screen.');
    case 'can-ring':
      break;
  }
  for (const id of ['service-worker', 'content-encoding'] as const) {
    const c = byId(id);
    if (c.status === 'fail') return verdict('cannot-ring', `${c.label}: ${c.meaning}`);
  }
  if (byId('permission').status === 'fail') return verdict('blocked', byId('permission').meaning);
  const actions = byId('actions');
  const subscription = byId('push-subscription');
  // The browser can ring; a push service out of reach is this network's problem, said as such.
  const caveat = subscription.status === 'fail' ? ` But here: ${subscription.observed}. ${subscription.meaning}` : '';
  return actions.status === 'pass'
    ? verdict('rings-with-actions', `Rings show Accept and Decline, even with the app closed.${caveat}`)
    : verdict('rings-without-actions', `${actions.meaning}${caveat}`);
}
