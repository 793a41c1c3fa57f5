import { SignJWT } from 'jose';

/** A user token as the customer's backend mints it (design.md, "Tokens"): HS256, sub = uid, exp. */
export function mintUserToken(secret: string, uid: string, expiresIn: string = '10m'): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(uid).setExpirationTime(expiresIn).sign(new TextEncoder().encode(secret));
}
