/**
 * The call this browser is in, shared by its tabs (localStorage, as
 * CometChat's UI Kit keeps its active call): a ring that comes meanwhile is
 * answered busy instead of ringing over the call.
 */
const KEY = 'ringkit.activeCall';
/** A tab that closed mid-call leaves its entry behind; calls older than this are not taken as ongoing. */
const STALE_MS = 6 * 60 * 60_000;

export function setActiveCall(sessionId: string | undefined): void {
  try {
    if (sessionId) localStorage.setItem(KEY, JSON.stringify({ sessionId, since: Date.now() }));
    else localStorage.removeItem(KEY);
  } catch {
    // storage blocked: busy detection is lost, the call is not
  }
}

export function activeCallId(now = Date.now()): string | undefined {
  try {
    const entry = JSON.parse(localStorage.getItem(KEY) ?? 'null') as { sessionId?: unknown; since?: unknown } | null;
    if (typeof entry?.sessionId !== 'string' || typeof entry.since !== 'number' || now - entry.since > STALE_MS) return undefined;
    return entry.sessionId;
  } catch {
    return undefined;
  }
}
