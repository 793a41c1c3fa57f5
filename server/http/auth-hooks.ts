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
