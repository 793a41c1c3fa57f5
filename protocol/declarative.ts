/**
 * Declarative Web Push (Safari 18.4+ on iOS/iPadOS Home Screen apps, 18.5 on
 * macOS): a push whose JSON has `"web_push": 8030` and a `notification`
 * dictionary is shown by the browser itself, even when the service worker
 * cannot run. With `mutable`, the worker's push event still runs (with
 * `event.notification` set) and its own notification replaces the declared one.
 *
 * RingKit's message is its own payload (payload.ts) with these members added,
 * so every RingKit worker, old ones included, reads it as a plain ring.
 *
 * The parser follows WebKit's, rule for rule: WebKit/WebKit,
 * Source/WebCore/Modules/notifications/NotificationJSONParser.cpp. That parser
 * reads `mutable` (and `app_badge`) inside `notification`, where the Push API
 * draft puts them at the top level: the builder sets `mutable` in both places.
 */
import { callEndedBody, callEndedTitle, callTag, callTypeLabel, callUrl, incomingCallTitle } from './call-links';
import { MAX_PAYLOAD_BYTES, type CallType, type PushPayload } from './payload';
import { parseUrl } from './url';

export const DECLARATIVE_WEB_PUSH = 8030;

/** The members of `notification` WebKit reads (it reads neither `actions` nor `requireInteraction`). */
export interface DeclarativeNotification {
  title: string;
  navigate: string;
  body?: string;
  tag?: string;
  icon?: string;
  silent?: boolean;
  lang?: string;
  dir?: 'auto' | 'ltr' | 'rtl';
  data?: unknown;
  app_badge?: number | string;
  mutable?: boolean;
}

export interface DeclarativeMessage {
  web_push: typeof DECLARATIVE_WEB_PUSH;
  notification: DeclarativeNotification;
  mutable?: boolean;
}

/** What the sender sends to Apple's push service: RingKit's payload, declared as a notification too. */
export type DeclarativePushPayload = PushPayload & DeclarativeMessage;

/** What the sender knows of a call beyond its payload (call_ended carries no caller). */
export interface DeclaredCall {
  callerName?: string | undefined;
  callType?: CallType | undefined;
}

/**
 * The declarative form of a ring or a stop: the notification the worker would
 * show (minus what WebKit ignores), linking to the call screen on `appOrigin`.
 */
export function declarativePush(payload: PushPayload, appOrigin: string, call: DeclaredCall = {}): DeclarativePushPayload {
  const navigate = callUrl(payload.sessionId, 'open', appOrigin) ?? parseUrl('/', appOrigin).href;
  const notification: DeclarativeNotification =
    payload.type === 'incoming_call'
      ? { title: incomingCallTitle(payload.callerName), body: callTypeLabel(payload.callType), navigate, tag: callTag(payload.sessionId), silent: false, mutable: true }
      : {
          title: callEndedTitle(payload.reason, call.callerName),
          body: callEndedBody(payload.reason, call.callerName, call.callType),
          navigate,
          tag: callTag(payload.sessionId),
          silent: true,
          mutable: true,
        };
  return { ...payload, web_push: DECLARATIVE_WEB_PUSH, notification, mutable: true };
}

/** aes128gcm around one record: an 86-byte header, a 1-byte delimiter, a 16-byte tag (RFC 8188, RFC 8291 §4). */
export const AES128GCM_OVERHEAD_BYTES = 103;

/** UTF-8 length of a string without lone surrogates (JSON.stringify leaves none). */
const utf8Length = (s: string): number => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, '.').length;

/**
 * The push body for a push service that shows declarative messages, kept
 * within `maxEncryptedBytes` once encrypted: the full message; else without
 * its tag (Safari ignores tags, platforms.md); else RingKit's plain payload,
 * which the worker still rings with (only the no-worker fallback is lost).
 * Only fields at their adversarial worst (every character escaped) need more
 * than the first step.
 */
export function declarativeBody(payload: PushPayload, appOrigin: string, call: DeclaredCall = {}, maxEncryptedBytes = MAX_PAYLOAD_BYTES): string {
  const full = declarativePush(payload, appOrigin, call);
  const { tag: _tag, ...untagged } = full.notification;
  for (const message of [full, { ...full, notification: untagged }]) {
    const body = JSON.stringify(message);
    if (utf8Length(body) + AES128GCM_OVERHEAD_BYTES <= maxEncryptedBytes) return body;
  }
  return JSON.stringify(payload);
}

