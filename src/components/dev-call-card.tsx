import { useState } from 'preact/hooks';
import { API_ROUTES, type ApiErrorBody } from '../../protocol/api';
import { describeRing } from '../push/ring-summary';
import type { Session } from '../session';

/** The demo's caller: rings another signed-in name through the same path as POST /api/calls. */
export function DevCallCard({ session }: { session: Session }) {
  const [callee, setCallee] = useState('');
  const [result, setResult] = useState<string>();
  const call = async (e: Event) => {
    e.preventDefault();
    setResult('Calling…');
    const res = await fetch(API_ROUTES.devCalls, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipientUid: callee }),
    }).catch(() => undefined);
    if (!res) return setResult('The server did not answer.');
    if (res.status === 404) return setResult('Development calls are off on this server.');
    if (!res.ok) return setResult(((await res.json().catch(() => undefined)) as ApiErrorBody | undefined)?.error.message ?? `HTTP ${res.status}`);
    setResult(describeRing(callee, await res.json()));
  };
  return (
    <form class="card" onSubmit={call}>
      <h2>Call someone</h2>
      <label>
        Name to call
        <input name="callee" required maxLength={64} value={callee} onInput={(e) => setCallee(e.currentTarget.value)} />
      </label>
      <button type="submit">Call</button>
      {result && <p aria-live="polite">{result}</p>}
    </form>
  );
}
