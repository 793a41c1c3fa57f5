import type { Ringing } from '../push/use-ringing';
import type { Session } from '../session';
import { navigate } from '../use-route';
import { problemText, unblockSteps, unsupportedText } from './help-text';

/** One card per state of the enable-ringing flow, each with the next step that works. */
export function RingingCard({ ringing, session }: { ringing: Ringing; session: Session | undefined }) {
  const { state, platform } = ringing;
  const body = (() => {
    switch (state.name) {
      case 'checking':
        return <p aria-busy="true">Checking what this browser can do…</p>;
      case 'unsupported': {
        const text = unsupportedText(state.reason, platform!);
        return (
          <>
            <h2>This browser cannot ring</h2>
            <p>{text.why}</p>
            <p>{text.next}</p>
          </>
        );
      }
      case 'needs-install':
        return (
          <>
            <h2>Add RingKit to your Home Screen</h2>
            <p>On iPhone and iPad, calls can ring only in apps on the Home Screen.</p>
            <button type="button" onClick={() => navigate('/install')}>
              Show me how
            </button>
          </>
        );
      case 'ready':
      case 'enabling':
        return (
          <>
            <h2>Ring this device for calls</h2>
            <p>
              RingKit shows incoming calls with Accept and Decline, even when this app is closed. Your browser will ask to allow
              notifications.
            </p>
            {!session && <p>Sign in first.</p>}
            <button type="button" disabled={!session || state.name === 'enabling'} aria-busy={state.name === 'enabling'} onClick={ringing.enable}>
              {state.name === 'enabling' ? 'Enabling…' : 'Enable ringing'}
            </button>
          </>
        );
      case 'on':
        return (
          <>
            <h2>Ringing is on</h2>
            <p>Calls to {session?.name ?? 'you'} ring this device.</p>
            <button type="button" class="quiet" onClick={ringing.disable}>
              Stop ringing on this device
            </button>
          </>
        );
      case 'blocked':
        return (
          <>
            <h2>Notifications are blocked</h2>
            <p>Calls cannot ring here until you allow notifications for this site.</p>
            <p>{unblockSteps(platform!)}</p>
          </>
        );
      case 'error': {
        const text = problemText(state.problem, state.detail);
        return (
          <>
            <h2>Ringing could not be turned on</h2>
            <p role="alert">{text.what}</p>
            <p>{text.next}</p>
            <button type="button" disabled={!session} onClick={ringing.enable}>
              Try again
            </button>
          </>
        );
      }
    }
  })();
  return (
    <section class="card" data-ringing-state={state.name} aria-live="polite">
      {body}
    </section>
  );
}