export type DeclarativeParseResult = { ok: true; message: DeclarativeMessage } | { ok: false; error: string };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** WTF's URL { string }: an absolute URL, no base. */
function isAbsoluteUrl(s: string): boolean {
  try {
    parseUrl(s);
    return true;
  } catch {
    return false;
  }
}

/** "A valid app badge string contains only ASCII digits" and fits in 64 bits (parseAppBadgeString). */
const isAppBadgeString = (s: string): boolean => /^[0-9]*$/.test(s) && BigInt(s || '0') <= 0xffffffffffffffffn;

/** JSON::Value::asInteger: a number's integer part, if it fits an int. */
const asInteger = (n: number): number | undefined => (Math.abs(n) < 2 ** 31 ? Math.trunc(n) : undefined);

const OPTIONAL_STRINGS = ['lang', 'body', 'tag'] as const;

/**
 * Reads a push as WebKit's declarative parser does: an object with
 * `web_push` 8030 and a valid `notification`, or the reason WebKit would give
 * for treating it as no declarative message at all.
 */
export function parseDeclarativeMessage(data: string | unknown): DeclarativeParseResult {
  let o: unknown = data;
  if (typeof data === 'string') {
    try {
      o = JSON.parse(data);
    } catch {
      return { ok: false, error: 'does not contain valid JSON' };
    }
  }
  if (!isObject(o)) return { ok: false, error: 'top level JSON value is not an object' };
  const magic = o.web_push;
  if (typeof magic !== 'number' || asInteger(magic) !== DECLARATIVE_WEB_PUSH) return { ok: false, error: "doesn't have valid declarative web push JSON values" };
  if (!('notification' in o)) return { ok: false, error: "does not have 'notification' value" };
  const n = o.notification;
  if (!isObject(n)) return { ok: false, error: "'notification' value is not the expected object type" };

  if ('navigate' in n && typeof n.navigate !== 'string') return { ok: false, error: "'navigate' member is specified but is not a string" };
  if (typeof n.navigate !== 'string' || !isAbsoluteUrl(n.navigate)) return { ok: false, error: "'navigate' member is specified but does not represent a valid URL" };
  if ('title' in n && typeof n.title !== 'string') return { ok: false, error: "'title' member is specified but is not a string" };
  if (typeof n.title !== 'string' || n.title === '') return { ok: false, error: "'title' member is missing or is an empty string" };
  if ('app_badge' in n) {
    const badge = n.app_badge;
    if (typeof badge === 'string') {
      if (!isAppBadgeString(badge)) return { ok: false, error: "'app_badge' member is specified as a string that did not parse to a valid unsigned long long" };
    } else if (typeof badge !== 'number') {
      return { ok: false, error: "'app_badge' member is specified but is not a string or a number" };
    } else {
      const int = asInteger(badge);
      if (int === undefined || int < 0) return { ok: false, error: "'app_badge' member is specified as an number but is not a valid unsigned long long" };
    }
  }
  if ('dir' in n) {
    if (typeof n.dir !== 'string') return { ok: false, error: "'dir' member is specified but is not a string" };
    if (!['auto', 'ltr', 'rtl'].includes(n.dir)) return { ok: false, error: "'dir' member is specified but is not a valid NotificationDirection" };
  }
  for (const key of OPTIONAL_STRINGS) {
    if (key in n && typeof n[key] !== 'string') return { ok: false, error: `'${key}' member is specified but is not a string` };
  }
  if ('icon' in n) {
    if (typeof n.icon !== 'string') return { ok: false, error: "'icon' member is specified but is not a string" };
    if (!isAbsoluteUrl(n.icon)) return { ok: false, error: "'icon' member is specified but does not represent a valid URL" };
  }
  if ('silent' in n && typeof n.silent !== 'boolean') return { ok: false, error: "'silent' member is specified but is not a boolean" };
  if ('mutable' in n && typeof n.mutable !== 'boolean') return { ok: false, error: "'mutable' member is specified but is not a boolean" };

  const message: DeclarativeMessage = { web_push: DECLARATIVE_WEB_PUSH, notification: n as unknown as DeclarativeNotification };
  if (typeof o.mutable === 'boolean') message.mutable = o.mutable;
  return { ok: true, message };
}

/** Whether Safari runs the worker for this message (WebKit reads `notification.mutable`; the Push API draft the top level). */
export function isMutable(message: DeclarativeMessage): boolean {
  return message.notification.mutable === true || message.mutable === true;
}
