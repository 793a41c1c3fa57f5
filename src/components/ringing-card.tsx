import type { ComponentChildren } from 'preact';
import { isBrave } from '../platform/environment';
import type { Ringing } from '../push/use-ringing';
import type { Session } from '../session';
import { navigate } from '../use-route';
import { problemText, problemTitle, unblockSteps, unsupportedText } from './help-text';

/** One card per state of the enable-ringing flow, each with the next step that works. */
export function RingingCard({ ringing, session }: { ringing: Ringing; session: Session | undefined }) {
  const { state, platform } = ringing;
  const [title, body] = ((): [string | undefined, ComponentChildren] => {
    switch (state.name) {
      case 'checking':
        return [undefined, <p aria-busy="true">Checking what this browser can do…</p>];
      case 'unsupported': {
        const text = unsupportedText(state.reason, platform!);
        return [
          'This browser cannot ring',
          <>
            <p>{text.why}</p>
            <p>{text.next}</p>
          </>,
        ];
      }
      case 'needs-install':
        return [
          'Add RingKit to your Home Screen',
          <>
            <p>On iPhone and iPad, calls can ring only in apps on the Home Screen.</p>
            <button type="button" onClick={() => navigate('/install')}>
              Show me how
            </button>
          </>,
        ];
      case 'ready':
      case 'enabling':
        return [
          'Turn on ringing',
          <>
            <p>
              RingKit shows incoming calls with Accept and Decline, even when this app is closed. Your browser will ask to allow
              notifications.
            </p>
            {!session && <p>Sign in above first.</p>}
            <button type="button" disabled={!session || state.name === 'enabling'} aria-busy={state.name === 'enabling'} onClick={ringing.enable}>
              {state.name === 'enabling' ? 'Enabling…' : 'Enable ringing'}
            </button>
          </>,
        ];
      case 'on':
        return [
          'Ringing is on',
          <>
            <p>Calls to {session?.name ?? 'you'} ring this device.</p>
            <button type="button" class="quiet" onClick={ringing.disable}>
              Stop ringing on this device
            </button>
          </>,
        ];
      case 'blocked':
        return [
          'Notifications are blocked',
          <>
            <p>Calls cannot ring here until you allow notifications for this site.</p>
            <p>{unblockSteps(platform!)}</p>
          </>,
        ];
      case 'error': {
        const text = problemText(state.problem, state.detail, isBrave());
        return [
          problemTitle(state.problem),
          <>
            <p role="alert">{text.what}</p>
            <p>{text.next}</p>
            {/* Enabled even signed out: it retries reaching the server, which needs no sign-in. */}
            <button type="button" onClick={ringing.enable}>
              Try again
            </button>
          </>,
        ];
      }
    }
  })();
  return (
    <section class="card" data-ringing-state={state.name} aria-labelledby={title ? 'ringing-title' : undefined}>
      {title && <h2 id="ringing-title">{title}</h2>}
      {body}
      {/* Only the new state's name is announced, not the whole card again. */}
      <p class="visually-hidden" role="status">
        {state.name === 'checking' ? '' : title}
      </p>
    </section>
  );
}
