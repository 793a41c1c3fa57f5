import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, secretsEqual, type Tokens } from '../auth/tokens';
import { ApiError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** the user a valid user token names */
    uid?: string;
    /** the token's display name, when it carries one */
    userName?: string;
  }
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** onRequest: runs before the body is read, so an unauthenticated caller costs little. */
export function requireUser(tokens: Tokens): Hook {
  return async (request) => {
    const user = await tokens.verifyUser(bearerToken(request.headers.authorization));
    request.uid = user.uid;
    request.userName = user.name;
  };
}

export function requireApiKey(apiKey: string): Hook {
  return async (request, reply) => {
    const given = bearerToken(request.headers.authorization);
    if (!given || !secretsEqual(given, apiKey)) {
      reply.header('WWW-Authenticate', 'Bearer');
      throw new ApiError(401, given ? 'api_key_invalid' : 'api_key_missing', 'send Authorization: Bearer <RINGKIT_API_KEY>');
    }
  };
}

/** HTTP Basic (RFC 7617), as CometChat's webhooks and custom push provider send it. */
export function requireBasic(expected: { user: string; password: string }): Hook {
  return async (request, reply) => {
    const given = basicCredentials(request.headers.authorization);
    // Both compared every time (no short-circuit), each in constant time.
    const userOk = secretsEqual(given?.user ?? '', expected.user);
    const passwordOk = secretsEqual(given?.password ?? '', expected.password);
    if (!given || !userOk || !passwordOk) {
      reply.header('WWW-Authenticate', 'Basic realm="ringkit", charset="UTF-8"');
      throw new ApiError(401, given ? 'credentials_invalid' : 'credentials_missing', 'send Authorization: Basic with the COMETCHAT_WEBHOOK_USER and COMETCHAT_WEBHOOK_PASSWORD credentials');
    }
  };
}

function basicCredentials(authorization: string | undefined): { user: string; password: string } | undefined {
  const m = authorization?.match(/^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
