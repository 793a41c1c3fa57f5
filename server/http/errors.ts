import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiErrorBody } from '../../protocol/api';
import { TokenError } from '../auth/tokens';
import { PushTooLargeError } from '../push/push-size';
import { StoreUnavailableError } from '../store/unavailable';

/** What a client told "store unavailable" should wait before trying again, in seconds. */
const STORE_RETRY_AFTER_S = 5;

/** An error the API answers as it is: a status, a stable code, a message for the caller. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string): ApiErrorBody {
  return { error: { code, message } };
}

/** Fastify's own client errors, named for the caller. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'send Content-Type: application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_request', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'the body is not valid JSON' },
};

/**
 * Fastify's router errors (a URL that does not decode, a path parameter over
 * the router's limit), which bypass the error handler: in the API's shape too.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(414).send(errorBody('uri_too_long', 'a path segment is too long'));
    return;
  }
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).send(errorBody('invalid_url', 'the URL is not valid (malformed percent-encoding?)'));
    return;
  }
  void reply.code(400).send(errorBody('bad_request', 'the request could not be routed'));
}

/** What Node's HTTP parser refuses before Fastify sees a request: timeouts, oversized headers, garbage. */
const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'the request took too long to arrive' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers_too_large', message: 'the request headers are too large' },
};

/** Node's clientError: answered in the API's shape, then the connection is closed. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = (err.code && CLIENT_ERRORS[err.code]) || { status: 400, code: 'bad_request', message: 'the request is not valid HTTP' };
  const body = JSON.stringify(errorBody(known.code, known.message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Every error leaves as {"error":{"code","message"}}; a 5xx never carries its details. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError | TokenError | StoreUnavailableError | PushTooLargeError, request, reply) => {
    if (err instanceof ApiError) return reply.code(err.statusCode).send(errorBody(err.code, err.message));
    if (err instanceof TokenError) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send(errorBody(err.code, err.message));
    }
    if (err instanceof PushTooLargeError) return reply.code(400).send(errorBody('ring_too_large', err.message));
    if (err instanceof StoreUnavailableError) {
      request.log.warn({ err: err.cause }, 'store unreachable: answered 503');
      return reply
        .code(503)
        .header('Retry-After', String(STORE_RETRY_AFTER_S))
        .send(errorBody('store_unavailable', 'the sender cannot reach its database right now: try again shortly'));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.code(400).send(errorBody('invalid_request', fe.message));
    }
    const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
    if (known) return reply.code(known.status).send(errorBody(known.code, known.message ?? fe.message));
    if (fe instanceof SyntaxError || (fe.statusCode === 400 && /JSON/i.test(fe.message))) {
      return reply.code(400).send(errorBody('invalid_json', 'the body is not valid JSON'));
    }
    const status = fe.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(status === 429 ? 'rate_limited' : 'bad_request', fe.message));
    }
    request.log.error({ err }, 'request failed');
    return reply.code(status >= 500 && status < 600 ? status : 500).send(errorBody('internal_error', 'internal error'));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}
