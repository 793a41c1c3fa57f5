/**
 * What a route change tells the user beyond the new content: the tab's title,
 * and for keyboard and screen-reader users focus on the new page's heading
 * (which reads it out), as a page load would.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { Route } from './use-route';

const TITLES: Record<Route['name'], string> = {
  home: 'RingKit: calls that ring this device',
  call: 'Call · RingKit',
  compat: 'Browser compatibility · RingKit',
  install: 'Install · RingKit',
  embed: 'Embed the ringer · RingKit',
  'not-found': 'Not found · RingKit',
};

export const routeTitle = (route: Route): string => TITLES[route.name];

export function useRouteChange(route: Route, main: { current: HTMLElement | null }): void {
  const first = useRef(true);
  const key = route.name === 'call' ? `call:${route.sessionId}` : route.name;
  useEffect(() => {
    document.title = routeTitle(route);
    if (first.current) {
      first.current = false; // a fresh load: the browser has already announced the page
      return;
    }
    const heading = main.current?.querySelector<HTMLElement>('h1');
    const target = heading ?? main.current;
    if (!target) return;
    target.tabIndex = -1;
    target.focus({ preventScroll: false });
    scrollTo(0, 0);
  }, [key]);
}
