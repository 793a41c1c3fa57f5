import { createECDH, randomBytes } from 'node:crypto';
import type { ECDH } from 'node:crypto';
import ece from 'http_ece';

/** Shape of `PushSubscription.toJSON()` in a browser. */
export interface TestPushSubscriptionJSON {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

export interface TestSubscription {
  subscription: TestPushSubscriptionJSON;
  /** Decrypts an aes128gcm (RFC 8291) push body addressed to this subscription; throws if it is not. */
  decrypt(body: Buffer): string;
}

export function makeTestSubscription(endpoint: string): TestSubscription {
  const ecdh: ECDH = createECDH('prime256v1');
  // Uncompressed point (65 bytes, 0x04 prefix), as browsers expose p256dh.
  const publicKey = ecdh.generateKeys();
  const authSecret = randomBytes(16);
  return {
    subscription: {
      endpoint,
      expirationTime: null,
      keys: {
        p256dh: publicKey.toString('base64url'),
        auth: authSecret.toString('base64url'),
      },
    },
    decrypt(body: Buffer): string {
      return ece.decrypt(body, { version: 'aes128gcm', privateKey: ecdh, authSecret }).toString('utf8');
    },
  };
}
