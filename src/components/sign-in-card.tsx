import { useState } from 'preact/hooks';
import { API_ROUTES, type ApiErrorBody, type DevSessionResponse } from '../../protocol/api';
import { forgetThisDevice } from '../push/subscription';
import { setUserToken, type Session } from '../session';

/**
 * The local demo's sign-in (development only: the sender answers 404 when
 * RINGKIT_DEV_LOGIN is off). A host app hands RingKit its own user token instead.
 */
export function SignInCard({ session }: { session: Session | undefined }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  if (session) {
    return (
      <section class="card signed-in">
        <p>
          Signed in as <strong>{session.name}</strong>
        </p>
        <button type="button" class="quiet" onClick={() => void forgetThisDevice(session).finally(() => setUserToken(undefined))}>
          Sign out
        </button>
      </section>
    );
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const res = await fetch(API_ROUTES.devSession, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) }).catch(
      () => undefined,
    );
    if (res?.ok) return void setUserToken(((await res.json()) as DevSessionResponse).token);
    if (res?.status === 404) return setError('Development sign-in is off on this server: your app signs you in.');
    const body = (await res?.json().catch(() => undefined)) as ApiErrorBody | undefined;
    setError(body?.error.message ?? 'The server did not answer. Try again.');
  };
  return (
    <form class="card" onSubmit={submit}>
      <h2>Sign in</h2>
      <p>Demo sign-in: any name will do. Sign in with another name in a second browser to call this one.</p>
      <label>
        Your name
        <input name="name" autocomplete="nickname" required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <button type="submit">Sign in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}
