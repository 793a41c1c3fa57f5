/**
 * What the CometChat adapter needs, and what is missing, as plain data: the
 * app id and region come from the build (Vite env), the user's CometChat auth
 * token from the host app at run time (auth-token.ts).
 */
export interface CometChatConfig {
  appId?: string | undefined;
  region?: string | undefined;
}

/** The build's configuration: VITE_COMETCHAT_APP_ID, VITE_COMETCHAT_REGION (us, eu, in). */
export function cometChatConfigFromEnv(env: Record<string, unknown>): CometChatConfig {
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  return { appId: text(env.VITE_COMETCHAT_APP_ID), region: text(env.VITE_COMETCHAT_REGION) };
}

export function missingCometChatSettings(config: CometChatConfig, authToken: string | undefined): string[] {
  const missing: string[] = [];
  if (!config.appId) missing.push('the CometChat app id (VITE_COMETCHAT_APP_ID when building the app)');
  if (!config.region) missing.push('the CometChat region (VITE_COMETCHAT_REGION when building the app)');
  if (!authToken) missing.push('the signed-in user’s CometChat auth token (the host app hands it over with setCometChatAuthToken)');
  return missing;
}
