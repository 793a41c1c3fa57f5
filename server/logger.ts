/**
 * The sender's log. In production (or when piped, as under a process manager
 * or a test) it is JSON, one line per event and per request. A developer at a
 * terminal gets pino-pretty's short coloured lines and no per-request lines,
 * which a newcomer otherwise reads as trouble (LOG_LEVEL=debug brings them back).
 */
import { createRequire } from 'node:module';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Config } from './config';

const REDACT = ['req.headers.authorization', 'headers.authorization'];

/** pino-pretty is a development dependency: a production install has none, and needs none. */
function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export function createLogger(config: Pick<Config, 'logLevel' | 'development'>, terminal = process.stdout.isTTY === true): { logger: Logger; logRequests: boolean } {
  const pretty = config.development && terminal && prettyAvailable();
  if (!pretty) return { logger: pino({ level: config.logLevel, redact: REDACT }), logRequests: true };
  const logger = pino({
    level: config.logLevel,
    redact: REDACT,
    transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } },
  });
  return { logger, logRequests: config.logLevel === 'debug' || config.logLevel === 'trace' };
}

/**
 * One line per request, written when it completes, with the request, the
 * answer and its time: Fastify's own writes two (incoming, completed), and
 * at hundreds of rings a second the second line is a measurable share of the
 * sender's main thread for nothing the first does not say.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
