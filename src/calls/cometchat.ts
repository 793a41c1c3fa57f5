/**
 * The CometChat calls adapter. The SDK is large, so it is imported only when
 * a call is joined: it lands in its own chunk that the app shell never loads
 * (checked by e2e/build.e2e.test.ts).
 */
import type { CallsAdapter } from './adapter';
import { missingCometChatSettings, type CometChatConfig } from './cometchat-config';

type Sdk = (typeof import('@cometchat/calls-sdk-javascript'))['CometChatCalls'];

export function cometChatAdapter(config: CometChatConfig, authToken: () => Promise<string | undefined>): CallsAdapter {
  let ready: Promise<Sdk> | undefined;
  const sdk = (appId: string, region: string): Promise<Sdk> =>
    (ready ??= import('@cometchat/calls-sdk-javascript')
      .then(async ({ CometChatCalls }) => {
        await CometChatCalls.init(new CometChatCalls.CallAppSettingsBuilder().setAppId(appId).setRegion(region).build());
        return CometChatCalls;
      })
      .catch((error: unknown) => {
        ready = undefined; // a failed load or init is retried on the next join
        throw error;
      }));

  return {
    name: 'CometChat',
    missing: async () => missingCometChatSettings(config, await authToken()),
    async join({ sessionId, callType, container, onEnded, onError }) {
      const token = await authToken();
      if (!config.appId || !config.region || !token) throw new Error(`Not configured: ${missingCometChatSettings(config, token).join('; ')}`);
      const Calls = await sdk(config.appId, config.region);
      const { token: callToken } = await Calls.generateToken(sessionId, token);
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        Calls.endSession();
        onEnded();
      };
      const settings = new Calls.CallSettingsBuilder()
        .enableDefaultLayout(true)
        .setIsAudioOnlyCall(callType === 'audio')
        .setCallListener(
          new Calls.OngoingCallListener({
            onCallEnded: end,
            onCallEndButtonPressed: end,
            onSessionTimeout: end,
            onError: (error: unknown) => {
              end();
              onError?.(error);
            },
          }),
        )
        .build();
      await Calls.startSession(callToken, settings, container);
      return {
        async leave() {
          if (ended) return;
          ended = true;
          Calls.endSession();
        },
      };
    },
  };
}
