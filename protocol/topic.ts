import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/** RFC 8030 §5.4: a Topic is at most 32 characters of the base64url alphabet. */
export const TOPIC_MAX_LENGTH = 32;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The push Topic of a call: the ring and its call_ended share it, so a
 * call_ended still queued at the push service replaces the ring it ends.
 *
 * Session ids can't be used as they are: CometChat's contain dots (not in the
 * alphabet) and share long prefixes (truncation would give different calls one
 * topic). 24 bytes of SHA-256 encode to exactly 32 characters, a length Apple
 * also accepts (it base64url-decodes the topic and rejects lengths ≡ 1 mod 4).
 */
export function callTopic(sessionId: string): string {
  const digest = sha256(utf8ToBytes(sessionId));
  let out = '';
  for (let i = 0; i < 24; i += 3) {
    const n = (digest[i]! << 16) | (digest[i + 1]! << 8) | digest[i + 2]!;
    out += BASE64URL[(n >> 18) & 63]! + BASE64URL[(n >> 12) & 63]! + BASE64URL[(n >> 6) & 63]! + BASE64URL[n & 63]!;
  }
  return out;
}

export function isValidTopic(topic: string): boolean {
  return topic.length > 0 && topic.length <= TOPIC_MAX_LENGTH && /^[A-Za-z0-9_-]+$/.test(topic);
}
