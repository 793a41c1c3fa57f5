import { useEffect, useRef, useState } from 'preact/hooks';
import { openRingKitStores, type CallRecord } from '../../sw/call-log';
import { callsAdapter, type JoinedCall } from '../calls';
import { answerCall, declineCall } from '../calls/decline';
import { announceHandled } from '../ringer/tab-coordination';

type Phase =
  | { name: 'ringing' }
  | { name: 'joining' }
  | { name: 'in-call' }
  | { name: 'left' }
  | { name: 'not-configured'; missing: string[] }
  | { name: 'join-failed'; message: string }
  | { name: 'declining' }
  | { name: 'declined' }
  | { name: 'decline-failed' }
  | { name: 'over' };

const stores = openRingKitStores();

/**
 * /call/<sessionId>?action=accept|reject|open — where a notification click or
 * the ringer's Accept lands. The caller comes from the call log the worker
 * wrote when the ring arrived; Accept joins through the calls adapter.
 */
export function CallScreen({ sessionId, action }: { sessionId: string; action: 'accept' | 'reject' | 'open' }) {
  const [call, setCall] = useState<CallRecord | undefined | null>(null);
  const [phase, setPhase] = useState<Phase>({ name: 'ringing' });
  const container = useRef<HTMLDivElement>(null);
  const joined = useRef<JoinedCall | undefined>(undefined);

  useEffect(() => {
    let live = true;
    void stores.callLog.get(sessionId).then((record) => {
      if (!live) return;
      setCall(record);
      if (record && record.state !== 'ringing' && record.state !== 'accepted') setPhase({ name: 'over' });
      else if (action === 'accept') void accept(record);
      else if (action === 'reject') void decline(record);
    });
    return () => {
      live = false;
      void joined.current?.leave();
      joined.current = undefined;
    };
  }, [sessionId]);

  async function accept(record = call ?? undefined) {
    announceHandled({ type: 'handled', sessionId, how: 'accept' });
    // The worker tells the sender itself when Accept was pressed on the notification.
    if (record?.state === 'ringing') void answerCall(sessionId, record.declineToken);
    await stores.callLog.setState(sessionId, { state: 'accepted' }).catch(() => undefined);
    const adapter = callsAdapter();
    const missing = adapter.missing();
    if (missing.length) return setPhase({ name: 'not-configured', missing });
    setPhase({ name: 'joining' });
    try {
      joined.current = await adapter.join({
        sessionId,
        callType: record?.callType ?? 'video',
        container: container.current!,
        onEnded: () => {
          joined.current = undefined;
          setPhase({ name: 'left' });
        },
      });
      setPhase({ name: 'in-call' });
    } catch (error) {
      setPhase({ name: 'join-failed', message: error instanceof Error ? error.message : String(error) });
    }
  }

  async function hangUp() {
    const current = joined.current;
    joined.current = undefined;
    await current?.leave();
    setPhase({ name: 'left' });
  }

  async function decline(record = call ?? undefined) {
    announceHandled({ type: 'handled', sessionId, how: 'decline' });
    setPhase({ name: 'declining' });
    if (await declineCall(sessionId, record?.declineToken)) {
      await stores.callLog.setState(sessionId, { state: 'declined', reason: 'declined' }).catch(() => undefined);
      setPhase({ name: 'declined' });
    } else {
      setPhase({ name: 'decline-failed' });
    }
  }

  const who = call?.callerName || 'Unknown caller';
  const title: Partial<Record<Phase['name'], string>> = {
    joining: `Joining the call with ${who}…`,
    'in-call': `In call with ${who}`,
    left: `Call with ${who} ended`,
    declined: 'Call declined',
  };
  return (
    <section class="card call" aria-live="polite">
      <h1>{title[phase.name] ?? `Call from ${who}`}</h1>
      <p>{call ? `${call.callType === 'video' ? 'Video' : 'Audio'} call` : call === undefined ? 'This call is not on this device any more.' : 'Loading…'}</p>
      {phase.name === 'over' && <p>This call has ended.</p>}
      {phase.name === 'declined' && <p>The caller has been told you declined.</p>}
      {phase.name === 'decline-failed' && <p role="alert">The decline did not reach the server. The caller will see the call as unanswered.</p>}
      {phase.name === 'not-configured' && (
        <div role="alert" data-testid="calls-not-configured">
          <p>This app can’t join calls yet. Missing:</p>
          <ul>
            {phase.missing.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
      {phase.name === 'join-failed' && <p role="alert">Could not join the call: {phase.message}</p>}
      <div ref={container} class="call-stage" data-testid="call-stage" hidden={phase.name !== 'joining' && phase.name !== 'in-call'} />
      {phase.name === 'ringing' && (
        <div class="actions">
          <button onClick={() => void accept()}>Accept</button>
          <button class="decline" onClick={() => void decline()}>
            Decline
          </button>
        </div>
      )}
      {phase.name === 'in-call' && (
        <div class="actions">
          <button class="decline" onClick={() => void hangUp()}>
            Hang up
          </button>
        </div>
      )}
    </section>
  );
}
