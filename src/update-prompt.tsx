import { useRegisterSW } from 'virtual:pwa-register/preact';

/**
 * A new version is offered, never forced: reloading would cut a ringing or
 * ongoing call, so the offer waits while the call screen is open.
 */
export function UpdatePrompt({ busy }: { busy: boolean }) {
  const {
    needRefresh: [needRefresh, setNeedRefresh],
    updateServiceWorker,
  } = useRegisterSW();
  if (!needRefresh || busy) return null;
  return (
    <div class="toast" role="status">
      <span>A new version of RingKit is ready.</span>
      <button onClick={() => void updateServiceWorker(true)}>Reload</button>
      <button class="quiet" onClick={() => setNeedRefresh(false)}>
        Later
      </button>
    </div>
  );
}
