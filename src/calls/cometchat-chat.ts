/**
 * CometChat's Chat SDK, loaded only when a callee answers (it is large: never
 * in the initial load), logged in as the callee. Where the host app has
 * logged the SDK in already (same origin: the SDK restores its login), that
 * login is used and its token kept for the worker.
 */
import { cometChatConfig } from './cometchat-config';
import { cometChatLoginOf, rememberCometChatUser } from './cometchat-login';

export type ChatSdk = (typeof import('@cometchat/chat-sdk-javascript'))['CometChat'];

let loading: Promise<ChatSdk> | undefined;

function loadSdk(appId: string, region: string, clientHost: string | undefined): Promise<ChatSdk> {
  loading ??= import('@cometchat/chat-sdk-javascript')
    .then(async ({ CometChat }) => {
      if (!CometChat.isInitialized()) {
        // No socket: RingKit only sends call statuses; a host app that wants live events initialises the SDK itself.
        let settings = new CometChat.AppSettingsBuilder().setRegion(region).autoEstablishSocketConnection(false);
        if (clientHost) settings = settings.overrideClientHost(clientHost);
        await CometChat.init(appId, settings.build());
      }
      return CometChat;
    })
    .catch((error: unknown) => {
      loading = undefined; // a failed load or init is retried next time
      throw error;
    });
  return loading;
}

/**
 * The Chat SDK logged in as `uid`, or undefined when CometChat is not
 * configured for this user (no app id, no token): then only the sender is told.
 */
export async function chatSdkAs(uid: string): Promise<ChatSdk | undefined> {
  const { appId, region, clientHost } = cometChatConfig(import.meta.env);
  if (!appId || !region) return undefined;
  const stored = await cometChatLoginOf(uid);
  const sdk = await loadSdk(appId, region, clientHost);
  const user = await sdk.getLoggedinUser();
  if (user && user.getUid() === uid) {
    const token = user.getAuthToken();
    if (token && token !== stored?.authToken) await rememberCometChatUser(uid, token);
    return sdk;
  }
  if (!stored) return undefined;
  if (user) await sdk.logout(); // someone else's login in this browser: never answer as them
  await sdk.login(stored.authToken);
  return sdk;
}
