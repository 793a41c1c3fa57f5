import { useEffect, useState } from 'preact/hooks';
import { readDeviceStatus, type DeviceStatus } from '../device-status';

const PERMISSION_TEXT: Record<DeviceStatus['permission'], string> = {
  granted: 'allowed',
  denied: 'blocked',
  default: 'not asked yet',
  unsupported: 'not available in this browser',
};

export function Home() {
  const [status, setStatus] = useState<DeviceStatus | null>(null);
  useEffect(() => {
    void readDeviceStatus().then(setStatus);
  }, []);
  return (
    <section class="card">
      <h1>This device</h1>
      {!status ? (
        <p aria-busy="true">Checking…</p>
      ) : (
        <dl class="status" data-testid="device-status">
          <dt>Notifications</dt>
          <dd data-state={status.permission}>{PERMISSION_TEXT[status.permission]}</dd>
          <dt>Service worker</dt>
          <dd data-state={status.serviceWorker}>{status.serviceWorker}</dd>
          <dt>Ringing subscription</dt>
          <dd>{status.subscribed === 'unsupported' ? 'push not available' : status.subscribed ? 'subscribed' : 'not subscribed'}</dd>
          <dt>Installed</dt>
          <dd>{status.installed ? 'yes, running as an app' : 'no, in a browser tab'}</dd>
          <dt>Sender</dt>
          <dd data-state={status.sender}>{status.sender}</dd>
        </dl>
      )}
    </section>
  );
}
