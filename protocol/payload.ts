/**
 * The wire format inside the encrypted push (design.md, "Wire format").
 * The sender builds these, the service worker and the app parse them.
 */

export const PROTOCOL_VERSION = 1;

export const CALL_TYPES = ['audio', 'video'] as const;
export type CallType = (typeof CALL_TYPES)[number];

export const CALL_END_REASONS = ['cancelled', 'answered', 'declined', 'ended', 'unanswered', 'busy'] as const;
export type CallEndReason = (typeof CALL_END_REASONS)[number];

export interface IncomingCallPayload {
  type: 'incoming_call';
  v: number;
  sessionId: string;
  callerName: string;
  callerUid: string;
  callType: CallType;
  /** ms since the epoch, when the call was placed */
  timestamp: number;
  /** ms since the epoch; absent in a push sent by the seed's own template */
  ringUntil?: number;
  /** lets the worker decline without a user session; absent in the seed's pushes */
  declineToken?: string;
}

export interface CallEndedPayload {
  type: 'call_ended';
  v: number;
  sessionId: string;
  reason: CallEndReason;
  timestamp: number;
}

export type PushPayload = IncomingCallPayload | CallEndedPayload;

export type ParseResult =
  | { ok: true; payload: PushPayload }
  | { ok: false; error: string; type?: string };

type Fields = Record<string, unknown>;

const str = (o: Fields, k: string): string | undefined =>
  typeof o[k] === 'string' && (o[k] as string).length > 0 ? (o[k] as string) : undefined;
const num = (o: Fields, k: string): number | undefined =>
  typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : undefined;
const oneOf = <T extends string>(values: readonly T[], v: unknown): v is T =>
  typeof v === 'string' && (values as readonly string[]).includes(v);

/**
 * Parses a decrypted push body. Accepts the seed's payload (type, sessionId,
 * callerName, callerUid, callType, timestamp) as a ring too, so a push sent by
 * the seed's template rings in RingKit's worker. Never throws: the worker must
 * show a notification for every push, malformed ones included.
 */
export function parsePushPayload(data: string | Fields | null | undefined): ParseResult {
  let o: unknown = data;
  if (typeof data === 'string') {
    try {
      o = JSON.parse(data);
    } catch {
      return { ok: false, error: 'payload is not JSON' };
    }
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, error: 'payload is not an object' };
  const f = o as Fields;
  const type = typeof f.type === 'string' ? f.type : undefined;
  const sessionId = str(f, 'sessionId');
  if (!sessionId) return { ok: false, error: 'sessionId missing', type };
  const timestamp = num(f, 'timestamp') ?? 0;
  const v = num(f, 'v') ?? PROTOCOL_VERSION;

  if (type === 'incoming_call') {
    // Whoever sent the push (the seed's template too), the name is shown as text only.
    const callerName = displayText(str(f, 'callerName') ?? '');
    if (!callerName) return { ok: false, error: 'callerName missing', type };
    const payload: IncomingCallPayload = {
      type, v, sessionId, callerName,
      callerUid: str(f, 'callerUid') ?? '',
      callType: oneOf(CALL_TYPES, f.callType) ? f.callType : 'audio',
      timestamp,
    };
    const ringUntil = num(f, 'ringUntil');
    if (ringUntil !== undefined) payload.ringUntil = ringUntil;
    const declineToken = str(f, 'declineToken');
    if (declineToken) payload.declineToken = declineToken;
    return { ok: true, payload };
  }
  if (type === 'call_ended') {
    const reason = oneOf(CALL_END_REASONS, f.reason) ? f.reason : 'ended';
    return { ok: true, payload: { type, v, sessionId, reason, timestamp } };
  }
  return { ok: false, error: `unknown type ${JSON.stringify(type)}`, type };
}

/**
 * The most an encrypted push body may be: RFC 8030 promises 4096 bytes, and
 * Firefox on Android takes less; the sender refuses a ring above this.
 */
export const MAX_PAYLOAD_BYTES = 3072;

/**
 * Control characters, line and paragraph separators, and the bidi controls
 * that reorder how a name reads ("Bank\u202Egnp.exe" shows as "Bankexe.png").
 * Zero-width joiners stay: emoji sequences need them.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;
const CONTROLS = /[\p{Cc}\u2028\u2029]+/gu;

/** Text as a notification may show it: bidi controls go, other controls become a space, ends trimmed. */
export function displayText(text: string): string {
  return text.replace(BIDI_CONTROLS, '').replace(CONTROLS, ' ').trim();
}
