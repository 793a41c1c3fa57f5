import { useRef } from 'preact/hooks';
import { InstallButton } from './install/install-button';
import { AppRinger } from './ringer/app-ringer';
import { useRouteChange } from './route-change';
import { CallScreen } from './routes/call';
import { Compat } from './routes/compat';
import { Embed } from './routes/embed';
import { Home } from './routes/home';
import { Install } from './routes/install';
import { Placeholder } from './routes/placeholder';
import { UpdatePrompt } from './update-prompt';
import { navigate, useRoute } from './use-route';

export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  useRouteChange(route, main);
  const go = (path: string) => (e: MouseEvent) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return; // a new tab or window: the browser's
    e.preventDefault();
    navigate(path);
  };
  return (
    <>
      <header class="bar">
        <a href="/" class="brand" onClick={go('/')}>
          RingKit
        </a>
        <nav aria-label="Main">
          <a href="/compat" onClick={go('/compat')} aria-current={route.name === 'compat' ? 'page' : undefined}>
            Compatibility
          </a>
          <a href="/install" onClick={go('/install')} aria-current={route.name === 'install' ? 'page' : undefined}>
            Install
          </a>
          <InstallButton />
        </nav>
      </header>
      <main ref={main}>
        {route.name === 'home' && <Home />}
        {route.name === 'call' && <CallScreen sessionId={route.sessionId} action={route.action} />}
        {route.name === 'compat' && <Compat />}
        {route.name === 'install' && <Install />}
        {route.name === 'embed' && <Embed />}
        {route.name === 'not-found' && <Placeholder title="Not found" text="There is nothing at this address." />}
      </main>
      {/* /embed mounts <ringkit-ringer> the way a host app does, instead of this one */}
      {route.name !== 'embed' && <AppRinger />}
      <UpdatePrompt busy={route.name === 'call'} />
    </>
  );
}
