/**
 * Which push service an endpoint belongs to, by its host: the only thing about
 * a device that metrics and traces name (never the endpoint itself, which is
 * a bearer capability to push to that browser).
 */
export const PUSH_SERVICES = ['fcm', 'mozilla', 'apple', 'wns', 'other'] as const;
export type PushServiceName = (typeof PUSH_SERVICES)[number];

const RULES: readonly [RegExp, PushServiceName][] = [
  [/(^|\.)googleapis\.com$/, 'fcm'], // fcm.googleapis.com (Chrome, Edge on Android, Opera, Samsung Internet)
  [/(^|\.)push\.services\.mozilla\.com$/, 'mozilla'], // updates.push.services.mozilla.com
  [/(^|\.)push\.apple\.com$/, 'apple'], // web.push.apple.com
  [/(^|\.)notify\.windows\.com$/, 'wns'], // *.notify.windows.com (Edge on Windows)
];

export function pushServiceOf(endpoint: string): PushServiceName {
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return 'other';
  }
  for (const [pattern, name] of RULES) if (pattern.test(host)) return name;
  return 'other';
}
