/**
 * A backend receiving RingKit's call events on loopback, as a customer's would:
 * it verifies every delivery with the Standard Webhooks reference library
 * (`standardwebhooks`), records what came, and can refuse deliveries to make
 * the sender retry.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { CallEvent } from '../../protocol/events';

export interface Delivery {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** the verified event; undefined when the signature did not verify */
  event: CallEvent | undefined;
  /** what the receiver answered */
  status: number;
}

export interface EventReceiver {
  url: string;
  secret: string;
  deliveries: Delivery[];
  /** events taken (answered 2xx) once each, in the order first taken */
  taken(): CallEvent[];
  /** Decides each answer (default 204); return e.g. 503 to refuse. */
  answerWith(policy: (delivery: Omit<Delivery, 'status'>) => number): void;
  /** Resolves with the first taken event that matches. */
  waitFor(match: (event: CallEvent) => boolean, timeoutMs?: number): Promise<CallEvent>;
  close(): Promise<void>;
}

export async function startEventReceiver(): Promise<EventReceiver> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const webhook = new Webhook(secret);
  const deliveries: Delivery[] = [];
  const takenIds = new Map<string, CallEvent>();
  let policy: (delivery: Omit<Delivery, 'status'>) => number = () => 204;
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      let event: CallEvent | undefined;
      try {
        event = webhook.verify(body, req.headers as Record<string, string>) as CallEvent;
      } catch {
        event = undefined;
      }
      const id = String(req.headers['webhook-id'] ?? '');
      const status = event ? policy({ id, headers: req.headers, body, event }) : 401;
      deliveries.push({ id, headers: req.headers, body, event, status });
      if (event && status < 300 && !takenIds.has(id)) takenIds.set(id, event);
      res.writeHead(status).end();
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const taken = () => [...takenIds.values()];
  return {
    url: `http://127.0.0.1:${port}/ringkit-events`,
    secret,
    deliveries,
    taken,
    answerWith(p) {
      policy = p;
    },
    waitFor(match, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = taken().find(match);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching call event within ${timeoutMs} ms; taken: ${JSON.stringify(taken())}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
