import { useEffect, useState } from 'preact/hooks';
import { DevCallCard } from '../components/dev-call-card';
import { DevicesCard } from '../components/devices-card';
import { RingingCard } from '../components/ringing-card';
import { SignInCard } from '../components/sign-in-card';
import { readDeviceStatus, type DeviceStatus } from '../device-status';
import { useRinging } from '../push/use-ringing';
import { useSession } from '../session';

const PERMISSION_TEXT: Record<DeviceStatus['permission'], string> = {
  granted: 'allowed',
  denied: 'blocked',
  default: 'not asked yet',
  unsupported: 'not available in this browser',
};

const WORKER_TEXT: Record<DeviceStatus['serviceWorker'], string> = {
  active: 'running',
  installing: 'starting',
  none: 'not running: reload the page',
  unsupported: 'not available in this browser',
};

export function Home() {
  const session = useSession();
  const ringing = useRinging(session);
  return (
    <>
      <h1 class="page-title">Ring this device for calls</h1>
      <SignInCard session={session} />
      <RingingCard ringing={ringing} session={session} />
      {session && <DevicesCard session={session} refresh={ringing.state.name} />}
      {session && <DevCallCard session={session} />}
      <DeviceDetails refresh={ringing.state.name} />
    </>
  );
}

/** The raw facts, for a developer wondering why a device does not ring. */
function DeviceDetails({ refresh }: { refresh: unknown }) {
  const [status, setStatus] = useState<DeviceStatus | null>(null);
  useEffect(() => {
    void readDeviceStatus().then(setStatus);
  }, [refresh]);
  return (
    <details class="card">
      <summary>This device in detail (for support)</summary>
      {!status ? (
        <p aria-busy="true">Checking…</p>
      ) : (
        <dl class="status" data-testid="device-status">
          <dt>Notifications</dt>
          <dd data-state={status.permission}>{PERMISSION_TEXT[status.permission]}</dd>
          <dt>Service worker</dt>
          <dd data-state={status.serviceWorker}>{WORKER_TEXT[status.serviceWorker]}</dd>
          <dt>Ringing subscription</dt>
          <dd>{status.subscribed === 'unsupported' ? 'push not available' : status.subscribed ? 'subscribed' : 'not subscribed'}</dd>
          <dt>Installed</dt>
          <dd>{status.installed ? 'yes, running as an app' : 'no, in a browser tab'}</dd>
          <dt>RingKit server</dt>
          <dd data-state={status.sender}>{status.sender === 'reachable' ? 'answering' : 'out of reach'}</dd>
        </dl>
      )}
    </details>
  );
}
