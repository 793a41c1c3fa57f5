import { useEffect, useState } from 'preact/hooks';
import { API_ROUTES, apiPath } from '../../protocol/api';
import { openRingKitStores, type CallRecord } from '../../sw/call-log';

type Phase = 'ringing' | 'accepted' | 'declining' | 'declined' | 'decline-failed' | 'over';

const stores = openRingKitStores();

/**
 * /call/<sessionId>?action=accept|reject|open — where a notification click
 * lands. The caller comes from the call log the worker wrote when the ring arrived.
 */
export function CallScreen({ sessionId, action }: { sessionId: string; action: 'accept' | 'reject' | 'open' }) {
  const [call, setCall] = useState<CallRecord | undefined | null>(null);
  const [phase, setPhase] = useState<Phase>('ringing');

  useEffect(() => {
    void stores.callLog.get(sessionId).then((record) => {
      setCall(record);
      if (record && record.state !== 'ringing' && record.state !== 'accepted') setPhase('over');
      if (action === 'accept') void accept();
      if (action === 'reject') void decline(record);
    });
  }, [sessionId]);

  async function accept() {
    await stores.callLog.setState(sessionId, { state: 'accepted' });
    setPhase('accepted');
  }

  async function decline(record = call ?? undefined) {
    setPhase('declining');
    const token = record?.declineToken;
    const res = token
      ? await fetch(apiPath(API_ROUTES.decline, { sessionId }), { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined)
      : undefined;
    if (res?.ok) {
      await stores.callLog.setState(sessionId, { state: 'declined', reason: 'declined' });
      setPhase('declined');
    } else {
      setPhase('decline-failed');
    }
  }

  const who = call?.callerName || 'Unknown caller';
  return (
    <section class="card call" aria-live="polite">
      <h1>{phase === 'accepted' ? `In call with ${who}` : phase === 'declined' ? 'Call declined' : `Call from ${who}`}</h1>
      <p>{call ? `${call.callType === 'video' ? 'Video' : 'Audio'} call` : call === undefined ? 'This call is not on this device any more.' : 'Loading…'}</p>
      {phase === 'over' && <p>This call has ended.</p>}
      {phase === 'decline-failed' && <p role="alert">The decline did not reach the server. The caller will see the call as unanswered.</p>}
      {phase === 'ringing' && (
        <div class="actions">
          <button onClick={() => void accept()}>Accept</button>
          <button class="decline" onClick={() => void decline()}>
            Decline
          </button>
        </div>
      )}
    </section>
  );
}
