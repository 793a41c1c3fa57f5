import { AppRinger } from './ringer/app-ringer';
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
  return (
    <>
      <header class="bar">
        <a
          href="/"
          class="brand"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          RingKit
        </a>
        <nav>
          <a href="/compat">Compatibility</a>
          <a href="/install">Install</a>
        </nav>
      </header>
      <main>
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
