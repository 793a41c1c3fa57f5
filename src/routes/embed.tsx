import { useEffect, useRef, useState } from 'preact/hooks';
import { setCometChatAuthToken } from '../calls';
import { cometChatLoginOf } from '../calls/cometchat-login';
import { readSession } from '../session';

/** Where the built ringer library is served (dist/ringer/, built by vite.ringer.config.ts). */
const RINGER_SCRIPT = '/ringer/ringkit-ringer.js';

const SNIPPET = `<script type="module" src="${RINGER_SCRIPT}"></script>
<ringkit-ringer ringtone-src="/ringtone.wav"></ringkit-ringer>
<script type="module">
  const ringer = document.querySelector('ringkit-ringer');
  ringer.addEventListener('accept', (e) => console.log('accepted', e.detail.sessionId));
  ringer.addEventListener('decline', (e) => console.log('declined', e.detail.sessionId));
  ringer.addEventListener('dismissed', (e) => console.log('ringing stopped', e.detail.reason));
</script>`;

/** Loads the ringer the way a host page does: the library's own script, once. */
function loadRingerLibrary(): void {
  if (import.meta.env.DEV) {
    void import('../ringer/index'); // no built library while `vite` serves the sources
    return;
  }
  if (document.querySelector(`script[src="${RINGER_SCRIPT}"]`)) return;
  const script = document.createElement('script');
  script.type = 'module';
  script.src = RINGER_SCRIPT;
  document.head.append(script);
}

/**
 * /embed — the embedding guide, live: this page mounts <ringkit-ringer> from
 * its built library as a host app would, hands over the CometChat auth token,
 * and lists the events the element emits.
 */
export function Embed() {
  const host = useRef<HTMLDivElement>(null);
  const [events, setEvents] = useState<string[]>([]);
  const [token, setToken] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    const uid = readSession()?.uid;
    if (uid) void cometChatLoginOf(uid).then((login) => login && (setToken(login.authToken), setSaved(true)));
  }, []);

  useEffect(() => {
    loadRingerLibrary();
    const ringer = document.createElement('ringkit-ringer');
    ringer.setAttribute('ringtone-src', '/ringtone.wav');
    const log = (e: Event) => {
      const detail = (e as CustomEvent<{ sessionId: string; callerName: string; reason?: string }>).detail;
      setEvents((list) => [...list, `${e.type}: ${detail.callerName} (${detail.sessionId})${detail.reason ? `, ${detail.reason}` : ''}`]);
    };
    for (const type of ['accept', 'decline', 'dismissed']) ringer.addEventListener(type, log);
    host.current!.append(ringer);
    return () => ringer.remove();
  }, []);

  return (
    <section class="card">
      <h1>Embed the ringer</h1>
      <p>
        This page mounts <code>&lt;ringkit-ringer&gt;</code> from its own script, as your app would. A call that rings this
        device rings here; Accept opens the call screen.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void setCometChatAuthToken(token.trim() || null).then(() => setSaved(Boolean(token.trim())));
        }}
      >
        <label>
          CometChat auth token of the signed-in user{' '}
          <input value={token} onInput={(e) => setToken(e.currentTarget.value)} autocomplete="off" spellcheck={false} />
        </label>{' '}
        <button type="submit">Hand over</button>
        <p role="status">{saved ? 'The call screen will join calls with this token.' : 'No token yet: the call screen will say so.'}</p>
      </form>
      <h2>Events</h2>
      {events.length === 0 && <p>None yet: they appear here when a call rings this device.</p>}
      <ul data-testid="ringer-events">
        {events.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ul>
      <h2>Copy and paste</h2>
      {/* tabIndex: a keyboard user can scroll the snippet sideways */}
      <pre class="code" tabIndex={0} aria-label="The snippet to copy">
        <code>{SNIPPET}</code>
      </pre>
      <div ref={host} />
    </section>
  );
}
