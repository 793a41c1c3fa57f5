/** message: what the app's pages ask of the worker (messages.ts). */
import { bestEffort, type SwContext } from './context';
import { parsePageToWorkerMessage } from '../browser-shared/messages';

export async function handlePageMessage(ctx: SwContext, data: unknown, skipWaiting: () => Promise<void>): Promise<void> {
  const message = parsePageToWorkerMessage(data);
  if (!message) return; // any window of the origin may post anything: ignore what isn't ours
  switch (message.type) {
    case 'SKIP_WAITING':
      await skipWaiting();
      return;
    case 'set_subscription_config':
      await bestEffort(ctx, 'storing the subscription config', () => ctx.settings.setSubscriptionConfig(message.config));
      return;
  }
}
