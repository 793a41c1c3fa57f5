import { useEffect, useRef, useState } from 'preact/hooks';
import { API_ROUTES, apiPath, type ApiErrorBody, type DeliveryCounts } from '../../protocol/api';
import type { CallEvent } from '../../protocol/events';
import type { Session } from '../session';
import { callerView, nextCallerPhase, readEventStream, type CallerPhase } from './caller-view';

interface Placed {
  sessionId: string;
  callee: string;
  phase: CallerPhase;
  devices: number;
}

/**
 * The demo's caller: rings another signed-in name through the same path as
 * POST /api/calls, then follows the call live through the same call events a
 * backend gets (ringing → accepted / declined / missed / unreachable), with Cancel.
 */
export function DevCallCard({ session }: { session: Session }) {
  const [callee, setCallee] = useState('');
  const [placed, setPlaced] = useState<Placed>();
  const [problem, setProblem] = useState<string>();
  const stream = useRef<AbortController | undefined>(undefined);
  const auth = { authorization: `Bearer ${session.token}` };

  useEffect(() => () => stream.current?.abort(), []);

  const follow = async (sessionId: string) => {
    stream.current?.abort();
    const abort = (stream.current = new AbortController());
    try {
      const res = await fetch(apiPath(API_ROUTES.devCallEvents, { sessionId }), { headers: auth, signal: abort.signal });
      if (!res.ok || !res.body) return;
      for await (const event of readEventStream(res.body)) {
        setPlaced((p) => (p && p.sessionId === sessionId ? { ...p, ...nextCallerPhase(p, event as CallEvent) } : p));
      }
    } catch {
      // aborted (a new call, or the card went away), or the server went away: the last state stays
    }
  };

  const call = async (e: Event) => {
    e.preventDefault();
    setProblem(undefined);
    setPlaced(undefined);
    const res = await fetch(API_ROUTES.devCalls, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ recipientUid: callee }),
    }).catch(() => undefined);
    if (!res) return setProblem('The server did not answer.');
    if (res.status === 404) return setProblem('Development calls are off on this server.');
    if (!res.ok) return setProblem(((await res.json().catch(() => undefined)) as ApiErrorBody | undefined)?.error.message ?? `HTTP ${res.status}`);
    const { sessionId } = (await res.json()) as DeliveryCounts & { sessionId: string };
    setPlaced({ sessionId, callee: callee.trim(), phase: 'calling', devices: 0 });
    void follow(sessionId);
  };

  const cancel = async () => {
    if (!placed) return;
    const res = await fetch(apiPath(API_ROUTES.devCallCancel, { sessionId: placed.sessionId }), { method: 'POST', headers: auth }).catch(() => undefined);
    if (!res?.ok) return setProblem('The cancel did not reach the server. Try again.');
    stream.current?.abort();
    setPlaced((p) => (p ? { ...p, phase: 'cancelled' } : p));
  };

  const view = placed && callerView(placed.callee, placed.phase, placed.devices);
  return (
    <form class="card" onSubmit={call}>
      <h2>Call someone</h2>
      <label>
        Name to call
        <input name="callee" required maxLength={64} value={callee} onInput={(e) => setCallee(e.currentTarget.value)} />
      </label>
      <button type="submit">Call</button>
      <div aria-live="polite">
        {view && (
          <p data-caller-phase={view.phase}>
            {view.text}{' '}
            {view.cancellable && (
              <button type="button" class="decline" onClick={() => void cancel()}>
                Cancel
              </button>
            )}
          </p>
        )}
        {problem && <p role="alert">{problem}</p>}
      </div>
    </form>
  );
}
