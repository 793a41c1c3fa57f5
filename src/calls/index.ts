import type { CallsAdapter } from './adapter';
import { cometChatAuthToken } from './auth-token';
import { cometChatAdapter } from './cometchat';
import { cometChatConfigFromEnv } from './cometchat-config';

export type { CallsAdapter, JoinedCall, JoinOptions } from './adapter';
export { setCometChatAuthToken } from './auth-token';

let fallback: CallsAdapter | undefined;

/** The adapter a host (or a test) put on globalThis, else CometChat configured from the build. */
export function callsAdapter(): CallsAdapter {
  return globalThis.ringkitCallsAdapter ?? (fallback ??= cometChatAdapter(cometChatConfigFromEnv(import.meta.env), cometChatAuthToken));
}
