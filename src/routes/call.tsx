import { useEffect, useRef, useState } from 'preact/hooks';
import { openRingKitStores, type CallRecord } from '../../browser-shared/call-log';
import { callsAdapter, type JoinedCall } from '../calls';
import { holdActiveCall } from '../calls/active-call';
import { navigate } from '../use-route';

type Phase =
  | 'loading'
  | 'unknown'
  | 'over'
  | 'ringing'
  | 'accepting'
  | 'accept-failed'
  | 'accepted'
  | 'joining'
  | 'join-failed'
  | 'in-call'
  | 'call-failed'
  | 'left'
  | 'declining'
  | 'declined'
  | 'decline-failed';

const stores = openRingKitStores();
/** Telling CometChat and the sender the answer: loaded when the callee answers, as in the ringer. */
const answers = () => import('../calls/call-answers');

/**
 * /call/<sessionId>?action=accept|reject|open — where a notification click or
 * the ringer's Accept lands. The caller comes from the call log the worker
 * wrote when the ring arrived. Accept tells CometChat (its Chat SDK) and the
 * sender before joining through the calls adapter; a failure to tell is said
 * plainly, with a retry.
 */
export function CallScreen({ sessionId, action }: { sessionId: string; action: 'accept' | 'reject' | 'open' }) {
  const [call, setCall] = useState<CallRecord | undefined>(undefined);
  const [phase, setPhase] = useState<Phase>('loading');
  const container = useRef<HTMLDivElement>(null);
  const joined = useRef<JoinedCall | undefined>(undefined);
  const mounted = useRef(true);
  const releaseActive = useRef<() => void>(() => {});
  const setActiveCall = (id: string | undefined) => {
    releaseActive.current();
    releaseActive.current = id ? holdActiveCall(id) : () => {};
  };

  useEffect(() => {
    let live = true;
    mounted.current = true;
    void stores.callLog.get(sessionId).then((record) => {
      if (!live) return;
      setCall(record);
      if (!record) return setPhase('unknown');
      // Dismissed is still ringing for the caller: a desktop closes the notification it was clicked on.
      if (record.state !== 'ringing' && record.state !== 'accepted' && record.state !== 'dismissed') return setPhase('over');
      setPhase('ringing');
      if (action === 'accept') void accept(record);
      else if (action === 'reject') void decline(record);
    });
    return () => {
      live = false;
      mounted.current = false;
      const current = joined.current;
      joined.current = undefined;
      if (current) void current.leave().then(async () => (await answers()).endCall(sessionId, true));
      setActiveCall(undefined);
    };
  }, [sessionId]);

  async function accept(record = call) {
    setPhase('accepting');
    const told = await (await answers()).acceptCall(sessionId, record);
    if (!mounted.current) return;
    if (!told.ok) return setPhase('accept-failed');
    await join(record);
  }

  async function join(record = call) {
    const adapter = callsAdapter();
    const missing = await adapter.missing();
    if (missing.length) {
      // A setting of the developer's, not something the callee can act on: the console says what.
      console.info(`RingKit: the call was accepted, but ${adapter.name} calls cannot be joined yet. Missing: ${missing.join('; ')}`);
      return setPhase('accepted');
    }
    setPhase('joining');
    setActiveCall(sessionId);
    try {
      const joinedCall = await adapter.join({
        sessionId,
        callType: record?.callType ?? 'video',
        container: container.current!,
        onEnded: () => finish('left', false),
        onError: (error) => {
          console.warn('RingKit: the call failed', error);
          finish('call-failed', true);
        },
      });
      // Left the screen while joining: hang up rather than keep the microphone and camera on.
      if (!mounted.current) return void joinedCall.leave().then(async () => (await answers()).endCall(sessionId, true));
      joined.current = joinedCall;
      setPhase('in-call');
    } catch (error) {
      console.warn('RingKit: could not join the call', error);
      setActiveCall(undefined);
      setPhase('join-failed');
    }
  }

  /** The call is over here: CometChat is told (endCall when we ended it, then clearActiveCall). */
  function finish(next: Phase, endedByUs: boolean) {
    joined.current = undefined;
    setActiveCall(undefined);
    void answers().then((a) => a.endCall(sessionId, endedByUs));
    if (mounted.current) setPhase(next);
  }

  async function hangUp() {
    const current = joined.current;
    joined.current = undefined;
    await current?.leave();
    finish('left', true);
  }

  async function decline(record = call) {
    setPhase('declining');
    const told = await (await answers()).declineCall(sessionId, record);
    if (!mounted.current) return;
    if (!told.ok) return setPhase('decline-failed');
    setPhase('declined');
  }

  const who = call?.callerName || 'the caller';
  const Who = call?.callerName || 'The caller';
  const kind = call ? `${call.callType === 'video' ? 'Video' : 'Audio'} call` : '';
  const home = (
    <div class="actions">
      <button class="quiet" onClick={() => navigate('/')}>
        Back to RingKit
      </button>
    </div>
  );
  const view: Record<Phase, { title: string; text?: string; alert?: string; buttons?: preact.JSX.Element }> = {
    loading: { title: 'Incoming call', text: 'Loading…' },
    unknown: { title: 'Call not found', text: 'This call didn’t ring on this device, or it ended a while ago.', buttons: home },
    over: { title: `Call from ${who}`, text: 'This call has ended.', buttons: home },
    ringing: {
      title: `Call from ${who}`,
      text: kind,
      buttons: (
        <div class="actions">
          <button onClick={() => void accept()}>Accept</button>
          <button class="decline" onClick={() => void decline()}>
            Decline
          </button>
        </div>
      ),
    },
    accepting: { title: `Call from ${who}`, text: 'Accepting…' },
    'accept-failed': {
      title: `Call from ${who}`,
      alert: `${Who} can’t see that you accepted yet. Check your connection and try again.`,
      buttons: (
        <div class="actions">
          <button onClick={() => void accept()}>Try again</button>
          <button class="decline" onClick={() => void decline()}>
            Decline
          </button>
        </div>
      ),
    },
    accepted: { title: 'Call accepted', text: `${Who} has been told you accepted.`, buttons: home },
    joining: { title: `Joining the call with ${who}…` },
    'join-failed': {
      title: `Call with ${who}`,
      alert: 'The call could not start on this device. Check your connection and try again.',
      buttons: (
        <div class="actions">
          <button onClick={() => void join()}>Try again</button>
          {home}
        </div>
      ),
    },
    'in-call': {
      title: `In call with ${who}`,
      buttons: (
        <div class="actions">
          <button class="decline" onClick={() => void hangUp()}>
            Hang up
          </button>
        </div>
      ),
    },
    'call-failed': { title: `Call with ${who} ended`, alert: 'The call stopped because of a problem with the connection.', buttons: home },
    left: { title: `Call with ${who} ended`, buttons: home },
    declining: { title: `Call from ${who}`, text: 'Declining…' },
    declined: { title: `You declined the call from ${who}`, text: `${Who} has been told.`, buttons: home },
    'decline-failed': {
      title: `Call from ${who}`,
      alert: `${Who} can’t see that you declined yet. Check your connection and try again.`,
      buttons: (
        <div class="actions">
          <button class="decline" onClick={() => void decline()}>
            Try again
          </button>
        </div>
      ),
    },
  };
  const v = view[phase];
  return (
    <section class="card call" data-phase={phase}>
      <h1>{v.title}</h1>
      <div aria-live="polite">
        {v.text && <p>{v.text}</p>}
        {v.alert && <p role="alert">{v.alert}</p>}
      </div>
      <div ref={container} class="call-stage" data-testid="call-stage" hidden={phase !== 'joining' && phase !== 'in-call'} />
      {v.buttons}
    </section>
  );
}
