/**
 * The calls this browser is in, across its tabs: the tab in a call holds a
 * Web Lock named after it, which the browser lets go when the tab closes or
 * navigates away, so a crashed call never leaves the browser "busy". A ring
 * that comes meanwhile is answered busy instead of ringing over the call (as
 * CometChat's UI Kit does). Without Web Locks nobody is ever busy.
 */
const PREFIX = 'ringkit-in-call:';

/** Marks this tab as in the call until the returned function is called. */
export function holdActiveCall(sessionId: string): () => void {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  void locks?.request(PREFIX + sessionId, () => held).catch(() => undefined);
  return release;
}

/** The sessions a tab of this browser is in a call for. */
export async function activeCallIds(): Promise<string[]> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return [];
  try {
    const { held = [] } = await locks.query();
    return held.map((l) => l.name ?? '').filter((name) => name.startsWith(PREFIX)).map((name) => name.slice(PREFIX.length));
  } catch {
    return [];
  }
}
