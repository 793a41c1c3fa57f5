import { useEffect, useState } from 'preact/hooks';
import { parseCallLink } from '../protocol/call-links';

/** The app's few routes; the service worker opens /call/<id>?action=… directly. */
export type Route =
  | { name: 'home' }
  | { name: 'call'; sessionId: string; action: 'accept' | 'reject' | 'open' }
  | { name: 'compat' }
  | { name: 'install' }
  | { name: 'embed' }
  | { name: 'not-found' };

export function matchRoute(url: URL): Route {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { name: 'home' };
  if (path === '/compat') return { name: 'compat' };
  if (path === '/install') return { name: 'install' };
  if (path === '/embed') return { name: 'embed' };
  if (path.startsWith('/call/')) {
    const link = parseCallLink(url);
    return link ? { name: 'call', sessionId: link.sessionId, action: link.intent } : { name: 'not-found' };
  }
  return { name: 'not-found' };
}

export function navigate(path: string): void {
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current route, following history navigation and in-app links. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => matchRoute(new URL(location.href)));
  useEffect(() => {
    const update = () => setRoute(matchRoute(new URL(location.href)));
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return route;
}
