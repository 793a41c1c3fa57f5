// Minimal typing for the parts of http_ece the test helpers use (the package ships none).
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  export interface EceParams {
    version?: 'aes128gcm' | 'aesgcm' | 'aesgcm128';
    /** Receiver's key pair (decrypt) or sender's (encrypt). */
    privateKey?: ECDH;
    /** Other party's public key; for aes128gcm decrypt it comes from the body header. */
    dh?: Buffer | string;
    authSecret?: Buffer | string;
    salt?: Buffer | string;
    key?: Buffer | string;
    keyid?: Buffer | string;
    keylabel?: string;
    rs?: number;
    pad?: number;
  }

  export function decrypt(buffer: Buffer, params: EceParams): Buffer;
  export function encrypt(buffer: Buffer, params: EceParams): Buffer;

  const ece: { decrypt: typeof decrypt; encrypt: typeof encrypt };
  export default ece;
}
