import { useEffect, useRef, useState } from 'preact/hooks';
import { API_ROUTES, type DeviceInfo, type DevicesResponse } from '../../protocol/api';
import { deviceLabels, type DeviceLabel } from '../devices/device-labels';
import { removeDevice } from '../push/subscription';
import type { Session } from '../session';

/**
 * The user's devices as the sender holds them; other devices can be removed
 * after a confirmation. `refresh` changes with this device's ringing state,
 * so "(this device)" follows Stop ringing at once.
 */
export function DevicesCard({ session, refresh }: { session: Session; refresh: unknown }) {
  const [devices, setDevices] = useState<DeviceInfo[] | 'error'>();
  const [thisEndpoint, setThisEndpoint] = useState<string>();
  const [confirming, setConfirming] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const loads = useRef(0);
  const keep = useRef<HTMLButtonElement>(null);
  useEffect(() => keep.current?.focus(), [confirming]);

  const load = async () => {
    const n = ++loads.current; // an older answer arriving late must not win
    const res = await fetch(API_ROUTES.subscriptions, { headers: { authorization: `Bearer ${session.token}` } }).catch(() => undefined);
    const list = res?.ok ? ((await res.json()) as DevicesResponse).devices : ('error' as const);
    const registration = await navigator.serviceWorker?.getRegistration();
    const endpoint = (await registration?.pushManager?.getSubscription())?.endpoint;
    if (n !== loads.current) return;
    setDevices(list);
    setThisEndpoint(endpoint);
  };
  useEffect(() => void load(), [session.token, refresh]);

  const remove = (device: DeviceLabel) =>
    void removeDevice(session, device.endpoint).then(
      () => setNotice(`${device.name} was removed and will not ring for your calls.`),
      () => setNotice(`${device.name} could not be removed: the server did not answer. Try again.`),
    ).finally(() => {
      setConfirming(undefined);
      void load();
    });

  const labels = Array.isArray(devices) ? deviceLabels(devices, thisEndpoint) : [];
  return (
    <section class="card" aria-labelledby="devices-title">
      <h2 id="devices-title">Your devices</h2>
      {devices === undefined && <p aria-busy="true">Loading…</p>}
      {devices === 'error' && <p role="alert">The device list could not be loaded. Check the connection and reload.</p>}
      {Array.isArray(devices) && devices.length === 0 && <p>No device rings for you yet.</p>}
      {labels.length > 0 && (
        <ul class="devices">
          {labels.map((d) => (
            <li key={d.endpoint} data-this-device={d.thisDevice || undefined}>
              <span>
                <strong>{d.name}</strong>
                {d.thisDevice && <span class="tag">this device</span>}
                <br />
                <small>
                  {d.added} · <span class={d.problem ? 'problem' : undefined}>{d.status}</span>
                </small>
              </span>
              {!d.thisDevice && confirming !== d.endpoint && (
                <button type="button" class="quiet" aria-label={`Remove ${d.name}`} onClick={() => setConfirming(d.endpoint)}>
                  Remove
                </button>
              )}
              {confirming === d.endpoint && (
                <span class="confirm" role="group" aria-label={`Remove ${d.name}?`}>
                  <span>Stop it ringing for your calls?</span>
                  <button type="button" class="decline" onClick={() => remove(d)}>
                    Yes, remove
                  </button>
                  <button type="button" class="quiet" ref={keep} onClick={() => setConfirming(undefined)}>
                    Keep
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <p role="status" class="notice">
        {notice}
      </p>
    </section>
  );
}
