import { useEffect, useState } from 'preact/hooks';
import { API_ROUTES, type DeviceInfo, type DevicesResponse } from '../../protocol/api';
import { describeUserAgent } from '../platform/describe';
import { removeDevice } from '../push/subscription';
import type { Session } from '../session';

const OUTCOMES: Record<string, string> = { delivered: 'rang', purged: 'gone' };
const outcomeText = (d: DeviceInfo) =>
  !d.lastOutcome ? 'not rung yet' : `last ring ${OUTCOMES[d.lastOutcome] ?? d.lastOutcome.replace(/^failed:/, 'failed: ')} on ${new Date(d.lastOutcomeAt!).toLocaleString()}`;

/** The user's devices as the sender holds them; old ones can be removed. `refresh` changes when this device's state does. */
export function DevicesCard({ session, refresh }: { session: Session; refresh: unknown }) {
  const [devices, setDevices] = useState<DeviceInfo[] | 'error'>();
  const [thisEndpoint, setThisEndpoint] = useState<string>();

  const load = async () => {
    const res = await fetch(API_ROUTES.subscriptions, { headers: { authorization: `Bearer ${session.token}` } }).catch(() => undefined);
    setDevices(res?.ok ? ((await res.json()) as DevicesResponse).devices : 'error');
    const registration = await navigator.serviceWorker?.getRegistration();
    setThisEndpoint((await registration?.pushManager?.getSubscription())?.endpoint);
  };
  useEffect(() => void load(), [session.token, refresh]);

  return (
    <section class="card">
      <h2>Your devices</h2>
      {devices === undefined && <p aria-busy="true">Loading…</p>}
      {devices === 'error' && <p role="alert">The device list could not be loaded.</p>}
      {Array.isArray(devices) && devices.length === 0 && <p>No device rings for you yet.</p>}
      {Array.isArray(devices) && devices.length > 0 && (
        <ul class="devices">
          {devices.map((d) => (
            <li key={d.endpoint}>
              <span>
                <strong>{describeUserAgent(d.userAgent)}</strong>
                {d.endpoint === thisEndpoint && ' (this device)'}
                <br />
                <small>
                  added {new Date(d.createdAt).toLocaleDateString()}, {outcomeText(d)}
                </small>
              </span>
              {d.endpoint !== thisEndpoint && (
                <button type="button" class="quiet" onClick={() => void removeDevice(session, d.endpoint).then(load, load)}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
