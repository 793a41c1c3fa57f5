import { MAX_PAYLOAD_BYTES, type PushPayload } from '../../protocol/payload';

/**
 * What aes128gcm (RFC 8188, as RFC 8291 uses it) adds to the payload: the
 * header (16-byte salt, 4-byte record size, key id length, the 65-byte
 * sender key), the padding delimiter and the 16-byte tag. One record.
 */
export const AES128GCM_OVERHEAD_BYTES = 16 + 4 + 1 + 65 + 1 + 16;

/** A push whose encrypted body would not fit every push service; answered 400, never sent. */
export class PushTooLargeError extends Error {
  override name = 'PushTooLargeError';
  constructor(readonly bytes: number) {
    super(
      `the push would be ${bytes} bytes encrypted, over the ${MAX_PAYLOAD_BYTES} bytes every push service takes: shorten sessionId, callerName or the uids (characters outside ASCII take 2 to 4 bytes)`,
    );
  }
}

/** The encrypted body's size in bytes, as the push service counts it. */
export function encryptedPushBytes(payload: PushPayload): number {
  return Buffer.byteLength(JSON.stringify(payload), 'utf8') + AES128GCM_OVERHEAD_BYTES;
}

/**
 * RFC 8030 only promises 4,096 bytes and Firefox on Android takes less: a
 * ring over MAX_PAYLOAD_BYTES would be a 413 at the push service, a ring lost.
 */
export function assertPushFits(payload: PushPayload): void {
  const bytes = encryptedPushBytes(payload);
  if (bytes > MAX_PAYLOAD_BYTES) throw new PushTooLargeError(bytes);
}
