import type { CallsAdapter } from './adapter';
import { readSession } from '../session';
import { cometChatAdapter } from './cometchat';
import { cometChatConfig } from './cometchat-config';
import { cometChatLoginOf } from './cometchat-login';

export type { CallsAdapter, JoinedCall, JoinOptions } from './adapter';
export { setCometChatAuthToken } from './cometchat-login';

let fallback: CallsAdapter | undefined;

/** The adapter a host (or a test) put on globalThis, else CometChat configured from the build. */
export function callsAdapter(): CallsAdapter {
  return (
    globalThis.ringkitCallsAdapter ??
    (fallback ??= cometChatAdapter(cometChatConfig(import.meta.env), async () => {
      const uid = readSession()?.uid;
      return uid ? (await cometChatLoginOf(uid))?.authToken : undefined;
    }))
  );
}
