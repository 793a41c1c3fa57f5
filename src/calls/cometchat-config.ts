/**
 * What the CometChat parts need, as plain data: the app id and region come
 * from the build (Vite env) or from the host page (`globalThis.ringkitCometChat`,
 * set before the app starts: a host that builds RingKit once for several
 * CometChat apps, or a test pointing it at a stand-in); the user's CometChat
 * auth token from the host app at run time (cometchat-login.ts).
 */
export interface CometChatConfig {
  appId?: string | undefined;
  region?: string | undefined;
  /** the client API's host (and path prefix) when not CometChat's own, as AppSettingsBuilder.overrideClientHost takes it */
  clientHost?: string | undefined;
  /** a CometChat auth token the host hands over at start, for the signed-in user */
  authToken?: string | undefined;
}

declare global {
  // eslint-disable-next-line no-var
  var ringkitCometChat: CometChatConfig | undefined;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** The build's configuration: VITE_COMETCHAT_APP_ID, VITE_COMETCHAT_REGION (us, eu, in), VITE_COMETCHAT_CLIENT_HOST. */
export function cometChatConfigFromEnv(env: Record<string, unknown>): CometChatConfig {
  return { appId: text(env.VITE_COMETCHAT_APP_ID), region: text(env.VITE_COMETCHAT_REGION), clientHost: text(env.VITE_COMETCHAT_CLIENT_HOST) };
}

/** The host page's configuration when it set one, else the build's. */
export function cometChatConfig(env: Record<string, unknown>): CometChatConfig {
  const host = globalThis.ringkitCometChat;
  if (!host) return cometChatConfigFromEnv(env);
  return { appId: text(host.appId), region: text(host.region), clientHost: text(host.clientHost), authToken: text(host.authToken) };
}

/** What is missing before CometChat can be told an answer or a call joined: for the console and the README, never the screen. */
export function missingCometChatSettings(config: CometChatConfig, authToken: string | undefined): string[] {
  const missing: string[] = [];
  if (!config.appId) missing.push('the CometChat app id (VITE_COMETCHAT_APP_ID when building the app)');
  if (!config.region) missing.push('the CometChat region (VITE_COMETCHAT_REGION when building the app)');
  if (!authToken) missing.push('the signed-in user’s CometChat auth token (the host app hands it over with setCometChatAuthToken)');
  return missing;
}

/**
 * A host app's CometChat app, at run time (ringkit/client): what the page and
 * the ringer use to tell CometChat an answer. Call it before setCometChatAuthToken.
 */
export function configureCometChat(config: Pick<CometChatConfig, 'appId' | 'region' | 'clientHost'>): void {
  globalThis.ringkitCometChat = { ...globalThis.ringkitCometChat, ...config };
}
