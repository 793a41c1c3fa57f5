/**
 * The calls this page hears of: the service worker tells every open page of
 * each ring and of its end (answered, declined or cancelled anywhere). The
 * ringer listens here; a host app with its own ringing UI can too.
 */
import { workerMessageEvent, type CallEvent } from './ringer/ringer-state';

export type { CallEvent };

/** Calls `listener` for each call event until the returned function is called. */
export function onCallEvents(listener: (event: CallEvent) => void): () => void {
  const sw = typeof navigator !== 'undefined' ? navigator.serviceWorker : undefined;
  if (!sw) return () => {};
  const onMessage = (e: MessageEvent) => {
    const event = workerMessageEvent(e.data, Date.now());
    if (event) listener(event);
  };
  sw.addEventListener('message', onMessage);
  // Messages that arrived before the page listened are held until this.
  sw.startMessages();
  return () => sw.removeEventListener('message', onMessage);
}
