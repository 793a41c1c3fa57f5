import { describe, expect, it } from 'vitest';
import { cometChatConfigFromEnv, missingCometChatSettings } from '../../src/calls/cometchat-config';

describe('the CometChat configuration', () => {
  it('reads the app id and region from the build env', () => {
    expect(cometChatConfigFromEnv({ VITE_COMETCHAT_APP_ID: ' 123abc ', VITE_COMETCHAT_REGION: 'eu' })).toEqual({ appId: '123abc', region: 'eu' });
    expect(cometChatConfigFromEnv({ VITE_COMETCHAT_APP_ID: '' })).toEqual({ appId: undefined, region: undefined });
  });

  it('names everything that is missing, the user’s auth token included', () => {
    const missing = missingCometChatSettings({}, undefined);
    expect(missing).toHaveLength(3);
    expect(missing.join('\n')).toMatch(/VITE_COMETCHAT_APP_ID[\s\S]*VITE_COMETCHAT_REGION[\s\S]*auth token/);
    expect(missingCometChatSettings({ appId: 'a', region: 'us' }, undefined)).toEqual([expect.stringContaining('auth token')]);
    expect(missingCometChatSettings({ appId: 'a', region: 'us' }, 'token')).toEqual([]);
  });
});
