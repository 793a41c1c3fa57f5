import { useEffect, useState } from 'preact/hooks';

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
  const call = /^\/call\/([^/]+)$/.exec(path);
  if (call) {
    const action = url.searchParams.get('action');
    let sessionId: string;
    try {
      sessionId = decodeURIComponent(call[1]!);
    } catch {
      return { name: 'not-found' };
    }
    return { name: 'call', sessionId, action: action === 'accept' || action === 'reject' ? action : 'open' };
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
