import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, secretsEqual, type Tokens } from '../auth/tokens';
import { ApiError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** the user a valid user token names */
    uid?: string;
  }
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** onRequest: runs before the body is read, so an unauthenticated caller costs little. */
export function requireUser(tokens: Tokens): Hook {
  return async (request) => {
    request.uid = await tokens.verifyUser(bearerToken(request.headers.authorization));
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
