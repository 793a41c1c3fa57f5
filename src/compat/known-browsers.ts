/**
 * What the page cannot detect, from documented browser data (MDN
 * browser-compat-data and public issue threads, 2026): whether an option a
 * browser accepts is also honoured. Every check that uses this table says so.
 */
import type { Platform } from '../platform/detect';

/** The engines the table knows; iOS browsers are all WebKit, and only Home Screen apps get push. */
export type Engine = 'chromium' | 'firefox' | 'safari-macos' | 'safari-ios';

export const ENGINE_NAMES: Record<Engine, string> = {
  chromium: 'Chrome / Edge',
  firefox: 'Firefox',
  'safari-macos': 'Safari macOS',
  'safari-ios': 'Safari iOS 16.4+ (Home Screen app)',
};

export type DocumentedFeature =
  | 'webPushInTab'
  | 'actions'
  | 'requireInteraction'
  | 'vibrate'
  | 'silent'
  | 'tagReplaces'
  | 'subscriptionChange'
  | 'badging'
  | 'declarativePush'
  | 'incomingCallScenario';

export const FEATURE_NAMES: Record<DocumentedFeature, string> = {
  webPushInTab: 'Web Push in a tab',
  actions: 'notification actions (Accept/Decline)',
  requireInteraction: 'requireInteraction (stays until answered)',
  vibrate: 'vibrate',
  silent: 'silent',
  tagReplaces: 'tag replaces a notification',
  subscriptionChange: 'pushsubscriptionchange',
  badging: 'navigator.setAppBadge',
  declarativePush: 'Declarative Web Push',
  incomingCallScenario: 'incoming-call notification scenario',
};

export interface Documented {
  /** 'partial': on some systems or versions only (the note says which) */
  support: 'yes' | 'partial' | 'no';
  note: string;
}

const yes = (note = 'yes'): Documented => ({ support: 'yes', note });
const no = (note = 'no'): Documented => ({ support: 'no', note });
const partial = (note: string): Documented => ({ support: 'partial', note });

export const DOCUMENTED: Record<DocumentedFeature, Record<Engine, Documented>> = {
  webPushInTab: { chromium: yes(), firefox: yes(), 'safari-macos': yes('16+'), 'safari-ios': no('no: Home Screen app only') },
  actions: { chromium: yes('yes (at most 2)'), firefox: partial('152+'), 'safari-macos': no(), 'safari-ios': no() },
  requireInteraction: { chromium: yes(), firefox: partial('Windows only'), 'safari-macos': no(), 'safari-ios': no() },
  vibrate: { chromium: partial('Android only (and not on Android O+)'), firefox: no(), 'safari-macos': no(), 'safari-ios': no() },
  silent: { chromium: yes(), firefox: partial('132+'), 'safari-macos': partial('16.6+'), 'safari-ios': no() },
  tagReplaces: { chromium: yes(), firefox: yes(), 'safari-macos': no('ignored: RingKit closes the old one itself'), 'safari-ios': no('ignored: RingKit closes the old one itself') },
  subscriptionChange: { chromium: partial('138+'), firefox: partial('44+'), 'safari-macos': partial('16+'), 'safari-ios': no() },
  badging: { chromium: partial('81+, Windows and macOS'), firefox: no(), 'safari-macos': partial('17+, installed'), 'safari-ios': partial('16.4+') },
  declarativePush: { chromium: no(), firefox: no('not shipped'), 'safari-macos': partial('18.4+'), 'safari-ios': partial('18.4+') },
  incomingCallScenario: {
    chromium: partial('Edge origin trial; Chromium behind IncomingCallNotifications; installed apps only'),
    firefox: no(),
    'safari-macos': no(),
    'safari-ios': no(),
  },
};

/** The first version a 'partial' row names for an engine ("152+" → 152), when it is version-bound only. */
const SINCE: Partial<Record<DocumentedFeature, Partial<Record<Engine, number>>>> = {
  actions: { firefox: 152 },
  silent: { firefox: 132 },
};

/** The table's engine for a detected platform; undefined for browsers it doesn't cover. */
export function engineOf(platform: Pick<Platform, 'os' | 'browser'>): Engine | undefined {
  if (platform.os.name === 'ios' || platform.os.name === 'ipados') return 'safari-ios';
  switch (platform.browser.name) {
    case 'chrome':
    case 'edge':
    case 'opera':
    case 'samsung':
      return 'chromium';
    case 'firefox':
      return 'firefox';
    case 'safari':
      return platform.os.name === 'macos' ? 'safari-macos' : undefined;
    default:
      return undefined;
  }
}

/**
 * Whether this browser honours a feature, as documented: resolves the
 * version- and system-bound rows for the platform in hand.
 */
export function documentedSupport(feature: DocumentedFeature, platform: Pick<Platform, 'os' | 'browser'>): Documented | undefined {
  const engine = engineOf(platform);
  if (!engine) return undefined;
  const row = DOCUMENTED[feature][engine];
  if (row.support !== 'partial') return row;
  const since = SINCE[feature]?.[engine];
  if (since !== undefined && platform.browser.version !== undefined) {
    return platform.browser.version >= since ? yes(row.note) : no(row.note);
  }
  if (feature === 'requireInteraction' && engine === 'firefox') return platform.os.name === 'windows' ? yes(row.note) : no(row.note);
  if (feature === 'vibrate' && engine === 'chromium') return platform.os.name === 'android' ? row : no(row.note);
  return row;
}
