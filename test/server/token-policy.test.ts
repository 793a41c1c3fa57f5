/**
 * User tokens: a bounded lifetime (24 h), a finite exp, a small clock-skew
 * tolerance, and RingKit's own audiences never taken for a user token.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_S, Tokens, USER_TOKEN_MAX_AGE_S } from '../../server/auth/tokens';

const SECRET = 's'.repeat(32);
const tokens = new Tokens(SECRET);
const now = () => Math.floor(Date.now() / 1000);
const key = new TextEncoder().encode(SECRET);

/** A token as a backend might mint it; `raw` claims go into the JSON as written (1e400). */
async function mint(claims: Record<string, unknown>, raw?: string): Promise<string> {
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
  if (!raw) return jwt;
  // Re-sign a payload whose JSON holds a literal JSON.stringify cannot write.
  const [header] = jwt.split('.');
  const body = Buffer.from(raw).toString('base64url');
  const { createHmac } = await import('node:crypto');
  const sig = createHmac('sha256', SECRET).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

describe('a user token', () => {
  it.each<[string, () => Promise<string>]>([
    ['exp ten years ahead', () => mint({ sub: 'ada', exp: now() + 10 * 365 * 86400 })],
    ['exp just over 24 h ahead (and the skew)', () => mint({ sub: 'ada', exp: now() + USER_TOKEN_MAX_AGE_S + CLOCK_SKEW_S + 5 })],
    ['exp 1e400 (Infinity once parsed)', () => mint({}, '{"sub":"ada","exp":1e400}')],
    ['iat a year in the future', () => mint({ sub: 'ada', iat: now() + 365 * 86400, exp: now() + 3600 })],
    ['iat and exp 25 h apart', () => mint({ sub: 'ada', iat: now() - 3600, exp: now() + 24 * 3600 })],
    ["RingKit's decline audience", () => mint({ sub: 'ada', aud: 'ringkit:decline', exp: now() + 600 })],
    ["RingKit's decline audience among others", () => mint({ sub: 'ada', aud: ['my-app', 'ringkit:decline'], exp: now() + 600 })],
    ['exp as a string', () => mint({ sub: 'ada', exp: String(now() + 600) })],
  ])('is refused with %s', async (_what, token) => {
    await expect(tokens.verifyUser(await token())).rejects.toMatchObject({ code: 'token_invalid' });
  });

  it.each<[string, () => Promise<string>]>([
    ['sub and exp only (what a host backend mints)', () => mint({ sub: 'ada', exp: now() + 12 * 3600 })],
    ['exactly 24 h', () => mint({ sub: 'ada', iat: now(), exp: now() + USER_TOKEN_MAX_AGE_S })],
    ['iat a few seconds ahead (clock skew)', () => mint({ sub: 'ada', iat: now() + 10, exp: now() + 3600 })],
    ['exp a few seconds past (clock skew)', () => mint({ sub: 'ada', exp: now() - 5 })],
    ['an audience of its own', () => mint({ sub: 'ada', aud: 'my-app', exp: now() + 600 })],
  ])('is accepted with %s', async (_what, token) => {
    await expect(tokens.verifyUser(await token())).resolves.toMatchObject({ uid: 'ada' });
  });

  it('expires beyond the skew', async () => {
    await expect(tokens.verifyUser(await mint({ sub: 'ada', exp: now() - CLOCK_SKEW_S - 5 }))).rejects.toMatchObject({ code: 'token_expired' });
  });
});
